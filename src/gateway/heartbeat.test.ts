import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { GatewayClient } from './client.js';
import { Heartbeat } from './heartbeat.js';
import { startTestGatewayServer } from './test-server.js';

test('heartbeats carry the monitor reading and the spool depth, at the interval the server sets', async () => {
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
    signal: abort.signal,
  });
  const loop = hb.run();
  try {
    // Two beats: the second comes after the server's 1 s, not the 60 s we started with.
    await srv.waitFor(() => srv.heartbeats.length >= 2, 10_000, 'two heartbeats');
    const beat = srv.heartbeats[0]!;
    assert.equal(beat.version, '9.9.9');
    assert.deepEqual(beat.modem, { ok: true, imei: '356938035643809', imsi: '001010123456789', sent: 4, received: 1, failed: 0, battery_percent: 95, signal_percent: 72 });
    assert.deepEqual(beat.spool, { outbox: 1, sent: 0, error: 0, inbox: 0, pending_reports: 7 });
    assert.equal(hb.modem.ok, true);
  } finally {
    abort.abort();
    await loop;
    client.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
