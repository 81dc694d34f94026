/**
 * Property-based tests of every HTTP body and query the server reads: the
 * application API (/v1), the gateway protocol (/gateway/v1) and the
 * dashboard API (/dashboard/api, signed in, with its CSRF token). Requests
 * are derived from the routes' own zod schemas and then bent (wrong types,
 * missing and unknown fields, huge and unicode strings, control
 * characters, broken JSON, raw bytes, odd content types, bad ids in
 * paths). Whatever arrives, the answer is never a 5xx and the process
 * never crashes; every 4xx is problem+json with a `code`.
 *
 * Cases: KIRIM_FUZZ_RUNS per property (`npm run fuzz`: 10,000) on SQLite,
 * a tenth of that on PostgreSQL; a few hundred in `npm test`.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { z } from 'zod';
import { CheckVerificationBody, CreateWebhookBody, ListInboundQuery, ListMessagesQuery, SendMessageBody, StartVerificationBody } from '../protocol/api.js';
import { HeartbeatRequest, InboundRequest, LeaseRequest, ReportsRequest } from '../protocol/gateway.js';
import { bodyBytes, contentType, fromZod, fuzzParams, fuzzRuns, hostile, nastyString, queryOf } from '../../test/support/fuzz.js';
import { signIn, type Operator } from './dashboard/testing.js';
import { capturingTransport, createTestServer, type TestServer } from './testing.js';
import type { Dialect } from './store/index.js';

/** Cases per property on SQLite; PostgreSQL runs a tenth (at least 30). */
const SQLITE_RUNS = 300;
const runsFor = (dialect: Dialect) => (dialect === 'sqlite' ? fuzzRuns(SQLITE_RUNS) : Math.max(30, Math.round(fuzzRuns(SQLITE_RUNS) / 10)));

/** An id for a path, percent-encoded: a real one seen earlier, a well-formed fake, anything, or broken encoding. */
function pathId(pool: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.nat().map((i) => enc(pool[i % Math.max(pool.length, 1)] ?? 'msg_none')) },
    { weight: 1, arbitrary: fc.constantFrom('msg_01jh3zk8q2x5v7n9r4t6w8y0ab', 'ver_01jh3zk8q2x5v7n9r4t6w8y0cd', 'wh_01jh3zk8q2x5v7n9r4t6w8y0gh', 'key_x', 'gw_x') },
    { weight: 2, arbitrary: nastyString.filter((s) => s.length > 0).map(enc) },
    { weight: 1, arbitrary: fc.integer({ min: 65, max: 400 }).map((n) => 'i'.repeat(n)) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%ff', '%00', '%C0%AF', '..%2F..%2Fetc', '%uD800', 'a%') },
  );
}

/** The string with lone surrogates replaced (they cannot be percent-encoded). */
function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Path-safe text for any string (lone surrogates included). */
function enc(s: string): string {
  return encodeURIComponent(wellFormed(s));
}

function query(q: Record<string, string | string[]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, wellFormed(x));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** One request to send: method, url, and maybe a body with its content type and extra headers. */
interface Req {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  body?: string | Buffer;
  type?: string | undefined;
  headers?: Record<string, string>;
}

function withBody(method: 'POST', url: string, schema: z.ZodType): fc.Arbitrary<Req> {
  return fc.record({ body: bodyBytes(hostile(fromZod(schema))), type: contentType }).map(({ body, type }) => ({ method, url, body, type }));
}

