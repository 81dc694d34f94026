/**
 * The reliability monitor through the gateway protocol, on SQLite and
 * PostgreSQL, with its webhook events taken by a real HTTP receiver (and
 * their signatures checked): a gateway whose failures cross the threshold
 * goes out of rotation (`gateway.unhealthy`, the reason in GET
 * /v1/gateways), its share goes to the other gateway, after the cool-off
 * one probe SMS goes to it, and a probe sent puts it back
 * (`gateway.healthy`); a failed probe keeps it out without a second event;
 * the last gateway in rotation is never taken out.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createGateway } from '../credentials.js';
import { describeRouting } from '../gateway-status.js';
import { DIALECTS } from '../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';
import { verifyWebhook } from '../webhooks/sign.js';

const T0 = Date.UTC(2026, 2, 2, 8, 20, 0);
const ENV = {
  KIRIM_BUDGET_DESTINATION_PER_HOUR: '0',
  KIRIM_BUDGET_DESTINATION_PER_DAY: '0',
  KIRIM_BUDGET_PREFIX_PER_HOUR: '0',
  KIRIM_GATEWAY_FAILURE_RATE: '0.5',
  KIRIM_GATEWAY_FAILURE_MIN_SAMPLES: '4',
  KIRIM_GATEWAY_FAILURE_WINDOW_SECONDS: '600',
  KIRIM_GATEWAY_COOLOFF_SECONDS: '60',
};

async function post(s: TestServer, auth: string, url: string, body: unknown) {
  const res = await s.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

/** A webhook receiver on 127.0.0.1 keeping each verified delivery's type and data. */
async function receiver() {
  const got: Array<{ type: string; data: Record<string, unknown> }> = [];
  let secret = '';
  const http = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const v = verifyWebhook({ secret, headers: req.headers as Record<string, string>, body });
      assert.ok(v.ok, 'the delivery is signed with the endpoint secret');
      const parsed = JSON.parse(body);
      got.push({ type: parsed.type, data: parsed.data });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    got,
    url: `http://127.0.0.1:${(http.address() as { port: number }).port}/events`,
    setSecret: (s: string) => (secret = s),
    close: () => new Promise<void>((r) => http.close(() => r())),
  };
}

