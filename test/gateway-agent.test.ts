/**
 * The agent as its own process beside a real gammu-smsd (dummy driver),
 * against a protocol-conformant test server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gammuSmsdInstalled, startGammuSmsd } from '../src/dev/gammu-smsd.js';
import { startTestGatewayServer, leased, type TestGatewayServer } from '../src/gateway/test-server.js';
import { tempDir, dummyGammuConfig, runAgent, ls, until, TEST_SMSD, type AgentProcess } from './gateway-helpers.js';

const skip = !gammuSmsdInstalled() && 'gammu-smsd is not installed';

interface Rig {
  dir: string;
  smsdrc: string;
  spool: { inbox: string; outbox: string; sent: string; error: string };
  state: string;
  server: TestGatewayServer;
  agent: AgentProcess;
  startGammu(): void;
  stopGammu(): Promise<void>;
  restartAgent(): AgentProcess;
  close(): Promise<void>;
}

/** gammu-smsd configured but not started; agent running. */
async function rig(): Promise<Rig> {
  const t = tempDir();
  const { smsdrc, spool } = dummyGammuConfig(t.dir);
  const server = await startTestGatewayServer();
  const state = join(t.dir, 'state');
  const args = ['--server', server.url, '--token', server.token, '--smsdrc', smsdrc, '--state-dir', state];
  let gammu: ReturnType<typeof startGammuSmsd> | undefined;
  const r: Rig = {
    dir: t.dir,
    smsdrc,
    spool,
    state,
    server,
    agent: runAgent(args),
    startGammu() {
      gammu = startGammuSmsd({ dir: join(t.dir, 'gammu'), modem: { kind: 'dummy' }, smsd: TEST_SMSD });
    },
    async stopGammu() {
      await gammu?.stop();
      gammu = undefined;
    },
    restartAgent() {
      r.agent = runAgent(args);
      return r.agent;
    },
    async close() {
      await r.agent.stop();
      await r.stopGammu();
      await server.close();
      if (server.errors.length) console.error(server.errors);
      t.cleanup();
    },
  };
  // Ready once its first heartbeat arrived (timing-sensitive tests start from here).
  await server.waitFor(() => server.heartbeats.length > 0, 30_000, 'agent start');
  return r;
}

const statuses = (s: TestGatewayServer, id: string) => s.reports.filter((r) => r.message_id === id).map((r) => r.status);

test('leased message → atomic UTF-16 file with a safe name → gammu sends it → spooled and sent reported', { skip }, async () => {
  const r = await rig();
  try {
    const text = 'Kode OTP Anda: 654321 — jangan dibagikan ✓';
    r.server.enqueue(leased({ id: 'msg_happy', text, delivery_report: true }));
    await r.server.waitFor(() => statuses(r.server, 'msg_happy').includes('spooled'), 20_000, 'spooled');
    const files = ls(r.spool.outbox);
    assert.equal(files.length, 1, `outbox: ${files}`);
    const name = files[0]!;
    assert.match(name, /^OUTB\d{8}_\d{6}_\d{3}_\+6281234567890_msg_happy\.txtd$/);
    const bytes = readFileSync(join(r.spool.outbox, name));
    assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xfe]);
    assert.equal(bytes.subarray(2).toString('utf16le'), text);
    r.startGammu();
    await r.server.waitFor(() => statuses(r.server, 'msg_happy').includes('sent'), 30_000, 'sent');
    assert.deepEqual(ls(r.spool.sent), [name]);
    assert.deepEqual(statuses(r.server, 'msg_happy'), ['spooled', 'sent']);
    assert.equal(r.server.reports.find((x) => x.status === 'sent')?.parts, 1);
    assert.ok(!r.agent.output().includes('654321'), 'the agent never logs message text');
    await r.server.waitFor(() => r.server.heartbeats.some((h) => h.modem.ok), 20_000, 'healthy heartbeat');
  } finally {
    await r.close();
  }
});

