/**
 * The agent's claim step (claims.ts) against the test protocol server: a
 * message is written to the outbox only after the server answered its
 * claim `claimed`; a refused claim, or one the server cannot be asked
 * before the lease ends, writes nothing; and a file whose report the server
 * refuses (the message moved on) is withdrawn from the outbox.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { GatewayAgent } from './agent.js';
import { startTestGatewayServer, leased, type TestGatewayServer } from './test-server.js';

const outboxFiles = (dir: string) => readdirSync(join(dir, 'outbox')).filter((f) => f.startsWith('OUT'));

async function withAgent(run: (ctx: { srv: TestGatewayServer; agent: GatewayAgent; dir: string }) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-claims-'));
  for (const d of ['inbox', 'outbox', 'sent', 'error']) mkdirSync(join(dir, d));
  const smsdrc = join(dir, 'smsdrc');
  writeFileSync(smsdrc, `[smsd]\nservice = files\ninboxpath = ${dir}/inbox/\noutboxpath = ${dir}/outbox/\nsentsmspath = ${dir}/sent/\nerrorsmspath = ${dir}/error/\n`);
  const srv = await startTestGatewayServer();
  const agent = new GatewayAgent({
    server: srv.url,
    token: srv.token,
    smsdrc,
    logger: pino({ level: 'silent' }),
    monitorCommand: join(dir, 'no-monitor'),
    maxAttempts: 3,
    stuckSeconds: 180,
    raceSettleMs: 0,
    backoffBaseMs: 50,
    backoffCapMs: 200,
  });
  try {
    await agent.start();
    await run({ srv, agent, dir });
  } finally {
    await agent.stop();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the messages of one lease answer are claimed in one request; a refused claim writes nothing and reports nothing', async () => {
  await withAgent(async ({ srv, agent, dir }) => {
    srv.claimOutcome = (id) => (id === 'theirs' ? 'lost' : 'claimed');
    srv.enqueue(leased({ id: 'mine' }), leased({ id: 'theirs' }));
    await srv.waitFor(() => srv.reports.some((r) => r.message_id === 'mine' && r.status === 'spooled'), 10_000, 'mine spooled');
    await srv.waitFor(() => agent.messageState('theirs')?.state === 'released', 10_000, 'theirs released');
    assert.deepEqual(srv.claims, [['mine', 'theirs']]);
    assert.deepEqual(outboxFiles(dir).map((f) => f.replace(/^.*_/, '')), ['mine.txt']);
    assert.ok(!srv.reports.some((r) => r.message_id === 'theirs'), 'a released message is never reported');
  });
});

test('while the claim cannot be made nothing is written; after the lease ends the next lease answer decides', async () => {
  await withAgent(async ({ srv, agent, dir }) => {
    srv.claimsDown = true;
    const m = leased({ id: 'unsure', lease_until: new Date(Date.now() + 1500).toISOString() });
    srv.enqueue(m);
    await srv.waitFor(() => srv.claims.length >= 3, 10_000, 'claims retried');
    assert.deepEqual(outboxFiles(dir), [], 'nothing written while the claim fails');
    // The agent gives up once the lease ended, and polls again.
    await srv.waitFor(() => srv.leases > srv.handedOut.get('unsure')!, 10_000, 'polling again');
    assert.deepEqual(outboxFiles(dir), []);
    assert.equal(agent.messageState('unsure')?.state, 'claiming');
    assert.ok(!srv.reports.some((r) => r.message_id === 'unsure'));
    // The server reachable again leases it here once more: claimed, written once.
    srv.claimsDown = false;
    srv.enqueue({ ...m, lease_until: new Date(Date.now() + 30_000).toISOString() });
    await srv.waitFor(() => srv.reports.some((r) => r.message_id === 'unsure' && r.status === 'spooled'), 10_000, 'spooled');
    assert.equal(outboxFiles(dir).length, 1);
  });
});

test('a report the server refuses as stale withdraws the file from the outbox before gammu takes it', async () => {
  await withAgent(async ({ srv, agent, dir }) => {
    srv.reportOutcome = (r) => (r.message_id === 'canceled' ? { outcome: 'stale', status: 'canceled' } : { outcome: 'applied', status: r.status });
    srv.enqueue(leased({ id: 'canceled' }), leased({ id: 'kept' }));
    await srv.waitFor(() => agent.messageState('canceled')?.state === 'withdrawn', 10_000, 'withdrawn');
    assert.deepEqual(outboxFiles(dir).map((f) => f.replace(/^.*_/, '')), ['kept.txt']);
    assert.deepEqual(readdirSync(join(agent.stateDir, 'withdrawn')).map((f) => f.replace(/^.*_/, '')), ['canceled.txt']);
    assert.match(agent.messageState('canceled')!.detail!, /server has it canceled/);
    // Leased here again, it is not written again: it is reported failed instead.
    srv.enqueue(leased({ id: 'canceled' }));
    await srv.waitFor(() => srv.reports.some((r) => r.message_id === 'canceled' && r.status === 'failed'), 10_000, 'failed');
    assert.deepEqual(outboxFiles(dir).map((f) => f.replace(/^.*_/, '')), ['kept.txt']);
  });
});
