/**
 * `kirim gateways list`, `kirim keys create --admin` and GET /v1/gateways
 * with real processes: a real `kirim server`, heartbeats sent over the
 * gateway protocol, and the list read again after the server stopped, when
 * nothing updates the stored state any more; `kirim gateways create
 * --prefix/--country` and `kirim gateways route` pin gateways (docs/scaling.md, "Several gateways and modems");
 * `kirim gateways create --number` and `kirim gateways number` set the SIM's own number (docs/reverse-otp.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openStore } from '../src/server/store/index.js';
import { apiClient, initDatabase, kirim, startServerProcess, tempDir, waitFor } from './support/process.js';

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

test('gateways create NAME --prefix/--country pins a gateway; gateways route changes or clears the pins; bad pins are refused, naming them', async () => {
  const dataDir = tempDir('kirim-gws-route');
  await initDatabase(`sqlite:${join(dataDir, 'kirim.db')}`);
  const made = kirim(['gateways', 'create', 'tsel-pi', '--prefix', '+62811,+62812', '--prefix', '+62813', '--country', 'id', '--data-dir', dataDir]);
  assert.equal(made.status, 0, made.stderr);
  const list = () => kirim(['gateways', 'list', '--data-dir', dataDir]).stdout.trim().split('\t');
  const cols = list();
  assert.equal(cols[1], 'tsel-pi');
  assert.equal(cols[6], 'pins: +62811, +62812, +62813, ID');
  assert.equal(cols[7], 'in rotation');
  const id = cols[0]!;

  const bad = kirim(['gateways', 'route', id, '--prefix', '+62811,0812', '--data-dir', dataDir]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /prefix "0812": expected \+ then the country calling code and up to 13 more digits, e.g. \+62811 \(in ID, 0812 is \+62812\)/);
  const badCountry = kirim(['gateways', 'create', 'x', '--country', 'Indonesia', '--data-dir', dataDir]);
  assert.equal(badCountry.status, 1);
  assert.match(badCountry.stderr, /country "INDONESIA": expected an ISO 3166 two-letter code/);
  assert.match(kirim(['gateways', 'route', id, '--any', '--prefix', '+62811', '--data-dir', dataDir]).stderr, /--any unpins the gateway; give it alone/);
  assert.match(kirim(['gateways', 'route', id, '--data-dir', dataDir]).stderr, /say where the gateway sends: --prefix/);
  assert.match(kirim(['gateways', 'route', 'gw_nope', '--any', '--data-dir', dataDir]).stderr, /no active gateway with id "gw_nope"/);
  assert.equal(list()[6], 'pins: +62811, +62812, +62813, ID', 'nothing changed by the refusals');
  assert.equal(list().length, 9, 'and no second gateway was created');

  const routed = kirim(['gateways', 'route', id, '--prefix', '+62851', '--data-dir', dataDir]);
  assert.equal(routed.status, 0, routed.stderr);
  assert.equal(routed.stdout.trim(), `${id} (tsel-pi) pins: +62851`);
  assert.equal(list()[6], 'pins: +62851');
  assert.equal(kirim(['gateways', 'route', id, '--any', '--data-dir', dataDir]).status, 0);
  assert.equal(list()[6], 'pins: any number');
});

test('gateways create --number and gateways number set, change and forget the SIM number; a bad number is refused, naming it', async () => {
  const dataDir = tempDir('kirim-gws-number');
  await initDatabase(`sqlite:${join(dataDir, 'kirim.db')}`);
  const made = kirim(['gateways', 'create', 'rumah-pi', '--number', '0813-1111-2222', '--data-dir', dataDir]);
  assert.equal(made.status, 0, made.stderr);
  const list = () => kirim(['gateways', 'list', '--data-dir', dataDir]).stdout.trim().split('\t');
  const id = list()[0]!;
  assert.equal(list()[8], 'number: +6281311112222', 'stored in E.164');
  const json = JSON.parse(kirim(['gateways', 'list', '--json', '--data-dir', dataDir]).stdout);
  assert.equal(json.data[0].number, '+6281311112222');

  const bad = kirim(['gateways', 'number', id, '0211234567', '--data-dir', dataDir]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /gateway number "0211234567": \+62211234567 is a fixed line number and cannot receive SMS/);
  const badCreate = kirim(['gateways', 'create', 'x', '--number', 'rumah', '--data-dir', dataDir]);
  assert.equal(badCreate.status, 1);
  assert.match(badCreate.stderr, /gateway number "rumah": it is not a phone number/);
  assert.match(kirim(['gateways', 'number', id, '--data-dir', dataDir]).stderr, /give the number/);
  assert.match(kirim(['gateways', 'number', id, '+6281311112222', '--none', '--data-dir', dataDir]).stderr, /--none forgets the number; give it alone/);
  assert.match(kirim(['gateways', 'number', 'gw_nope', '+6281311112222', '--data-dir', dataDir]).stderr, /no active gateway with id "gw_nope"/);
  assert.equal(list()[8], 'number: +6281311112222', 'nothing changed by the refusals');
  assert.equal(kirim(['gateways', 'list', '--data-dir', dataDir]).stdout.trim().split('\n').length, 1, 'and no second gateway was created');

  const changed = kirim(['gateways', 'number', id, '+6285722223333', '--data-dir', dataDir]);
  assert.equal(changed.status, 0, changed.stderr);
  assert.equal(changed.stdout.trim(), `${id} (rumah-pi) number: +6285722223333`);
  assert.equal(list()[8], 'number: +6285722223333');
  assert.equal(kirim(['gateways', 'number', id, '--none', '--data-dir', dataDir]).status, 0);
  assert.equal(list()[8], 'number: not set');
});
