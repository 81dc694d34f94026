import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, mkdirSync, writeFileSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { GatewayAgent, type GatewayAgentOptions } from './agent.js';
import { startTestGatewayServer, leased } from './test-server.js';

/** Resolves once `cond()` holds, or fails after `ms`. */
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A temp folder with gammu's four spool folders and an smsdrc naming them; with `log`, gammu's log file `smsd.log` too. */
function spoolSetup({ log = false } = {}): { dir: string; smsdrc: string; logfile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-agent-'));
  for (const d of ['inbox', 'outbox', 'sent', 'error']) mkdirSync(join(dir, d));
  const smsdrc = join(dir, 'smsdrc');
  const logfile = join(dir, 'smsd.log');
  writeFileSync(smsdrc, `[smsd]\nservice = files\ninboxpath = ${dir}/inbox/\noutboxpath = ${dir}/outbox/\nsentsmspath = ${dir}/sent/\nerrorsmspath = ${dir}/error/\n${log ? `logfile = ${logfile}\n` : ''}`);
  return { dir, smsdrc, logfile };
}

/** An in-process agent on the test protocol server, silent, with no gammu-smsd-monitor to run. */
function testAgent(srv: { url: string; token: string }, dir: string, smsdrc: string, options: Partial<GatewayAgentOptions> = {}): GatewayAgent {
  const logger = pino({ level: 'silent' });
  return new GatewayAgent({ server: srv.url, token: srv.token, smsdrc, logger, monitorCommand: join(dir, 'no-monitor'), maxAttempts: 3, stuckSeconds: 180, ...options });
}

