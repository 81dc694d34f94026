/**
 * `kirim gateways list`, `kirim keys create --admin` and GET /v1/gateways
 * with real processes: a real `kirim server`, heartbeats sent over the
 * gateway protocol, and the list read again after the server stopped, when
 * nothing updates the stored state any more.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openStore } from '../src/server/store/index.js';
import { apiClient, kirim, startServerProcess, tempDir, waitFor } from './support/process.js';

test('gateways list tells the truth: online from the last-seen time, modem health from the heartbeat; admin keys read the same over HTTP', async () => {
  const dataDir = tempDir('kirim-gws');
  const srv = await startServerProcess(['--data-dir', dataDir]);
  let stopped = false;
  try {
    const admin = kirim(['keys', 'create', '--name', 'ops', '--admin', '--data-dir', dataDir]);
    assert.equal(admin.status, 0, admin.stderr);
    const scoped = kirim(['keys', 'create', '--name', 'ops2', '--scope', 'admin', '--data-dir', dataDir]);
    assert.equal(scoped.status, 0, scoped.stderr);
    const plain = kirim(['keys', 'create', '--name', 'app', '--data-dir', dataDir]);
    assert.equal(plain.status, 0, plain.stderr);
    const bad = kirim(['keys', 'create', '--name', 'x', '--scope', 'root', '--data-dir', dataDir]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--scope "root": unknown scope; known: verify, messages, inbound, webhooks, admin/);
    const created = kirim(['gateways', 'create', '--name', 'rumah-pi', '--data-dir', dataDir]);
    assert.equal(created.status, 0, created.stderr);
    const token = created.stdout.trim();

    // The modem is up but has no signal: online, yet not healthy.
    const hb = await fetch(`${srv.url}/gateway/v1/heartbeat`, {
      method: 'POST',
      headers: { authorization: `bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '0.1.0',
        started_at: new Date().toISOString(),
        modem: { ok: true, signal_percent: 0, network: 'Telkomsel' },
        spool: { outbox: 3, error: 1, pending_reports: 2 },
      }),
    });
    assert.equal(hb.status, 200);

    const l = kirim(['gateways', 'list', '--data-dir', dataDir]);
    assert.equal(l.status, 0, l.stderr);
    const cols = l.stdout.trim().split('\t');
    assert.equal(cols[1], 'rumah-pi');
    assert.equal(cols[2], 'online');
    assert.match(cols[3]!, /^last seen \d{4}-\d\d-\d\dT\S+Z \(\d+ s ago\)$/);
    assert.equal(cols[4], 'modem unhealthy: no signal (signal 0 %, Telkomsel)');
    assert.equal(cols[5], 'outbox 3, error 1, 2 reports pending');

    const asAdmin = await apiClient(srv.url, admin.stdout.trim())('GET', '/v1/gateways');
    assert.equal(asAdmin.status, 200);
    assert.equal(asAdmin.body.data[0].state, 'online');
    assert.equal(asAdmin.body.data[0].modem.healthy, false);
    assert.equal((await apiClient(srv.url, scoped.stdout.trim())('GET', '/v1/gateways')).status, 200);
    const asApp = await apiClient(srv.url, plain.stdout.trim())('GET', '/v1/gateways');
    assert.equal(asApp.status, 403);
    assert.equal(asApp.body.code, 'forbidden');

    const json = JSON.parse(kirim(['gateways', 'list', '--json', '--data-dir', dataDir]).stdout);
    assert.deepEqual(Object.keys(json.data[0]).sort(), Object.keys(asAdmin.body.data[0]).sort(), 'the CLI and the API give the same fields');

    // The server stops; nothing sweeps the stored flag any more. The list
    // still turns offline once the silence passes the setting.
    assert.equal(await srv.stop(), 0);
    stopped = true;
    const offline = await waitFor(() => {
      const r = kirim(['gateways', 'list', '--data-dir', dataDir], { KIRIM_GATEWAY_OFFLINE_SECONDS: '3' });
      return r.stdout.split('\t')[2] === 'offline' ? r.stdout : null;
    }, { timeoutMs: 30_000, what: 'the gateway to read offline' });
    assert.match(offline, /\toffline\tlast seen \S+ \(\d+ s ago\)\t/);
    const store = await openStore(`sqlite:${join(dataDir, 'kirim.db')}`, { create: false });
    try {
      assert.equal((await store.listGateways())[0]!.state, 'online', 'the stored flag still says online');
    } finally {
      await store.close();
    }
  } finally {
    if (!stopped) await srv.stop();
  }
});
