/**
 * GET /v1/gateways and the per-gateway metrics, over the real app and both
 * store dialects, with the server's clock driven: state is computed when
 * asked (never the stored flag), health comes from the last heartbeat
 * sent over the gateway protocol, and only admin-scoped keys may read it.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createApiKey } from '../credentials.js';
import { DIALECTS } from '../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';

const heartbeat = (modem: Record<string, unknown>, outbox = 0) => ({
  version: '0.1.0',
  started_at: new Date(Date.parse('2026-05-01T07:00:00Z')).toISOString(),
  modem,
  spool: { outbox, sent: 3, error: 0, inbox: 0, pending_reports: 0 },
});

for (const dialect of DIALECTS) {
  describe(`GET /v1/gateways and gateway metrics on ${dialect}`, () => {
    let s: TestServer;
    let clock = Date.parse('2026-05-01T08:00:00Z');
    let adminKey: string;
    before(async () => {
      s = await createTestServer({ dialect, transport: capturingTransport(), now: () => clock, env: { KIRIM_GATEWAY_OFFLINE_SECONDS: '45' } });
      adminKey = (await createApiKey(s.store, 'ops', { scopes: ['admin'] })).key;
    });
    after(async () => {
      await s.close();
    });

    const gateways = async (key = adminKey) => {
      const r = await s.app.inject({ method: 'GET', url: '/v1/gateways', headers: { authorization: `Bearer ${key}` } });
      return { status: r.statusCode, body: JSON.parse(r.body), type: String(r.headers['content-type']) };
    };
    const mine = async () => (await gateways()).body.data.find((g: { id: string }) => g.id === s.gatewayId);
    const metrics = async () => (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
    const gauge = (text: string, name: string) => {
      const m = new RegExp(`^${name}\\{gateway="test-gw",gateway_id="${s.gatewayId}"\\} (\\S+)$`, 'm').exec(text);
      return m ? Number(m[1]) : undefined;
    };

    test('a key without the admin scope gets 403 forbidden; a gateway token 401', async () => {
      const plain = await gateways(s.apiKey);
      assert.equal(plain.status, 403);
      assert.equal(plain.body.code, 'forbidden');
      assert.match(plain.body.detail, /lacks the admin scope; create a key with `kirim keys create --name NAME --scope admin`/);
      assert.match(plain.type, /application\/problem\+json/);
      assert.equal((await gateways(s.gatewayToken)).status, 401);
      assert.equal((await gateways()).status, 200);
    });

    test('never heard from: new, no modem, and its metrics say offline', async () => {
      const g = await mine();
      assert.equal(g.name, 'test-gw');
      assert.equal(g.state, 'new');
      assert.equal(g.last_seen_at, null);
      assert.equal(g.modem, null);
      const text = await metrics();
      assert.equal(gauge(text, 'kirim_gateway_online'), 0);
      assert.equal(gauge(text, 'kirim_gateway_signal_percent'), undefined);
    });

    test('a heartbeat with signal makes it online and healthy, in the list and in the metrics', async () => {
      const hb = await s.gw('/heartbeat', heartbeat({ ok: true, signal_percent: 72, network: 'Telkomsel' }, 4));
      assert.equal(hb.status, 200, JSON.stringify(hb.body));
      clock += 10_000;
      const g = await mine();
      assert.equal(g.state, 'online');
      assert.equal(g.seconds_since_seen, 10);
      assert.deepEqual(g.modem, { healthy: true, problems: [], signal_percent: 72, network: 'Telkomsel' });
      assert.equal(g.spool.outbox, 4);
      const text = await metrics();
      assert.equal(gauge(text, 'kirim_gateway_online'), 1);
      assert.equal(gauge(text, 'kirim_gateway_signal_percent'), 72);
      assert.equal(gauge(text, 'kirim_gateway_spool_depth'), 4);
      assert.equal(gauge(text, 'kirim_gateway_modem_healthy'), 1);
      assert.equal(gauge(text, 'kirim_gateway_last_seen_timestamp_seconds'), (clock - 10_000) / 1000);
      assert.match(text, /^kirim_gateways_online 1$/m);
    });

    test('"online" with no signal is not healthy', async () => {
      await s.gw('/heartbeat', heartbeat({ ok: true, signal_percent: 0, network: 'Telkomsel' }));
      const g = await mine();
      assert.equal(g.state, 'online');
      assert.equal(g.modem.healthy, false);
      assert.deepEqual(g.modem.problems, ['no signal']);
      const text = await metrics();
      assert.equal(gauge(text, 'kirim_gateway_modem_healthy'), 0);
      assert.equal(gauge(text, 'kirim_gateway_signal_percent'), 0);
    });

    test('silence past KIRIM_GATEWAY_OFFLINE_SECONDS reads offline at once, though no sweep changed the stored flag', async () => {
      clock += 46_000;
      assert.equal((await s.store.getGateway(s.gatewayId))!.state, 'online', 'the stored flag is stale on purpose');
      const g = await mine();
      assert.equal(g.state, 'offline');
      assert.equal(g.seconds_since_seen, 46);
      const text = await metrics();
      assert.equal(gauge(text, 'kirim_gateway_online'), 0);
      assert.match(text, /^kirim_gateways_online 0$/m);
    });
  });
}