/** Never a 5xx; a 4xx is problem+json whose `code` is a string and whose `status` is the status. */
function assertAnswer(r: Req, res: LightMyRequestResponse): void {
  const what = `${r.method} ${r.url} ${r.type ?? ''} ${String(r.body ?? '').slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  assert.ok(res.statusCode < 500, what);
  if (res.statusCode >= 400) {
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/, what);
    const p = JSON.parse(res.body) as { code?: unknown; status?: unknown };
    assert.equal(typeof p.code, 'string', what);
    assert.ok((p.code as string).length > 0, what);
    assert.equal(p.status, res.statusCode, what);
  }
}

async function send(s: TestServer, r: Req, auth: Record<string, string>): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...auth, ...(r.headers ?? {}) };
  if (r.body !== undefined && r.type !== undefined) headers['content-type'] = r.type;
  const opts: InjectOptions = { method: r.method, url: r.url, headers, ...(r.body !== undefined ? { payload: r.body } : {}) };
  return s.app.inject(opts);
}

/** Ids of what the fuzzed requests created, so later requests also hit real records. */
function collectIds(pool: string[], res: LightMyRequestResponse): void {
  if (res.statusCode >= 300 || pool.length > 200) return;
  try {
    const b = JSON.parse(res.body) as { id?: unknown; verification_id?: unknown };
    for (const id of [b.id, b.verification_id]) if (typeof id === 'string') pool.push(id);
  } catch {
    // not JSON
  }
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`HTTP fuzzing (${dialect})`, () => {
    let s: TestServer;
    let op: Operator;
    const ids: string[] = [];
    before(async () => {
      // Every scope, admin included, so each route runs past its scope check.
      s = await createTestServer({ dialect, transport: capturingTransport(), apiKeyScopes: ['verify', 'messages', 'inbound', 'webhooks', 'admin'] });
      op = await signIn(s);
    });
    after(async () => {
      await s.close();
    });

    test(`/v1: every body, query and path id gets a 2xx or a 4xx problem with a code (${runsFor(dialect)} cases)`, async () => {
      const auth = () => ({ authorization: `Bearer ${s.apiKey}` });
      const id = pathId(ids);
      const idempotency = fc.option(fc.oneof(fc.uuid(), nastyString), { nil: undefined, freq: 4 });
      const request: fc.Arbitrary<Req> = fc.oneof(
        withBody('POST', '/v1/verifications', StartVerificationBody),
        withBody('POST', '/v1/verifications/check', CheckVerificationBody),
        withBody('POST', '/v1/messages', SendMessageBody),
        withBody('POST', '/v1/webhooks', CreateWebhookBody),
        id.map((i): Req => ({ method: 'GET', url: `/v1/verifications/${i}` })),
        id.map((i): Req => ({ method: 'POST', url: `/v1/verifications/${i}/cancel` })),
        id.map((i): Req => ({ method: 'GET', url: `/v1/messages/${i}` })),
        id.map((i): Req => ({ method: 'DELETE', url: `/v1/webhooks/${i}` })),
        queryOf(ListMessagesQuery).map((q): Req => ({ method: 'GET', url: `/v1/messages${query(q)}` })),
        queryOf(ListInboundQuery).map((q): Req => ({ method: 'GET', url: `/v1/inbound${query(q)}` })),
        fc.constantFrom<Req>({ method: 'GET', url: '/v1/webhooks' }, { method: 'GET', url: '/v1/gateways' }),
        // The test's own gateway is never in the pool: revoking it would end the gateway fuzzing.
        id.map((i): Req => ({ method: 'POST', url: `/v1/gateways/${i}/revoke` })),
        id.map((i): Req => ({ method: 'POST', url: `/v1/gateways/${i}/rotate` })),
        fc.tuple(fc.constantFrom('/healthz', '/readyz', '/metrics', '/openapi.json', '/v1', '/v1/'), queryOf(z.object({ x: z.string() }))).map(([u, q]): Req => ({ method: 'GET', url: `${u}${query(q)}` })),
        nastyString.map((p): Req => ({ method: 'GET', url: `/v1/${enc(p)}` })),
      );
      await fc.assert(
        fc.asyncProperty(request, idempotency, async (r, key) => {
          if (key !== undefined && r.method === 'POST') r.headers = { 'idempotency-key': wellFormed(key).replace(/[^\t\x20-\x7e\x80-\xff]/g, '?') };
          const res = await send(s, r, auth());
          assertAnswer(r, res);
          collectIds(ids, res);
        }),
        fuzzParams(runsFor(dialect)),
      );
    });

    test(`/gateway/v1: every lease, report, inbound and heartbeat body gets a 2xx or a 4xx problem with a code (${runsFor(dialect)} cases)`, async () => {
      // Messages to lease and report on.
      for (let i = 0; i < 5; i++) {
        const r = await s.api('POST', '/v1/messages', { to: `08123456789${i}`, channel: 'sms', text: `fuzz ${i}` });
        assert.equal(r.status, 202);
        ids.push(r.body.id);
      }
      const messageId = fc.oneof(fc.nat().map((i) => ids[i % ids.length]!), nastyString);
      const report = fc.record({
        message_id: messageId,
        status: fc.constantFrom('spooled', 'sent', 'delivered', 'failed', 'expired'),
        at: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
        detail: fc.option(fc.oneof(nastyString, fc.string({ maxLength: 600 })), { nil: undefined }),
        parts: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
      }, { requiredKeys: ['message_id', 'status', 'at'] });
      const reports = fc.oneof(fromZod(ReportsRequest), fc.array(report, { minLength: 1, maxLength: 5 }).map((reports) => ({ reports })));
      const request: fc.Arbitrary<Req> = fc.oneof(
        fc.record({ body: bodyBytes(hostile(fromZod(LeaseRequest))), type: contentType }).map(({ body, type }): Req => ({ method: 'POST', url: '/gateway/v1/lease', body, type })),
        fc.record({ body: bodyBytes(hostile(reports)), type: contentType }).map(({ body, type }): Req => ({ method: 'POST', url: '/gateway/v1/reports', body, type })),
        withBody('POST', '/gateway/v1/inbound', InboundRequest),
        withBody('POST', '/gateway/v1/heartbeat', HeartbeatRequest),
      );
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          // A valid lease without work waits up to wait_ms (25 s by default): ask for no wait.
          if (r.url.endsWith('/lease') && typeof r.body === 'string') {
            const parsed = LeaseRequest.safeParse(safeJson(r.body));
            if (parsed.success) r.body = JSON.stringify({ ...(safeJson(r.body) as object), wait_ms: 0 });
          }
          const res = await send(s, r, { authorization: `Bearer ${s.gatewayToken}` });
          assertAnswer(r, res);
        }),
        fuzzParams(runsFor(dialect)),
      );
    });

    test(`/dashboard/api: every query, body and path id, signed in with the CSRF token, gets a 2xx or a 4xx problem with a code (${runsFor(dialect)} cases)`, async () => {
      const page = { limit: z.coerce.number().int().min(1).max(200).optional(), cursor: z.string().max(100).optional() };
      const search = (extra: Record<string, z.ZodType>) => queryOf(z.object({ ...page, q: z.string().max(200).optional(), ...extra }));
      const id = pathId(ids);
      const request: fc.Arbitrary<Req> = fc.oneof(
        queryOf(z.object({ minutes: z.number().int().min(1).max(1440).optional() })).map((q): Req => ({ method: 'GET', url: `/dashboard/api/overview${query(q)}` })),
        search({ status: z.enum(['queued', 'sent', 'delivered', 'failed']).optional(), channel: z.enum(['sms', 'email']).optional(), gateway: z.string().max(100).optional() }).map((q): Req => ({ method: 'GET', url: `/dashboard/api/messages${query(q)}` })),
        search({ status: z.enum(['pending', 'approved', 'expired', 'failed', 'canceled']).optional(), channel: z.enum(['sms', 'email']).optional() }).map((q): Req => ({ method: 'GET', url: `/dashboard/api/verifications${query(q)}` })),
        queryOf(z.object(page)).map((q): Req => ({ method: 'GET', url: `/dashboard/api/inbound${query(q)}` })),
        id.map((i): Req => ({ method: 'GET', url: `/dashboard/api/messages/${i}` })),
        id.map((i): Req => ({ method: 'GET', url: `/dashboard/api/verifications/${i}` })),
        fc.tuple(id, id).map(([a, b]): Req => ({ method: 'POST', url: `/dashboard/api/webhooks/${a}/deliveries/${b}/replay` })),
        id.map((i): Req => ({ method: 'POST', url: `/dashboard/api/keys/${i}/revoke` })),
        withBody('POST', '/dashboard/api/keys', z.object({ name: z.string().min(1).max(64), admin: z.boolean().optional() })),
        fc.constantFrom<Req>(
          { method: 'GET', url: '/dashboard/api/gateways' },
          { method: 'GET', url: '/dashboard/api/webhooks' },
          { method: 'GET', url: '/dashboard/api/keys' },
          { method: 'GET', url: '/dashboard/api/session' },
          { method: 'GET', url: '/dashboard/api/dev/phone' },
          { method: 'GET', url: '/dashboard/api/dev/mailbox' },
        ),
        nastyString.map((p): Req => ({ method: 'GET', url: `/dashboard/api/${enc(p)}` })),
      );
      // Mostly the right session and token; sometimes a missing or wrong token, a foreign Origin, no cookie.
      const credentials = fc.oneof(
        { weight: 8, arbitrary: fc.constant('right' as const) },
        { weight: 1, arbitrary: fc.constantFrom('no-csrf' as const, 'wrong-csrf' as const, 'no-cookie' as const, 'foreign-origin' as const) },
      );
      await fc.assert(
        fc.asyncProperty(request, credentials, async (r, who) => {
          const headers: Record<string, string> = { cookie: op.cookie };
          if (r.method !== 'GET' && who !== 'no-csrf') headers['x-csrf-token'] = who === 'wrong-csrf' ? op.csrf.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) : op.csrf;
          if (who === 'no-cookie') delete headers.cookie;
          if (who === 'foreign-origin') headers.origin = 'https://evil.example';
          const res = await send(s, r, headers);
          assertAnswer(r, res);
          collectIds(ids, res);
        }),
        fuzzParams(runsFor(dialect)),
      );
      // The session survived the run (nothing fuzzed signs it out).
      assert.equal((await op.req('GET', '/dashboard/api/session')).status, 200);
    });

    test(`/dashboard/api/login and /logout: any body, any cookie, any token (${Math.max(30, Math.round(runsFor(dialect) / 10))} cases)`, async () => {
      const login = fc.record({ body: bodyBytes(hostile(fc.record({ username: fc.oneof(fc.constant('ana'), nastyString), password: fc.oneof(nastyString, fc.string({ maxLength: 2000 })) }))), type: contentType });
      const request = fc.oneof(
        login.map(({ body, type }): Req => ({ method: 'POST', url: '/dashboard/api/login', body, type, headers: {} })),
        fc.record({ cookie: fc.oneof(nastyString, fc.constant('')), csrf: nastyString }).map(({ cookie, csrf }): Req => ({
          method: 'POST',
          url: '/dashboard/api/logout',
          headers: { cookie: `kirim_session=${enc(cookie)}`, 'x-csrf-token': wellFormed(csrf).replace(/[^\t\x20-\x7e]/g, '?') },
        })),
      );
      // Sign-in hashes with scrypt (slow by design) and is throttled: a tenth of the cases.
      await fc.assert(
        fc.asyncProperty(request, async (r) => assertAnswer(r, await send(s, r, {}))),
        { ...fuzzParams(0), numRuns: Math.max(30, Math.round(runsFor(dialect) / 10)) },
      );
    });
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}


/*
 * What the fuzzing found, each pinned by a named test on both stores.
 */
for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`bugs found by fuzzing (${dialect})`, () => {
    let s: TestServer;
    let op: Operator;
    before(async () => {
      s = await createTestServer({ dialect, transport: capturingTransport() });
      op = await signIn(s);
    });
    after(async () => {
      await s.close();
    });

    const problem = (res: { status: number; headers: Record<string, unknown>; body: any }, status: number, code: string) => {
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      assert.equal(res.body.code, code);
    };

    test('path segment over 200 characters: 414 problem+json uri_too_long, not Fastify\'s plain JSON', async () => {
      problem(await s.api('DELETE', `/v1/webhooks/${'i'.repeat(201)}`), 414, 'uri_too_long');
      problem(await s.api('GET', `/v1/verifications/${'%41'.repeat(201)}`), 414, 'uri_too_long');
    });

    test('broken percent-encoding in a path: 400 problem+json bad_url', async () => {
      problem(await s.api('GET', '/v1/messages/%E0%A4%A'), 400, 'bad_url');
      problem(await op.req('GET', '/dashboard/api/verifications/%zz'), 400, 'bad_url');
    });

    test('NUL in dashboard ids, cursors, searches and the sign-in username: 400 validation_failed, not a PostgreSQL 500', async () => {
      for (const url of ['/dashboard/api/messages?q=%00', '/dashboard/api/messages?cursor=a%00', '/dashboard/api/messages?gateway=%00', '/dashboard/api/verifications?q=%00', '/dashboard/api/inbound?cursor=%00', '/dashboard/api/messages/%00', '/dashboard/api/verifications/%00']) {
        problem(await op.req('GET', url), 400, 'validation_failed');
      }
      for (const url of ['/dashboard/api/keys/%00/revoke', '/dashboard/api/webhooks/%00/deliveries/x/replay']) problem(await op.req('POST', url), 400, 'validation_failed');
      const login = await s.app.inject({ method: 'POST', url: '/dashboard/api/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username: 'ana\u0000', password: 'x' }) });
      problem({ status: login.statusCode, headers: login.headers, body: JSON.parse(login.body) }, 400, 'validation_failed');
    });

    test('NUL in gateway report ids and inbound keys/senders: 400; in inbound text and report details: stored as U+FFFD, not a PostgreSQL 500', async () => {
      const at = new Date().toISOString();
      problem(await s.gw('/reports', { reports: [{ message_id: 'msg\u0000', status: 'sent', at }] }).then((r) => ({ ...r, headers: { 'content-type': 'application/problem+json' } })), 400, 'validation_failed');
      for (const m of [{ key: 'k\u0000', from: '+6281234567890' }, { key: 'k', from: '+62812\u0000' }]) {
        const r = await s.gw('/inbound', { messages: [{ ...m, text: 't', received_at: at }] });
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.code, 'validation_failed');
      }
      const sent = await s.api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'hi' });
      assert.equal((await s.gw('/lease', { wait_ms: 0 })).body.messages.length, 1);
      const rep = await s.gw('/reports', { reports: [{ message_id: sent.body.id, status: 'failed', at, detail: 'modem said \u0000' }] });
      assert.equal(rep.status, 200, JSON.stringify(rep.body));
      const msg = await s.api('GET', `/v1/messages/${sent.body.id}`);
      assert.equal(msg.body.status, 'failed');
      assert.ok(msg.body.events.some((e: { detail?: string }) => e.detail?.includes('modem said \ufffd')), JSON.stringify(msg.body.events));
      const inb = await s.gw('/inbound', { messages: [{ key: 'IN20260101_000000_00_+6281234567890_00.bin', from: '+6281234567890', text: 'a\u0000b', received_at: at }] });
      assert.equal(inb.status, 200, JSON.stringify(inb.body));
      const list = await s.api('GET', '/v1/inbound');
      assert.ok(list.body.data.some((i: { text: string }) => i.text === 'a\ufffdb'), JSON.stringify(list.body));
    });
  });
}