test('high priority goes first, then normal, then low', { skip }, async () => {
  const r = await rig();
  try {
    const base = Date.now();
    r.server.enqueue(
      leased({ id: 'p_low', priority: 'low', created_at: new Date(base - 3000).toISOString() }),
      leased({ id: 'p_normal', priority: 'normal', created_at: new Date(base - 2000).toISOString() }),
      leased({ id: 'p_high', priority: 'high', created_at: new Date(base - 1000).toISOString() }),
    );
    await r.server.waitFor(() => r.server.reports.filter((x) => x.status === 'spooled').length === 3, 20_000, 'three spooled');
    r.startGammu();
    await r.server.waitFor(() => r.server.reports.filter((x) => x.status === 'sent').length === 3, 30_000, 'three sent');
    const log = readFileSync(join(r.dir, 'gammu', 'gammu-smsd.log'), 'utf8');
    const order = [...log.matchAll(/Transmitted \S+_(p_\w+)\.txt/g)].map((m) => m[1]);
    assert.deepEqual(order, ['p_high', 'p_normal', 'p_low']);
  } finally {
    await r.close();
  }
});

test('expired at lease: never written, expired reported', { skip }, async () => {
  const r = await rig();
  try {
    r.server.enqueue(leased({ id: 'msg_late', expires_at: new Date(Date.now() - 1000).toISOString() }));
    await r.server.waitFor(() => statuses(r.server, 'msg_late').includes('expired'), 20_000, 'expired');
    assert.deepEqual(statuses(r.server, 'msg_late'), ['expired']);
    assert.deepEqual(ls(r.spool.outbox), []);
    // gammu-smsd is not running here: the agent keeps going and says so.
    await r.server.waitFor(() => r.server.heartbeats.some((h) => !h.modem.ok && /not running/.test(h.modem.error ?? '')), 20_000, 'unhealthy heartbeat');
    const hb = r.server.heartbeats.at(-1)!;
    assert.equal(hb.spool.outbox, 0);
    assert.equal(typeof hb.spool.pending_reports, 'number');
  } finally {
    await r.close();
  }
});

test('expired while waiting in the outbox (gammu stopped): withdrawn and reported; gammu never sends it', { skip }, async () => {
  const r = await rig();
  try {
    // Past the agent's --expiry-margin (10 s), so it is written first and withdrawn 10 s before it expires.
    r.server.enqueue(leased({ id: 'msg_wait', expires_at: new Date(Date.now() + 14_000).toISOString() }), leased({ id: 'msg_keep' }));
    await r.server.waitFor(() => statuses(r.server, 'msg_wait').includes('spooled'), 20_000, 'spooled');
    assert.equal(ls(r.spool.outbox).length, 2);
    await r.server.waitFor(() => statuses(r.server, 'msg_wait').includes('expired'), 20_000, 'expired');
    assert.deepEqual(statuses(r.server, 'msg_wait'), ['spooled', 'expired']);
    assert.equal(ls(r.spool.outbox).filter((n) => n.includes('msg_wait')).length, 0);
    assert.equal(ls(join(r.state, 'expired')).filter((n) => n.includes('msg_wait')).length, 1);
    r.startGammu();
    await r.server.waitFor(() => statuses(r.server, 'msg_keep').includes('sent'), 30_000, 'other message sent');
    assert.ok(!ls(r.spool.sent).some((n) => n.includes('msg_wait')));
    assert.deepEqual(statuses(r.server, 'msg_wait'), ['spooled', 'expired']);
  } finally {
    await r.close();
  }
});

