/**
 * Budgets (limits.ts): every budget exceeded, answered 429 `rate_limited`
 * naming it, with Retry-After exactly to its window's end — on SQLite, and
 * on two servers sharing one PostgreSQL database (requests alternate
 * between them, so the count can only hold if it lives in the store). The
 * issue's attacks (1,000 numbers of one prefix from one IP; 500 messages to
 * one number) are stopped with the defaults. Gateway SIM budgets hold a
 * gateway back when it leases; the fair share puts another key's OTP
 * ahead of a flood.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { capturingTransport, createTestServer, type TestServer } from './testing.js';
import { freshDbUrl } from './store/testing.js';
import { loadConfig } from './config.js';
import { countryOf, ipGroup, windowAt } from './limits.js';
import { sql } from 'kysely';

/** 2026-03-02 08:20 UTC: 40 minutes before the hour's end. */
const T0 = Date.UTC(2026, 2, 2, 8, 20, 0);

interface Cluster {
  /** The servers requests alternate between (one on SQLite, two on PostgreSQL). */
  servers: TestServer[];
  clock: { now: number };
  /** An API key valid on every server. */
  key: string;
  close(): Promise<void>;
}

const MODES = [
  { label: 'SQLite', dialect: 'sqlite' as const, instances: 1 },
  { label: 'two servers sharing PostgreSQL', dialect: 'postgres' as const, instances: 2 },
];

async function cluster(mode: (typeof MODES)[number], env: Record<string, string>): Promise<Cluster> {
  const clock = { now: T0 };
  const transport = capturingTransport();
  if (mode.instances === 1) {
    const s = await createTestServer({ dialect: mode.dialect, env, transport, now: () => clock.now });
    return { servers: [s], clock, key: s.apiKey, close: () => s.close() };
  }
  const fresh = await freshDbUrl('postgres');
  const servers: TestServer[] = [];
  try {
    for (let i = 0; i < mode.instances; i++) servers.push(await createTestServer({ dialect: 'postgres', dbUrl: fresh.url, env, transport, now: () => clock.now }));
  } catch (err) {
    for (const s of servers) await s.close();
    await fresh.drop();
    throw err;
  }
  return {
    servers,
    clock,
    key: servers[0]!.apiKey,
    async close() {
      for (const s of servers) await s.close();
      await fresh.drop();
    },
  };
}

