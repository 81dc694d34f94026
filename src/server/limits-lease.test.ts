/**
 * What the budgets and the fair share do when gateways lease (limits.ts,
 * leaseSms in store/repo.ts), on SQLite and on two servers sharing
 * PostgreSQL (leases alternate between them):
 * - a gateway whose SIM spent its SMS or distinct-recipient budget gets
 *   nothing more (or only messages to recipients it already counted); the
 *   messages go to another gateway, or wait for the next window; the hold
 *   is logged and counted in kirim_gateway_budget_holds_total;
 * - OTPs go first, then round robin across API keys: one key's flood does
 *   not delay another key's code or messages;
 * - two gateways leasing at once never get the same message.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { capturingTransport, createTestServer, type TestServer } from './testing.js';
import { freshDbUrl } from './store/testing.js';
import { createApiKey, createGateway } from './credentials.js';
import { windowAt } from './limits.js';

/** 2026-03-02 08:20 UTC. */
const T0 = Date.UTC(2026, 2, 2, 8, 20, 0);

const MODES = [
  { label: 'SQLite', dialect: 'sqlite' as const, instances: 1 },
  { label: 'two servers sharing PostgreSQL', dialect: 'postgres' as const, instances: 2 },
];

/** Request budgets out of the way: these tests are about leasing. */
const REQUESTS_UNLIMITED = {
  KIRIM_BUDGET_DESTINATION_PER_HOUR: '0',
  KIRIM_BUDGET_DESTINATION_PER_DAY: '0',
  KIRIM_BUDGET_PREFIX_PER_HOUR: '0',
  KIRIM_BUDGET_KEY_PER_HOUR: '0',
  KIRIM_BUDGET_KEY_PER_DAY: '0',
  KIRIM_BUDGET_COUNTRY_PER_HOUR: '0',
};

interface Cluster {
  servers: TestServer[];
  clock: { now: number };
  key: string;
  /** Two gateways' tokens. */
  gateways: Array<{ id: string; token: string }>;
  close(): Promise<void>;
}

async function cluster(mode: (typeof MODES)[number], env: Record<string, string>): Promise<Cluster> {
  const clock = { now: T0 };
  const transport = capturingTransport();
  const all = { ...REQUESTS_UNLIMITED, ...env };
  let servers: TestServer[];
  let drop = async () => {};
  if (mode.instances === 1) {
    servers = [await createTestServer({ dialect: mode.dialect, env: all, transport, now: () => clock.now })];
  } else {
    const fresh = await freshDbUrl('postgres');
    drop = fresh.drop;
    servers = [];
    try {
      for (let i = 0; i < mode.instances; i++) servers.push(await createTestServer({ dialect: 'postgres', dbUrl: fresh.url, env: all, transport, now: () => clock.now }));
    } catch (err) {
      for (const s of servers) await s.close();
      await drop();
      throw err;
    }
  }
  const first = servers[0]!;
  const second = await createGateway(first.store, 'gw-2');
  return {
    servers,
    clock,
    key: first.apiKey,
    gateways: [{ id: first.gatewayId, token: first.gatewayToken }, second],
    async close() {
      for (const s of servers) await s.close();
      await drop();
    },
  };
}