test('SIGKILL between writing and reporting, then the same lease again: one file, reports still arrive', { skip }, async () => {
  const r = await rig();
  try {
    r.server.holdReports = true;
    const m = leased({ id: 'msg_crash' });
    r.server.enqueue(m);
    await until(() => ls(r.spool.outbox).length === 1, 20_000, 'file in outbox');
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(await r.agent.stop('SIGKILL'), null);
    assert.equal(r.server.reports.length, 0, 'no report reached the server before the kill');
    r.server.holdReports = false;
    r.restartAgent();
    r.server.enqueue(m); // the server re-leases: it never got `spooled`
    await r.server.waitFor(() => statuses(r.server, 'msg_crash').includes('spooled'), 20_000, 'spooled after restart');
    // The agent asks for more work only once it has handled what it leased.
    await r.server.waitFor(() => r.server.queue.length === 0, 20_000, 'the re-lease handed out');
    const handedOutBy = r.server.handedOut.get('msg_crash')!;
    await r.server.waitFor(() => r.server.leases > handedOutBy, 20_000, 'the lease request after the re-lease');
    assert.equal(ls(r.spool.outbox).length, 1, `outbox: ${ls(r.spool.outbox)}`);
    r.startGammu();
    await r.server.waitFor(() => statuses(r.server, 'msg_crash').includes('sent'), 30_000, 'sent');
    // Settled: a heartbeat sent after the report says no report is waiting and the outbox is empty.
    const beats = r.server.heartbeats.length;
    await r.server.waitFor(() => r.server.heartbeats.slice(beats).some((h) => h.spool.pending_reports === 0 && h.spool.outbox === 0), 20_000, 'a settled heartbeat');
    assert.equal(ls(r.spool.sent).length, 1);
    assert.equal(statuses(r.server, 'msg_crash').filter((s) => s === 'sent').length, 1);
    const handsetLog = readFileSync(join(r.dir, 'gammu', 'gammu-smsd.log'), 'utf8');
    assert.equal([...handsetLog.matchAll(/Transmitted \S+msg_crash/g)].length, 1, 'gammu sent it once');
  } finally {
    await r.close();
  }
});

test('server down, then up: the backlog of reports arrives', { skip }, async () => {
  const r = await rig();
  try {
    r.server.enqueue(leased({ id: 'msg_outage' }));
    await r.server.waitFor(() => statuses(r.server, 'msg_outage').includes('spooled'), 20_000, 'spooled');
    r.server.down = true;
    r.startGammu();
    await until(() => ls(r.spool.sent).length === 1, 30_000, 'gammu sent the file');
    await until(() => /server unreachable/.test(r.agent.output()), 20_000, 'agent noticed the outage');
    assert.ok(!statuses(r.server, 'msg_outage').includes('sent'));
    r.server.down = false;
    await r.server.waitFor(() => statuses(r.server, 'msg_outage').includes('sent'), 40_000, 'sent after the outage');
  } finally {
    await r.close();
  }
});

test('inbound files: multipart joined, forwarded once, archived after the ack', { skip }, async () => {
  const r = await rig();
  try {
    r.server.down = true;
    const files = {
      'IN20260101_100000_00_+6281111_00.txt': 'Halo, ini bagian ',
      'IN20260101_100001_00_+6281111_01.txt': 'kedua ✓',
      'IN20260101_100500_00_Shop&touch Q_00.txt': 'Promo',
    };
    for (const [n, text] of Object.entries(files)) writeFileSync(join(r.spool.inbox, n), text);
    await until(() => /inbound/.test(r.agent.output()), 20_000, 'inbound attempt while down');
    assert.equal(ls(r.spool.inbox).length, 3, 'nothing archived while the server is down');
    r.server.down = false;
    await r.server.waitFor(() => r.server.inbound.length === 2, 40_000, 'two inbound');
    await until(() => ls(r.spool.inbox).length === 0, 10_000, 'inbox emptied');
    const byFrom = Object.fromEntries(r.server.inbound.map((m) => [m.from, m]));
    assert.equal(byFrom['+6281111']?.text, 'Halo, ini bagian kedua ✓');
    assert.equal(byFrom['+6281111']?.parts, 2);
    assert.equal(byFrom['+6281111']?.key, 'IN20260101_100000_00_+6281111_00.txt');
    assert.equal(byFrom['Shop&touch Q']?.text, 'Promo');
    assert.deepEqual(readdirSync(join(r.state, 'inbox-archive')).sort(), Object.keys(files).sort());
    // A later SMS goes through: the inbox was read again since, and nothing archived came back.
    writeFileSync(join(r.spool.inbox, 'IN20260101_101000_00_+6282222_00.txt'), 'later');
    await r.server.waitFor(() => r.server.inbound.length === 3, 40_000, 'the later inbound');
    assert.equal(r.server.inbound[2]?.text, 'later');
    assert.equal(r.server.inboundDuplicates, 0, 'no SMS forwarded twice');
  } finally {
    await r.close();
  }
});