async function call(s: TestServer, key: string, method: string, url: string, body?: unknown) {
  const res = await s.app.inject({
    method: method as 'POST',
    url,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, body: JSON.parse(res.body || 'null'), headers: res.headers };
}

async function countMessages(s: TestServer): Promise<number> {
  const r = await sql<{ n: number }>`select count(*) as n from messages`.execute(s.store.db);
  return Number(r.rows[0]!.n);
}

/** Runs `fn(0..n-1)`, 25 at a time. */
async function batches(n: number, fn: (i: number) => Promise<void>) {
  for (let i = 0; i < n; i += 25) await Promise.all(Array.from({ length: Math.min(25, n - i) }, (_, j) => fn(i + j)));
}

type Req = { url: string; body: Record<string, unknown>; key?: 'other' };
const sms = (to: string): Req => ({ url: '/v1/messages', body: { to, channel: 'sms', text: 'hello' } });
const verify = (to: string, ip?: string): Req => ({ url: '/v1/verifications', body: { to, channel: 'sms', ...(ip ? { ip } : {}) } });

/** One row per budget: `limit` requests pass, the next is refused; `other` is not counted with them. */
const BUDGETS: Array<{ budget: string; env: Record<string, string>; window: 'hour' | 'day'; requests: Req[]; refused: Req; other: Req }> = [
  {
    budget: 'destination_per_hour',
    env: { KIRIM_BUDGET_DESTINATION_PER_HOUR: '3' },
    window: 'hour',
    // A message and verifications to one number count together.
    requests: [sms('+6281200000001'), verify('081200000001'), sms('+6281200000001')],
    refused: verify('+6281200000001'),
    other: sms('+6281200000002'),
  },
  {
    budget: 'destination_per_day',
    env: { KIRIM_BUDGET_DESTINATION_PER_HOUR: '0', KIRIM_BUDGET_DESTINATION_PER_DAY: '3' },
    window: 'day',
    requests: [sms('+6281200000001'), sms('+6281200000001'), sms('+6281200000001')],
    refused: sms('+6281200000001'),
    other: sms('+6281200000002'),
  },
  {
    budget: 'ip_per_hour',
    env: { KIRIM_BUDGET_IP_PER_HOUR: '3' },
    window: 'hour',
    // One IPv6 /64, written four ways.
    requests: [verify('+6281200000011', '2001:db8:aa:bb::1'), verify('+6281200000012', '2001:db8:aa:bb:1:2:3:4'), verify('+6281200000013', '2001:DB8:AA:BB::FFFF')],
    refused: verify('+6281200000014', '2001:db8:aa:bb:ffff:ffff:ffff:ffff'),
    other: verify('+6281200000015', '2001:db8:aa:bc::1'),
  },
  {
    budget: 'ip_per_day',
    env: { KIRIM_BUDGET_IP_PER_HOUR: '0', KIRIM_BUDGET_IP_PER_DAY: '3' },
    window: 'day',
    // An IPv4-mapped IPv6 address is its IPv4 address.
    requests: [verify('+6281200000021', '203.0.113.7'), verify('+6281200000022', '::ffff:203.0.113.7'), verify('+6281200000023', '203.0.113.7')],
    refused: verify('+6281200000024', '203.0.113.7'),
    other: verify('+6281200000025', '203.0.113.8'),
  },
  {
    budget: 'prefix_per_hour',
    env: { KIRIM_BUDGET_PREFIX_PER_HOUR: '3' },
    window: 'hour',
    requests: [sms('+6281200000031'), verify('+6281200000032'), sms('+6281200999999')],
    refused: verify('+6281200000034'),
    other: sms('+6281300000031'),
  },
  {
    budget: 'key_per_hour',
    env: { KIRIM_BUDGET_KEY_PER_HOUR: '3' },
    window: 'hour',
    requests: [sms('+6281200000041'), verify('+6281300000042'), sms('+6285700000043')],
    refused: sms('+6287800000044'),
    other: { ...sms('+6287800000044'), key: 'other' },
  },
  {
    budget: 'key_per_day',
    env: { KIRIM_BUDGET_KEY_PER_DAY: '3' },
    window: 'day',
    requests: [sms('+6281200000051'), verify('+6281300000052'), sms('+6285700000053')],
    refused: sms('+6287800000054'),
    other: { ...sms('+6287800000054'), key: 'other' },
  },
  {
    budget: 'country_per_hour',
    env: { KIRIM_BUDGET_COUNTRY_PER_HOUR: '3', KIRIM_ALLOWED_COUNTRIES: 'ID,MY' },
    window: 'hour',
    requests: [sms('+6281200000061'), verify('+6281300000062'), sms('+6285700000063')],
    refused: verify('+6287800000064'),
    other: sms('+60123456789'),
  },
];

describe('budget helpers', () => {
  test('windows are fixed: the hour, the UTC day, the UTC month', () => {
    assert.deepEqual(windowAt('hour', T0), { start: Date.UTC(2026, 2, 2, 8), end: Date.UTC(2026, 2, 2, 9) });
    assert.deepEqual(windowAt('day', T0), { start: Date.UTC(2026, 2, 2), end: Date.UTC(2026, 2, 3) });
    assert.deepEqual(windowAt('month', T0), { start: Date.UTC(2026, 2, 1), end: Date.UTC(2026, 3, 1) });
    assert.deepEqual(windowAt('month', Date.UTC(2026, 11, 31, 23, 59)), { start: Date.UTC(2026, 11, 1), end: Date.UTC(2027, 0, 1) });
  });

  test('end-user IPs: IPv4 as is, IPv6 by /64, IPv4-mapped as IPv4', () => {
    assert.equal(ipGroup('203.0.113.7'), '203.0.113.7');
    assert.equal(ipGroup('2001:db8:aa:bb::1'), '2001:db8:aa:bb::/64');
    assert.equal(ipGroup('2001:0DB8:00AA:00BB:ffff:ffff:ffff:ffff'), '2001:db8:aa:bb::/64');
    assert.equal(ipGroup('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(ipGroup('::1'), '0:0:0:0::/64');
    assert.equal(ipGroup('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(ipGroup('::ffff:cb00:7107'), '203.0.113.7');
    assert.equal(ipGroup('64:ff9b::203.0.113.7'), '64:ff9b:0:0::/64');
    assert.equal(ipGroup('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(ipGroup('not an ip'), undefined);
  });

  test('budget settings are validated; 0 turns one off; the earlier name still sets the destination budget', () => {
    assert.throws(() => loadConfig({}, { KIRIM_BUDGET_IP_PER_HOUR: 'lots' }), /KIRIM_BUDGET_IP_PER_HOUR=lots: expected a whole number/);
    assert.throws(() => loadConfig({}, { KIRIM_GATEWAY_RECIPIENTS_PER_MONTH: '-1' }), /KIRIM_GATEWAY_RECIPIENTS_PER_MONTH/);
    assert.throws(() => loadConfig({}, { KIRIM_BUDGET_PREFIX_DIGITS: '2' }), /KIRIM_BUDGET_PREFIX_DIGITS/);
    assert.equal(loadConfig({}, { KIRIM_BUDGET_KEY_PER_HOUR: '0' }).budgets.keyPerHour, 0);
    assert.equal(loadConfig({}, { KIRIM_VERIFICATIONS_PER_DESTINATION_PER_HOUR: '4' }).budgets.destinationPerHour, 4);
    assert.equal(loadConfig({}, {}).budgets.gatewayRecipientsPerMonth, 300);
  });

  test('countries of E.164 numbers', () => {
    assert.equal(countryOf('+6281234567890'), 'ID');
    assert.equal(countryOf('+60123456789'), 'MY');
  });
});

for (const mode of MODES) {
  describe(`budgets on ${mode.label}`, () => {
    for (const c of BUDGETS) {
      test(`${c.budget}: ${c.requests.length} pass, the next answers 429 naming it with Retry-After to the ${c.window}'s end; the window's end lets it through`, async () => {
        const k = await cluster(mode, c.env);
        try {
          const { servers, clock } = k;
          const otherKey = await servers[0]!.newApiKey();
          const send = (i: number, r: Req) => call(servers[i % servers.length]!, r.key === 'other' ? otherKey : k.key, 'POST', r.url, r.body);
          for (const [i, r] of c.requests.entries()) {
            const res = await send(i, r);
            assert.ok(res.status === 201 || res.status === 202, `request ${i + 1}: ${JSON.stringify(res.body)}`);
            clock.now += 1000;
          }
          const end = windowAt(c.window, clock.now).end;
          const queued = await countMessages(servers[0]!);
          // Refused on every server, with the same exact Retry-After.
          for (let i = 0; i < servers.length; i++) {
            const refused = await send(c.requests.length + i, c.refused);
            assert.equal(refused.status, 429, JSON.stringify(refused.body));
            assert.equal(refused.body.code, 'rate_limited');
            assert.match(refused.body.detail, new RegExp(c.budget));
            assert.equal(refused.headers['retry-after'], String(Math.ceil((end - clock.now) / 1000)));
          }
          assert.equal(await countMessages(servers[0]!), queued, 'a refused request queues nothing');
          assert.ok([201, 202].includes((await send(1, c.other)).status), 'another subject has its own budget');

          clock.now = end - 1;
          const last = await send(0, c.refused);
          assert.equal(last.status, 429, 'still inside the window');
          assert.equal(last.headers['retry-after'], '1');
          clock.now = end;
          const next = await send(1, c.refused);
          assert.ok([201, 202].includes(next.status), `a new window: ${JSON.stringify(next.body)}`);
        } finally {
          await k.close();
        }
      });
    }

    test('counters of ended windows are swept', async () => {
      const k = await cluster(mode, {});
      try {
        const s = k.servers[0]!;
        assert.equal((await call(s, k.key, 'POST', '/v1/verifications', verify('+6281200000091', '203.0.113.9').body)).status, 201);
        const rows = async () => Number((await sql<{ n: number }>`select count(*) as n from budget_counters`.execute(s.store.db)).rows[0]!.n);
        const before = await rows();
        assert.equal(before, 8, 'destination, key, IP (hour and day each), prefix and country');
        k.clock.now = windowAt('hour', T0).end;
        await s.services.sweep();
        assert.equal(await rows(), 3, 'the five hour windows are gone, the three day windows stay');
        k.clock.now = windowAt('day', T0).end;
        await s.services.sweep();
        assert.equal(await rows(), 0);
      } finally {
        await k.close();
      }
    });

    test('the ip field must be an IPv4 or IPv6 address (400, nothing counted)', async () => {
      const k = await cluster(mode, { KIRIM_BUDGET_IP_PER_HOUR: '1' });
      try {
        for (const ip of ['999.1.1.1', '2001:db8::/64', 'localhost', '1.2.3.4; drop table']) {
          const r = await call(k.servers[0]!, k.key, 'POST', '/v1/verifications', { to: '+6281200000081', channel: 'sms', ip });
          assert.equal(r.status, 400, ip);
          assert.equal(r.body.code, 'validation_failed');
        }
        assert.equal((await call(k.servers.at(-1)!, k.key, 'POST', '/v1/verifications', { to: '+6281200000081', channel: 'sms', ip: '1.2.3.4' })).status, 201);
      } finally {
        await k.close();
      }
    });

    test('a refusal gives the counts back: an idempotent replay and a too-early resend are not counted', async () => {
      const k = await cluster(mode, { KIRIM_BUDGET_DESTINATION_PER_HOUR: '3' });
      try {
        const [a, b = a] = k.servers as [TestServer, TestServer?];
        const once = async (s: TestServer) =>
          s.app.inject({ method: 'POST', url: '/v1/messages', headers: { authorization: `Bearer ${k.key}`, 'content-type': 'application/json', 'idempotency-key': 'same' }, payload: JSON.stringify(sms('+6281200000071').body) });
        assert.equal((await once(a)).statusCode, 202);
        const replay = await once(b);
        assert.equal(replay.statusCode, 202);
        assert.equal(replay.headers['idempotent-replayed'], 'true');
        // A resend asked for too soon is refused by its own rule and not counted.
        assert.equal((await call(a, k.key, 'POST', '/v1/verifications', verify('+6281200000071').body)).status, 201);
        const early = await call(b!, k.key, 'POST', '/v1/verifications', verify('+6281200000071').body);
        assert.equal(early.status, 429);
        assert.match(early.body.detail, /resend requested too soon/);
        const third = await call(a, k.key, 'POST', '/v1/messages', sms('+6281200000071').body);
        assert.equal(third.status, 202, 'the replay and the refused resend did not count');
        const fourth = await call(b!, k.key, 'POST', '/v1/messages', sms('+6281200000071').body);
        assert.equal(fourth.status, 429);
        assert.match(fourth.body.detail, /destination_per_hour/);
      } finally {
        await k.close();
      }
    });

    test('the attacks: 1,000 verifications to 1,000 numbers of one prefix from one IP, and 500 messages to one number, are stopped by the defaults', async () => {
      const k = await cluster(mode, {});
      try {
        const { servers } = k;
        let accepted = 0;
        const spent = new Set<string>();
        // In concurrent batches: the count is atomic in the store, whichever server answers.
        await batches(1000, async (i) => {
          const to = `+62812000${String(i).padStart(4, '0')}`;
          const r = await call(servers[i % servers.length]!, k.key, 'POST', '/v1/verifications', { to, channel: 'sms', ip: '198.51.100.23' });
          if (r.status === 201) accepted++;
          else {
            assert.equal(r.status, 429, JSON.stringify(r.body));
            spent.add(/budget spent: (\w+)/.exec(r.body.detail)![1]!);
          }
        });
        assert.equal(accepted, 20, 'KIRIM_BUDGET_IP_PER_HOUR=20 lets 20 through');
        assert.deepEqual([...spent], ['ip_per_hour']);

        let messages = 0;
        await batches(500, async (i) => {
          const r = await call(servers[i % servers.length]!, k.key, 'POST', '/v1/messages', { to: '+6285700000001', channel: 'sms', text: `flood ${i}` });
          if (r.status === 202) messages++;
          else assert.equal(r.status, 429);
        });
        assert.equal(messages, 10, 'KIRIM_BUDGET_DESTINATION_PER_HOUR=10 lets 10 through');
        assert.equal(await countMessages(servers[0]!), 30, 'only the accepted requests queued anything');
      } finally {
        await k.close();
      }
    });

    test('without an IP, 1,000 numbers of one prefix are stopped by the prefix budget', async () => {
      const k = await cluster(mode, {});
      try {
        let accepted = 0;
        await batches(1000, async (i) => {
          const r = await call(k.servers[i % k.servers.length]!, k.key, 'POST', '/v1/verifications', { to: `+62812000${String(i).padStart(4, '0')}`, channel: 'sms' });
          if (r.status === 201) accepted++;
          else assert.match(r.body.detail, /prefix_per_hour/);
        });
        assert.equal(accepted, 30, 'KIRIM_BUDGET_PREFIX_PER_HOUR=30');
      } finally {
        await k.close();
      }
    });
  });
}