async function post(s: TestServer, auth: string, url: string, body: unknown) {
  const res = await s.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

async function lease(s: TestServer, token: string, max = 10): Promise<Array<{ id: string; to: string; text: string }>> {
  const r = await post(s, token, '/gateway/v1/lease', { max, wait_ms: 0 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.messages;
}

async function queue(s: TestServer, key: string, to: string, extra: Record<string, unknown> = {}) {
  const r = await post(s, key, '/v1/messages', { to, channel: 'sms', text: `to ${to}`, ...extra });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return r.body.id as string;
}

async function holds(s: TestServer, budget: string): Promise<number> {
  const text = (await s.app.inject({ url: '/metrics' })).body;
  const line = text.split('\n').find((l) => l.startsWith('kirim_gateway_budget_holds_total{') && l.includes(`budget="${budget}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function batches(n: number, fn: (i: number) => Promise<void>) {
  for (let i = 0; i < n; i += 25) await Promise.all(Array.from({ length: Math.min(25, n - i) }, (_, j) => fn(i + j)));
}

const num = (i: number) => `+628120000${String(i).padStart(4, '0')}`;

for (const mode of MODES) {
  describe(`gateway SIM budgets on ${mode.label}`, () => {
    for (const [budget, env, window] of [
      ['gateway_sms_per_hour', { KIRIM_GATEWAY_SMS_PER_HOUR: '3' }, 'hour'],
      ['gateway_sms_per_day', { KIRIM_GATEWAY_SMS_PER_HOUR: '0', KIRIM_GATEWAY_SMS_PER_DAY: '3' }, 'day'],
    ] as const) {
      test(`${budget}: the gateway leases 3, then nothing; another gateway takes the rest; the next ${window} it leases again`, async () => {
        const k = await cluster(mode, env);
        try {
          const [a, b = a] = k.servers as [TestServer, TestServer?];
          const [gw1, gw2] = [k.gateways[0]!, k.gateways[1]!];
          for (let i = 1; i <= 5; i++) await queue(a, k.key, num(i));
          assert.equal((await lease(a, gw1.token)).length, 3);
          assert.equal((await lease(b!, gw1.token)).length, 0, 'over budget: nothing more, whichever server it asks');
          assert.equal(await holds(b!, budget), 1, 'the hold is counted (once per window)');
          assert.equal((await lease(b!, gw1.token)).length, 0);
          assert.equal(await holds(b!, budget), 1);
          assert.equal((await lease(a, gw2.token)).length, 2, 'another gateway takes what waits');

          k.clock.now = windowAt(window, k.clock.now).end - 1;
          await queue(b!, k.key, num(6));
          assert.equal((await lease(a, gw1.token)).length, 0, 'still inside the window');
          k.clock.now += 1;
          assert.deepEqual((await lease(b!, gw1.token)).map((m) => m.to), [num(6)], 'a new window');
        } finally {
          await k.close();
        }
      });
    }

    for (const [budget, env, window] of [
      ['gateway_recipients_per_day', { KIRIM_GATEWAY_RECIPIENTS_PER_DAY: '2' }, 'day'],
      ['gateway_recipients_per_month', { KIRIM_GATEWAY_RECIPIENTS_PER_DAY: '0', KIRIM_GATEWAY_RECIPIENTS_PER_MONTH: '2' }, 'month'],
    ] as const) {
      test(`${budget}: past 2 distinct recipients the gateway only gets messages to those 2; a third recipient goes to another gateway; the next ${window} it is free again`, async () => {
        const k = await cluster(mode, env);
        try {
          const [a, b = a] = k.servers as [TestServer, TestServer?];
          const [gw1, gw2] = [k.gateways[0]!, k.gateways[1]!];
          for (const i of [1, 2, 3, 1]) {
            await queue(a, k.key, num(i));
            k.clock.now += 1;
          }
          assert.deepEqual((await lease(a, gw1.token)).map((m) => m.to), [num(1), num(2), num(1)], 'the third recipient is held back');
          assert.deepEqual(await lease(b!, gw1.token), []);
          assert.equal(await holds(b!, budget), 1);
          await queue(b!, k.key, num(2));
          await queue(b!, k.key, num(4));
          assert.deepEqual((await lease(b!, gw1.token)).map((m) => m.to), [num(2)], 'a recipient it already counted still gets messages');
          assert.deepEqual((await lease(a, gw2.token)).map((m) => m.to).sort(), [num(3), num(4)], 'another gateway takes the new recipients');

          k.clock.now = windowAt(window, k.clock.now).end - 1;
          await queue(a, k.key, num(5));
          assert.deepEqual(await lease(b!, gw1.token), [], 'still inside the window');
          k.clock.now += 1;
          assert.deepEqual((await lease(b!, gw1.token)).map((m) => m.to), [num(5)], 'a new window');
        } finally {
          await k.close();
        }
      });
    }

    test('with room for one new recipient, a lease takes the known ones and exactly one new one', async () => {
      const k = await cluster(mode, { KIRIM_GATEWAY_RECIPIENTS_PER_DAY: '3' });
      try {
        const [a, b = a] = k.servers as [TestServer, TestServer?];
        const gw1 = k.gateways[0]!;
        for (const i of [1, 2]) await queue(a, k.key, num(i));
        assert.equal((await lease(a, gw1.token)).length, 2);
        for (const i of [3, 1, 4, 2, 5]) {
          k.clock.now += 1;
          await queue(a, k.key, num(i));
        }
        assert.deepEqual((await lease(b!, gw1.token)).map((m) => m.to), [num(3), num(1), num(2)]);
      } finally {
        await k.close();
      }
    });
  });

  describe(`fair share in the lease queue on ${mode.label}`, () => {
    test('key A queues 1,000 high-priority messages; key B then starts a verification and sends 3 messages: B\'s code is leased first, its messages within the first 10', async () => {
      const k = await cluster(mode, {});
      try {
        const { servers } = k;
        const keyB = (await createApiKey(servers[0]!.store, 'b')).key;
        await batches(1000, async (i) => {
          await queue(servers[i % servers.length]!, k.key, num(i), { priority: 'high' });
        });
        k.clock.now += 1000;
        const v = await post(servers.at(-1)!, keyB, '/v1/verifications', { to: '+6281399990000', channel: 'sms' });
        assert.equal(v.status, 201);
        const bIds = [];
        for (let i = 0; i < 3; i++) bIds.push(await queue(servers[0]!, keyB, `+62813999900${String(i + 1).padStart(2, '0')}`));
        const first = await lease(servers[0]!, k.gateways[0]!.token, 10);
        assert.equal(first[0]!.to, '+6281399990000', 'B\'s OTP first');
        for (const id of bIds) assert.ok(first.some((m) => m.id === id), `B's message ${id} within the first 10`);
      } finally {
        await k.close();
      }
    });

    test('key A starts 300 verifications; key B\'s verification is leased within the first 2 (round robin among OTPs)', async () => {
      const k = await cluster(mode, { KIRIM_BUDGET_IP_PER_HOUR: '0' });
      try {
        const { servers } = k;
        const keyB = (await createApiKey(servers[0]!.store, 'b')).key;
        await batches(300, async (i) => {
          const r = await post(servers[i % servers.length]!, k.key, '/v1/verifications', { to: num(i), channel: 'sms' });
          assert.equal(r.status, 201);
        });
        k.clock.now += 1000;
        assert.equal((await post(servers.at(-1)!, keyB, '/v1/verifications', { to: '+6281399990000', channel: 'sms' })).status, 201);
        const first = await lease(servers[0]!, k.gateways[0]!.token, 2);
        assert.ok(first.some((m) => m.to === '+6281399990000'), JSON.stringify(first.map((m) => m.to)));
      } finally {
        await k.close();
      }
    });

    test('two gateways leasing at once, on different servers, never get the same message', async () => {
      const k = await cluster(mode, { KIRIM_GATEWAY_SMS_PER_HOUR: '0', KIRIM_GATEWAY_SMS_PER_DAY: '0', KIRIM_GATEWAY_RECIPIENTS_PER_DAY: '0', KIRIM_GATEWAY_RECIPIENTS_PER_MONTH: '0' });
      try {
        const { servers } = k;
        const keyB = (await createApiKey(servers[0]!.store, 'b')).key;
        await batches(200, async (i) => {
          await queue(servers[i % servers.length]!, i % 3 === 0 ? keyB : k.key, num(i));
        });
        const got: string[] = [];
        const drain = async (server: TestServer, token: string) => {
          for (;;) {
            const batch = await lease(server, token, 7);
            if (batch.length === 0) return;
            got.push(...batch.map((m) => m.id));
          }
        };
        await Promise.all([drain(servers[0]!, k.gateways[0]!.token), drain(servers.at(-1)!, k.gateways[1]!.token)]);
        assert.equal(got.length, 200);
        assert.equal(new Set(got).size, 200, 'no message leased twice');
      } finally {
        await k.close();
      }
    });
  });
}
