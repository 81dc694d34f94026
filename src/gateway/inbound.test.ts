import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { GatewayClient } from './client.js';
import { DeliveryReports } from './delivery-reports.js';
import { Inbound } from './inbound.js';
import { Journal } from './journal.js';
import { startTestGatewayServer } from './test-server.js';

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-inbound-'));
  const inbox = join(dir, 'inbox');
  const archive = join(dir, 'archive');
  mkdirSync(inbox);
  mkdirSync(archive);
  const journal = new Journal(join(dir, 'state'));
  journal.open();
  const log = pino({ level: 'silent' });
  const srv = await startTestGatewayServer();
  const client = new GatewayClient({ server: srv.url, token: srv.token });
  const abort = new AbortController();
  const inbound = new Inbound({
    inbox,
    archive,
    client,
    reports: new DeliveryReports(journal, log),
    log,
    settleMs: 0,
    backoffBaseMs: 60_000,
    backoffCapMs: 60_000,
    serialize: (fn) => fn(),
    drainLog: async () => {},
    signal: abort.signal,
  });
  const done = async () => {
    abort.abort();
    client.close();
    await srv.close();
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { inbox, archive, journal, srv, inbound, done };
}

test('a received SMS is forwarded, then archived; a logged delivery report is archived, not forwarded', async () => {
  const { inbox, archive, srv, inbound, done } = await setup();
  try {
    writeFileSync(join(inbox, 'IN20260101_000000_00_+6285700000001_00.txt'), 'Halo');
    writeFileSync(join(inbox, 'IN20260101_000001_00_+6285700000002_00.txt'), 'Delivered');
    inbound.noteSaved('IN20260101_000001_00_+6285700000002_00.txt', true);
    await inbound.process();
    assert.deepEqual(
      srv.inbound.map((m) => [m.from, m.text]),
      [['+6285700000001', 'Halo']],
    );
    assert.deepEqual(readdirSync(inbox), []);
    assert.equal(readdirSync(archive).length, 2);
  } finally {
    await done();
  }
});

test('while the server is down nothing is archived, and it backs off', async () => {
  const { inbox, srv, inbound, done } = await setup();
  try {
    srv.down = true;
    writeFileSync(join(inbox, 'IN20260101_000000_00_+6285700000001_00.txt'), 'Halo');
    await inbound.process();
    assert.equal(readdirSync(inbox).length, 1);
    assert.equal(inbound.due(Date.now()), false);
    assert.equal(inbound.due(Date.now() + 120_000), true);
    srv.down = false;
    await inbound.process();
    assert.equal(srv.inbound.length, 1);
    assert.deepEqual(readdirSync(inbox), []);
  } finally {
    await done();
  }
});