for (const dialect of DIALECTS) {
  describe(`the reliability monitor on ${dialect}`, () => {
    test('a failing gateway goes out of rotation and comes back after a successful probe, saying so by webhook', async () => {
      const clock = { now: T0 };
      const s = await createTestServer({ dialect, env: ENV, transport: capturingTransport(), now: () => clock.now, apiKeyScopes: ['messages', 'webhooks', 'admin'] });
      const rx = await receiver();
      try {
        const wh = await s.api('POST', '/v1/webhooks', { url: rx.url, events: ['gateway.unhealthy', 'gateway.healthy'] });
        assert.equal(wh.status, 201, JSON.stringify(wh.body));
        rx.setSecret(wh.body.secret);
        const a = { id: s.gatewayId, token: s.gatewayToken };
        const b = await createGateway(s.store, 'second');
        const at = () => new Date(clock.now).toISOString();
        const beat = async () => {
          for (const g of [a, b]) {
            const r = await post(s, g.token, '/gateway/v1/heartbeat', { version: '0.1.0', started_at: new Date(T0).toISOString(), modem: { ok: true, signal_percent: 70 }, spool: { outbox: 0 } });
            assert.equal(r.status, 200);
          }
          await s.services.sweep();
        };
        const queue = async (n: number) => {
          for (let i = 0; i < n; i++) assert.equal((await post(s, s.apiKey, '/v1/messages', { to: `+62812000000${10 + i}`, channel: 'sms', text: 'hi' })).status, 202);
        };
        const lease = async (token: string) => ((await post(s, token, '/gateway/v1/lease', { max: 10, wait_ms: 0 })).body.messages as Array<{ id: string }>).map((m) => m.id);
        const report = async (token: string, id: string, status: 'sent' | 'failed') => {
          const r = await post(s, token, '/gateway/v1/reports', { reports: [{ message_id: id, status: 'spooled', at: at() }, { message_id: id, status, at: at(), ...(status === 'failed' ? { detail: 'CMS ERROR 500' } : {}) }] });
          assert.deepEqual(r.body.results.map((x: { outcome: string }) => x.outcome), ['applied', 'applied']);
        };
        const listed = async () => (await s.api('GET', '/v1/gateways')).body.data.find((g: { id: string }) => g.id === a.id);

        await beat();
        await queue(4);
        const first = await lease(a.token);
        assert.equal(first.length, 4);
        await report(a.token, first[0]!, 'sent');
        await report(a.token, first[1]!, 'failed');
        await report(a.token, first[2]!, 'failed');
        assert.equal((await listed()).routing.rotation, 'in', '2 failures of 3 sends: below the minimum sample');
        await report(a.token, first[3]!, 'failed');
        const out = await listed();
        assert.equal(out.routing.rotation, 'out');
        assert.equal(out.routing.rotation_reason, 'failure rate 75 % over 4 sends');
        assert.equal(describeRouting(out), 'out of rotation: failure rate 75 % over 4 sends');
        await s.services.webhooks.runOnce();
        assert.deepEqual(rx.got.map((e) => [e.type, e.data.id, e.data.rotation, e.data.reason]), [['gateway.unhealthy', a.id, 'out', 'failure rate 75 % over 4 sends']]);

        // Out of rotation: its share goes to the other gateway.
        await queue(2);
        await s.services.sweep();
        assert.deepEqual(await lease(a.token), [], 'no new work for a gateway out of rotation');
        const taken = await lease(b.token);
        assert.equal(taken.length, 2);
        for (const id of taken) await report(b.token, id, 'sent');

        // After the cool-off one probe goes to it, and only to it.
        clock.now += 61_000;
        await queue(1);
        await beat();
        assert.equal((await listed()).routing.rotation, 'probe');
        assert.deepEqual(await lease(b.token), [], 'the probe is not the other gateway\'s');
        const probe = await lease(a.token);
        assert.equal(probe.length, 1);
        await report(a.token, probe[0]!, 'sent');
        assert.equal((await listed()).routing.rotation, 'in');
        await s.services.webhooks.runOnce();
        assert.deepEqual(rx.got.map((e) => [e.type, e.data.rotation]), [['gateway.unhealthy', 'out'], ['gateway.healthy', 'in']]);

        // Its earlier failures do not count again: one more failure does not take it out.
        await queue(1);
        await beat();
        const next = await lease(a.token).then(async (x) => (x.length ? x : lease(b.token)));
        assert.equal(next.length, 1);
        if ((await s.api('GET', `/v1/messages/${next[0]}`)).body.gateway === a.id) await report(a.token, next[0]!, 'failed');
        assert.equal((await listed()).routing.rotation, 'in');
      } finally {
        await s.close();
        await rx.close();
      }
    });

    test('a failed probe keeps it out without a second event; the last gateway in rotation stays', async () => {
      const clock = { now: T0 };
      const s = await createTestServer({ dialect, env: { ...ENV, KIRIM_GATEWAY_FAILURE_MIN_SAMPLES: '2' }, transport: capturingTransport(), now: () => clock.now, apiKeyScopes: ['messages', 'webhooks', 'admin'] });
      const rx = await receiver();
      try {
        const wh = await s.api('POST', '/v1/webhooks', { url: rx.url, events: ['gateway.unhealthy', 'gateway.healthy'] });
        rx.setSecret(wh.body.secret);
        const at = () => new Date(clock.now).toISOString();
        const beat = async (tokens: string[]) => {
          for (const t of tokens) await post(s, t, '/gateway/v1/heartbeat', { version: '0.1.0', started_at: new Date(T0).toISOString(), modem: { ok: true, signal_percent: 70 }, spool: { outbox: 0 } });
          await s.services.sweep();
        };
        const fail = async (token: string) => {
          const [m] = (await post(s, token, '/gateway/v1/lease', { max: 1, wait_ms: 0 })).body.messages as Array<{ id: string }>;
          assert.ok(m, 'a message to fail');
          await post(s, token, '/gateway/v1/reports', { reports: [{ message_id: m.id, status: 'failed', at: at(), detail: 'CMS ERROR 500' }] });
        };
        const queue = async (n: number) => {
          for (let i = 0; i < n; i++) await post(s, s.apiKey, '/v1/messages', { to: `+62812000000${20 + i}`, channel: 'sms', text: 'hi' });
        };
        const rotation = async () => (await s.api('GET', '/v1/gateways')).body.data.find((g: { id: string }) => g.id === s.gatewayId).routing;

        // Alone, it stays in rotation whatever fails.
        await beat([s.gatewayToken]);
        await queue(3);
        for (let i = 0; i < 3; i++) await fail(s.gatewayToken);
        assert.equal((await rotation()).rotation, 'in', 'the last gateway in rotation stays');

        // With a second gateway: out, then the probe fails: out again, one event.
        const b = await createGateway(s.store, 'second');
        await beat([s.gatewayToken, b.token]);
        await queue(1);
        await fail(s.gatewayToken);
        assert.equal((await rotation()).rotation, 'out');
        clock.now += 61_000;
        await queue(1);
        await beat([s.gatewayToken, b.token]);
        assert.equal((await rotation()).rotation, 'probe');
        await fail(s.gatewayToken);
        const after = await rotation();
        assert.equal(after.rotation, 'out');
        assert.match(after.rotation_reason, /^failure rate \d+ % over \d+ sends \(its probe SMS failed too\)$/);
        await s.services.webhooks.runOnce();
        assert.deepEqual(rx.got.map((e) => e.type), ['gateway.unhealthy']);
      } finally {
        await s.close();
        await rx.close();
      }
    });
  });
}