test('in-process agent without gammu: spools, withdraws at expiry, forwards a status word as SMS when nothing waits for a report', async () => {
  const { dir, smsdrc } = spoolSetup({ log: true });
  const srv = await startTestGatewayServer();
  const agent = testAgent(srv, dir, smsdrc, { inboxSettleMs: 100, raceSettleMs: 100 });
  try {
    await agent.start();
    assert.equal(agent.stateDir, join(dir, 'kirim-gateway'));
    srv.enqueue(leased({ id: 'soon', expires_at: new Date(Date.now() + 1500).toISOString() }));
    await srv.waitFor(() => srv.reports.some((r) => r.message_id === 'soon' && r.status === 'expired'), 10_000, 'expired');
    assert.deepEqual(readdirSync(join(dir, 'outbox')), []);
    assert.equal(agent.messageState('soon')?.state, 'expired');
    writeFileSync(join(dir, 'inbox', 'IN20260101_000000_00_+628111_00.txt'), 'Delivered');
    await srv.waitFor(() => srv.inbound.length === 1, 10_000, 'inbound');
    assert.equal(srv.inbound[0]!.text, 'Delivered');
    await srv.waitFor(() => srv.heartbeats.length > 0, 10_000, 'heartbeat');
    assert.equal(srv.heartbeats[0]!.modem.ok, false);
    assert.match(srv.heartbeats[0]!.modem.error!, /not installed/);
  } finally {
    await agent.stop();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file moved to sent/ is reported at once through the folder watch, not the rescan', async () => {
  const { dir, smsdrc } = spoolSetup();
  const srv = await startTestGatewayServer();
  // The rescan and the tick are far away: only a watch event can wake the agent in time.
  const agent = testAgent(srv, dir, smsdrc, { rescanMs: 600_000, logPollMs: 60_000 });
  try {
    await agent.start();
    srv.enqueue(leased({ id: 'watched' }));
    await srv.waitFor(() => srv.reports.some((r) => r.message_id === 'watched' && r.status === 'spooled'), 10_000, 'spooled');
    // The first tick ran at start; wait until the agent sleeps in its long tick.
    await new Promise((r) => setTimeout(r, 300));
    const [file] = readdirSync(join(dir, 'outbox'));
    assert.ok(file);
    const t0 = Date.now();
    renameSync(join(dir, 'outbox', file), join(dir, 'sent', file)); // what gammu does after sending
    await srv.waitFor(() => srv.reports.some((r) => r.message_id === 'watched' && r.status === 'sent'), 5_000, 'sent through the watch');
    assert.ok(Date.now() - t0 < 5_000);
  } finally {
    await agent.stop();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('failures gammu logged before a restart are not charged again to the file now at the head of the outbox', async () => {
  const { dir, smsdrc, logfile: log } = spoolSetup({ log: true });
  writeFileSync(log, '');
  const fail = 'Wed 2026/11/25 10:00:00 gammu-smsd[42]: Error getting send status of message: Unknown error. (UNKNOWN[27])\n';
  // A fresh protocol server per run: the test server may hand work to a poll of the run before.
  let srv = await startTestGatewayServer();
  const run = async (during: (agent: GatewayAgent) => Promise<void>) => {
    await srv.close();
    srv = await startTestGatewayServer();
    const agent = testAgent(srv, dir, smsdrc, { maxAttempts: 2, raceSettleMs: 100, logPollMs: 100 });
    await agent.start();
    try {
      await during(agent);
    } finally {
      await agent.stop();
    }
    return agent;
  };
  try {
    await run(async () => {}); // the first run: no saved position yet
    // Second run: two failures are logged and read while the outbox is
    // empty (they belong to no file of ours); then a message is spooled.
    await run(async () => {
      appendFileSync(log, fail + fail);
      await new Promise((r) => setTimeout(r, 500));
      srv.enqueue(leased({ id: 'innocent' }));
      await srv.waitFor(() => srv.reports.some((r) => r.message_id === 'innocent' && r.status === 'spooled'), 10_000, 'spooled');
    });
    // Third run: the old failures must not be read again and counted against
    // the file now at the head of the outbox (two would move it to error/).
    // gammu then logs a first part sent: once the agent has applied that line,
    // it has read everything before it.
    const third = await run(async (agent) => {
      const [file] = readdirSync(join(dir, 'outbox')).filter((f) => f.startsWith('OUT'));
      appendFileSync(log, `Wed 2026/11/25 10:05:00 gammu-smsd[43]: Transmitted ${file} (part: 1) to +6281234567890, message reference 0x0a\n`);
      await until(() => agent.messageState('innocent')?.parts.length === 1, 'the new log line applied');
    });
    assert.equal(third.messageState('innocent')?.state, 'spooled');
    assert.equal(readdirSync(join(dir, 'error')).length, 0);
    assert.equal(readdirSync(join(dir, 'outbox')).filter((f) => f.startsWith('OUT')).length, 1);
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with --spool-target 2 the agent never holds more than 2 unsent messages; the rest wait at the server and all 6 go', async () => {
  const { dir, smsdrc } = spoolSetup();
  const srv = await startTestGatewayServer();
  const agent = testAgent(srv, dir, smsdrc, { spoolTarget: 2, logPollMs: 100 });
  const outbox = () => readdirSync(join(dir, 'outbox')).filter((f) => f.startsWith('OUT')).sort();
  // What the agent holds when it asks for more: what it asks for must fit beside it.
  const atLease: { max: number; held: number }[] = [];
  srv.onLease = (max) => atLease.push({ max, held: outbox().length });
  const seen: number[] = [];
  try {
    await agent.start();
    srv.enqueue(...Array.from({ length: 6 }, (_, i) => leased({ id: `m${i}` })));
    // Plays gammu: sends the oldest file of the outbox, one at a time.
    for (let sent = 0; sent < 6; sent++) {
      await srv.waitFor(() => outbox().length > 0, 10_000, `file ${sent + 1} in the outbox`);
      const files = outbox();
      seen.push(files.length);
      renameSync(join(dir, 'outbox', files[0]!), join(dir, 'sent', files[0]!));
    }
    await srv.waitFor(() => Array.from({ length: 6 }, (_, i) => `m${i}`).every((id) => srv.reports.some((r) => r.message_id === id && r.status === 'sent')), 10_000, 'all 6 sent');
    for (const { max, held } of atLease) assert.ok(held + max <= 2, `a lease asked for ${max} with ${held} unsent in the outbox: ${JSON.stringify(atLease)}`);
    assert.ok(Math.max(...seen) <= 2, `outbox held ${JSON.stringify(seen)}`);
    assert.equal(srv.queue.length, 0);
  } finally {
    await agent.stop();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
