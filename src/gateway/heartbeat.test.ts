import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { GatewayClient } from './client.js';
import { Heartbeat } from './heartbeat.js';
import type { DaemonState } from './daemon.js';
import { startTestGatewayServer, type TestGatewayServer } from './test-server.js';

test('heartbeats carry the monitor reading and the spool depth, at the interval the server sets', async () => {
  await withHeartbeat(async () => ({ running: true }), async ({ srv, hb }) => {
    // Two beats: the second comes after the server's 1 s, not the 60 s we started with.
    await srv.waitFor(() => srv.heartbeats.length >= 2, 10_000, 'two heartbeats');
    const beat = srv.heartbeats[0]!;
    assert.equal(beat.version, '9.9.9');
    assert.deepEqual(beat.modem, { ok: true, imei: '356938035643809', imsi: '001010123456789', sent: 4, received: 1, failed: 0, battery_percent: 95, signal_percent: 72 });
    assert.deepEqual(beat.spool, { outbox: 1, sent: 0, error: 0, inbox: 0, pending_reports: 7 });
    assert.equal(hb.modem.ok, true);
    assert.equal(await hb.healthyNow(), true);
  });
});

test('a dead gammu-smsd is unhealthy whatever the monitor repeats, with the reason and no stale figures', async () => {
  let state: DaemonState = { running: false, reason: 'gammu-smsd is not running: left over (pid 1)' };
  await withHeartbeat(async () => state, async ({ srv, hb }) => {
    await srv.waitFor(() => srv.heartbeats.length >= 1, 10_000, 'a heartbeat');
    assert.deepEqual(srv.heartbeats[0]!.modem, { ok: false, error: 'gammu-smsd is not running: left over (pid 1)' });
    assert.equal(await hb.healthyNow(), false);
    state = { running: true };
    await srv.waitFor(() => srv.heartbeats.at(-1)!.modem.ok, 10_000, 'healthy again');
    assert.equal(await hb.healthyNow(), true);
    // Healthy at the last beat, dead now: not healthy now.
    state = { running: false, reason: 'died' };
    assert.equal(await hb.healthyNow(), false);
  });
});

async function withHeartbeat(daemonState: () => Promise<DaemonState>, fn: (r: { srv: TestGatewayServer; hb: Heartbeat }) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-heartbeat-'));
  const dirs = { inbox: join(dir, 'inbox'), outbox: join(dir, 'outbox'), sent: join(dir, 'sent'), error: join(dir, 'error') };
  for (const d of Object.values(dirs)) mkdirSync(d);
  writeFileSync(join(dirs.outbox, 'OUTB1.txt'), 'x');
  const monitor = join(dir, 'monitor');
  writeFileSync(monitor, '#!/bin/sh\necho "Gammu 1.42.0;;356938035643809;001010123456789;4;1;0;95;72"\n');
  chmodSync(monitor, 0o755);
  const srv = await startTestGatewayServer({ heartbeatSeconds: 1 });
  const client = new GatewayClient({ server: srv.url, token: srv.token });
  const abort = new AbortController();
  const hb = new Heartbeat({
    smsdrc: join(dir, 'smsdrc'),
    dirs,
    client,
    log: pino({ level: 'silent' }),
    version: '9.9.9',
    heartbeatSeconds: 60,
    monitorCommand: monitor,
    monitorTimeoutMs: 5000,
    backoffBaseMs: 100,
    backoffCapMs: 100,
    pendingReports: () => 7,
    daemonState,
    signal: abort.signal,
  });
  const loop = hb.run();
  try {
    await fn({ srv, hb });
  } finally {
    abort.abort();
    await loop;
    client.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
