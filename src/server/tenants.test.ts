/**
 * Tenants kept apart, over the real app on both store dialects
 * (docs/security.md, "Tenants and scopes"):
 * - each route needs its scope, and a key without it gets 403 naming it,
 *   before its body is even validated;
 * - an expired key gets 401 saying when it expired;
 * - an inbound SMS is seen by the key whose SMS it answers (same sender,
 *   same gateway, within KIRIM_INBOUND_OWNER_DAYS) and by keys with the
 *   `inbound` scope, by nobody else; the same for `message.received`
 *   webhooks, and gateway events reach only `admin` keys;
 * - revoking or rotating a gateway's token ends its open long-poll with 401
 *   at once; the old token is refused and the new one works; a rotated API
 *   key likewise.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { ApiScope } from '../protocol/api.js';
import { scopesOf } from './auth.js';
import { createApiKey, rotateApiKey } from './credentials.js';
import { migrateToLatest } from './store/migrations/index.js';
import { DIALECTS } from './store/index.js';
import { openTestStore } from './store/testing.js';
import { capturingTransport, createTestServer, type TestServer } from './testing.js';

const DAY = 86_400_000;

/** Sends a request with `key`; parses the JSON answer. */
async function call(s: TestServer, key: string, method: string, url: string, body?: unknown) {
  const res = await s.app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}

/** A lease as a gateway holding `token` asks for it. */
function lease(s: TestServer, token: string, waitMs: number) {
  return s.app.inject({ method: 'POST', url: '/gateway/v1/lease', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ wait_ms: waitMs }) });
}

/**
 * Starts a long-poll and resolves once it is waiting (a waiting poll
 * listens for credential changes), with its answer-to-be (wrapped: an
 * inject chain is a thenable, and returning it bare would wait for it).
 */
async function waitingPoll(s: TestServer, token: string) {
  const bus = s.services.ctx.bus;
  const before = bus.listenerCount('credentials:changed');
  const poll = lease(s, token, 25_000).then((r) => r);
  while (bus.listenerCount('credentials:changed') === before) await new Promise((r) => setImmediate(r));
  return { poll };
}

for (const dialect of DIALECTS) {
  test(`upgrading on ${dialect}: keys from before scopes keep the application API, an admin key keeps it too`, async () => {
    const store = await openTestStore(dialect);
    try {
      // Back to the schema before 0013_tenants, with keys as that version wrote them.
      const db = store.db;
      await db.schema.dropIndex('inbound_sms_owner').execute();
      await db.schema.dropIndex('messages_to').execute();
      await db.schema.alterTable('api_keys').dropColumn('expires_at').execute();
      await db.schema.alterTable('inbound_sms').dropColumn('api_key_id').execute();
      await sql`delete from kirim_migrations where name = '0013_tenants'`.execute(db);
      await sql`insert into api_keys (id, name, key_hash, prefix, created_at, scopes) values ('key_app', 'app', 'h1', 'kk_a', 1, ''), ('key_ops', 'ops', 'h2', 'kk_b', 1, 'admin')`.execute(db);
      await migrateToLatest(db, dialect);
      const app = (await store.getApiKey('key_app'))!;
      const ops = (await store.getApiKey('key_ops'))!;
      assert.equal(app.scopes, 'verify messages webhooks');
      assert.equal(ops.scopes, 'verify messages webhooks admin');
      assert.equal(app.expires_at, null);
      // A row an older server writes during a rolling upgrade reads as the defaults.
      assert.deepEqual(scopesOf({ scopes: '' }), ['verify', 'messages', 'webhooks']);
    } finally {
      await store.close();
    }
  });

  describe(`tenants and scopes on ${dialect}`, () => {
    let s: TestServer;
    let clock = Date.parse('2026-05-01T08:00:00Z');
    const key = async (scopes: ApiScope[], expiresAt: number | null = null) => createApiKey(s.store, `k-${scopes.join('-')}`, { scopes, expiresAt });
    before(async () => {
      s = await createTestServer({ dialect, transport: capturingTransport(), now: () => clock });
    });
    after(async () => {
      await s.close();
    });

    test('each scope opens its routes; without it 403 forbidden names the scope, before the body is validated', async () => {
      const only = async (scope: ApiScope) => (await key([scope])).key;
      const verify = await only('verify');
      const messages = await only('messages');
      const webhooks = await only('webhooks');
      const admin = await only('admin');
      const forbidden = async (k: string, method: string, url: string, scope: string, body?: unknown) => {
        const r = await call(s, k, method, url, body);
        assert.equal(r.status, 403, `${method} ${url}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, 'forbidden');
        assert.match(r.body.detail, new RegExp(`lacks the ${scope} scope`), `${method} ${url}`);
      };
      for (const k of [messages, webhooks, admin]) {
        await forbidden(k, 'POST', '/v1/verifications', 'verify', { to: '081234567890', channel: 'sms' });
        await forbidden(k, 'POST', '/v1/verifications', 'verify', { nonsense: true });
        await forbidden(k, 'POST', '/v1/verifications/check', 'verify', { id: 'ver_x', code: '123456' });
        await forbidden(k, 'GET', '/v1/verifications/ver_x', 'verify');
        await forbidden(k, 'POST', '/v1/verifications/ver_x/cancel', 'verify');
      }
      for (const k of [verify, webhooks, admin]) {
        await forbidden(k, 'POST', '/v1/messages', 'messages', { to: '081234567890', channel: 'sms', text: 'hi' });
        await forbidden(k, 'GET', '/v1/messages', 'messages');
        await forbidden(k, 'GET', '/v1/messages/msg_x', 'messages');
      }
      for (const k of [verify, messages, admin]) {
        await forbidden(k, 'POST', '/v1/webhooks', 'webhooks', { url: 'https://hooks.example.com/a', events: ['*'] });
        await forbidden(k, 'GET', '/v1/webhooks', 'webhooks');
        await forbidden(k, 'DELETE', '/v1/webhooks/wh_x', 'webhooks');
      }
      for (const k of [webhooks, admin]) await forbidden(k, 'GET', '/v1/inbound', 'inbound');
      for (const k of [verify, messages, webhooks]) {
        await forbidden(k, 'GET', '/v1/gateways', 'admin');
        await forbidden(k, 'POST', `/v1/gateways/${s.gatewayId}/revoke`, 'admin');
        await forbidden(k, 'POST', `/v1/gateways/${s.gatewayId}/rotate`, 'admin');
      }
      // And each opens what it names.
      assert.equal((await call(s, verify, 'POST', '/v1/verifications', { to: '081234567001', channel: 'sms' })).status, 201);
      assert.equal((await call(s, messages, 'GET', '/v1/messages')).status, 200);
      assert.equal((await call(s, messages, 'GET', '/v1/inbound')).status, 200, 'its own inbound SMS');
      assert.equal((await call(s, verify, 'GET', '/v1/inbound')).status, 200, 'its own inbound SMS');
      assert.equal((await call(s, webhooks, 'GET', '/v1/webhooks')).status, 200);
      assert.equal((await call(s, admin, 'GET', '/v1/gateways')).status, 200);
      // The default key (no scope asked for) keeps what every key could do before scopes.
      assert.equal((await call(s, s.apiKey, 'GET', '/v1/messages')).status, 200);
      assert.equal((await call(s, s.apiKey, 'GET', '/v1/webhooks')).status, 200);
      assert.equal((await call(s, s.apiKey, 'GET', '/v1/gateways')).status, 403);
    });

    test('an expired key gets 401 saying when it expired; until then it works', async () => {
      const { key: k } = await key(['messages'], clock + DAY);
      assert.equal((await call(s, k, 'GET', '/v1/messages')).status, 200);
      const saved = clock;
      clock += DAY;
      try {
        const r = await call(s, k, 'GET', '/v1/messages');
        assert.equal(r.status, 401);
        assert.equal(r.body.code, 'unauthorized');
        assert.match(r.body.detail, /this API key expired at 2026-05-02T08:00:00\.000Z/);
      } finally {
        clock = saved;
      }
    });

    test('an inbound SMS is seen by the key that texted its sender, and by keys with the inbound scope only', async () => {
      const a = await key(['messages', 'webhooks']);
      const b = await key(['verify', 'messages', 'webhooks']);
      const reader = await key(['inbound']);
      const ops = await key(['admin', 'webhooks']);
      // One endpoint per key, subscribed to everything (inserted directly: this test is about who hears what, not delivery).
      for (const k of [a, b, reader, ops]) {
        await s.store.insertWebhook({ id: `wh_${k.id}`, api_key_id: k.id, url: 'https://hooks.example.com/x', events: '["*"]', secret_enc: 'unused', created_at: clock, disabled_at: null });
      }
      // Inserted behind the server's back: let its subscription cache (2 s) lapse.
      clock += 3_000;
      assert.equal((await call(s, a.key, 'POST', '/v1/messages', { to: '081200000001', channel: 'sms', text: 'Balas YA' })).status, 202);
      assert.equal((await call(s, b.key, 'POST', '/v1/verifications', { to: '081200000002', channel: 'sms' })).status, 201);
      // The gateway takes both; replies then come back through it.
      const leased = JSON.parse((await lease(s, s.gatewayToken, 0)).body).messages.map((m: { to: string }) => m.to);
      for (const to of ['+6281200000001', '+6281200000002']) assert.ok(leased.includes(to), to);
      const at = new Date(clock).toISOString();
      const up = await s.gw('/inbound', {
        messages: [
          { key: 'r1', from: '081200000001', text: 'YA dari A', received_at: at },
          { key: 'r2', from: '+6281200000002', text: 'balasan B', received_at: at },
          { key: 'r3', from: '081299999999', text: 'siapa ini', received_at: at },
        ],
      });
      assert.equal(up.body.accepted, 3);
      const seen = async (k: string) => ((await call(s, k, 'GET', '/v1/inbound?limit=50')).body.data as Array<{ text: string }>).map((i) => i.text).sort();
      assert.deepEqual(await seen(a.key), ['YA dari A']);
      assert.deepEqual(await seen(b.key), ['balasan B'], 'a reply to a verification belongs to the key that started it');
      assert.deepEqual(await seen(reader.key), ['YA dari A', 'balasan B', 'siapa ini']);
      assert.deepEqual(await seen(s.apiKey), [], 'a key that texted nobody sees nothing');
      // A filter cannot reach around the owner.
      assert.deepEqual((await call(s, a.key, 'GET', '/v1/inbound?from=081200000002')).body.data, []);

      // The same split for webhooks: message.received to the owner and to `inbound` keys; gateway events to `admin` keys.
      const heard = async (id: string, type: string) =>
        (await s.store.db.selectFrom('webhook_deliveries').select('payload').where('webhook_id', '=', `wh_${id}`).where('type', '=', type).execute()).map((r) => JSON.parse(r.payload).text as string).sort();
      assert.deepEqual(await heard(a.id, 'message.received'), ['YA dari A']);
      assert.deepEqual(await heard(b.id, 'message.received'), ['balasan B']);
      assert.deepEqual(await heard(reader.id, 'message.received'), ['YA dari A', 'balasan B', 'siapa ini']);
      assert.deepEqual(await heard(ops.id, 'message.received'), [], 'admin is not inbound');
      assert.equal((await heard(ops.id, 'gateway.online')).length, 1, 'the gateway came online with its lease');
      for (const k of [a, b, reader]) assert.equal((await heard(k.id, 'gateway.online')).length, 0, 'gateway events only to admin keys');
      assert.equal((await heard(b.id, 'message.queued')).length, 1, 'its own message events still reach it');
      assert.equal((await heard(a.id, 'message.queued')).length, 1);
    });

    test('ownership lasts KIRIM_INBOUND_OWNER_DAYS (7) and follows the newest sender', async () => {
      const a = await key(['messages']);
      const b = await key(['messages']);
      assert.equal((await call(s, a.key, 'POST', '/v1/messages', { to: '081200000010', channel: 'sms', text: 'satu' })).status, 202);
      await lease(s, s.gatewayToken, 0);
      const saved = clock;
      try {
        clock += 7 * DAY + 60_000;
        await s.gw('/inbound', { messages: [{ key: 'late', from: '081200000010', text: 'terlambat', received_at: new Date(clock).toISOString() }] });
        assert.deepEqual((await call(s, a.key, 'GET', '/v1/inbound')).body.data, [], 'older than the window: nobody owns it');
        assert.equal((await call(s, b.key, 'POST', '/v1/messages', { to: '081200000010', channel: 'sms', text: 'dua' })).status, 202);
        await lease(s, s.gatewayToken, 0);
        await s.gw('/inbound', { messages: [{ key: 'now', from: '081200000010', text: 'untuk B', received_at: new Date(clock).toISOString() }] });
        assert.deepEqual((await call(s, b.key, 'GET', '/v1/inbound')).body.data.map((i: { text: string }) => i.text), ['untuk B']);
        assert.deepEqual((await call(s, a.key, 'GET', '/v1/inbound')).body.data, []);
      } finally {
        clock = saved;
      }
    });

    test('a revoked key\'s endpoints hear nothing more', async () => {
      const k = await key(['messages', 'webhooks']);
      await s.store.insertWebhook({ id: `wh_${k.id}`, api_key_id: k.id, url: 'https://hooks.example.com/x', events: '["*"]', secret_enc: 'unused', created_at: clock, disabled_at: null });
      clock += 3_000;
      const before = await call(s, k.key, 'POST', '/v1/messages', { to: '081200000020', channel: 'sms', text: 'x' });
      assert.equal(before.status, 202);
      await s.store.revokeApiKey(k.id, clock);
      s.services.ctx.bus.emit('credentials:changed', 'api_key', k.id);
      // Its message changes state after the revocation: no new delivery.
      await s.services.messages.transition({ id: before.body.id, from: ['queued'], to: 'canceled', at: clock, detail: 'test' });
      const types = (await s.store.db.selectFrom('webhook_deliveries').select('type').where('webhook_id', '=', `wh_${k.id}`).execute()).map((r) => r.type);
      assert.deepEqual(types, ['message.queued']);
    });

    test('a rotated API key: the old value gets 401, the new one works on the same data', async () => {
      const k = await key(['messages']);
      const m = await call(s, k.key, 'POST', '/v1/messages', { to: '081200000030', channel: 'sms', text: 'x' });
      const rotated = await rotateApiKey(s.store, k.id);
      assert.ok(rotated);
      assert.notEqual(rotated.key, k.key);
      assert.equal((await call(s, k.key, 'GET', '/v1/messages')).status, 401);
      assert.equal((await call(s, rotated.key, 'GET', `/v1/messages/${m.body.id}`)).status, 200);
      await s.store.revokeApiKey(k.id, clock);
      assert.equal(await rotateApiKey(s.store, k.id), undefined, 'a revoked key cannot be rotated back to life');
    });
  });

  describe(`gateway revoke and rotate end an open long-poll at once on ${dialect}`, () => {
    let s: TestServer;
    let admin: string;
    before(async () => {
      // Polls re-check only once a minute here, so a poll that ends before
      // its 25 s wait was ended by the revocation's event, not by a re-check.
      s = await createTestServer({ dialect, transport: capturingTransport(), config: { pollRecheckMs: 60_000 } });
      admin = (await createApiKey(s.store, 'ops', { scopes: ['admin'] })).key;
    });
    after(async () => {
      await s.close();
    });

    test('revoke: the waiting poll answers 401 at once (by the event, not a re-check), and the token is refused from then on', async () => {
      const { poll } = await waitingPoll(s, s.gatewayToken);
      const r = await call(s, admin, 'POST', `/v1/gateways/${s.gatewayId}/revoke`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      // Without the event the poll would answer 200 (nothing) at its 25 s end.
      const res = await poll;
      assert.equal(res.statusCode, 401);
      assert.match(JSON.parse(res.body).detail, /this gateway was revoked/);
      assert.equal((await lease(s, s.gatewayToken, 0)).statusCode, 401);
      assert.equal((await call(s, admin, 'POST', `/v1/gateways/${s.gatewayId}/rotate`)).status, 404, 'a revoked gateway stays revoked');
      assert.equal((await call(s, admin, 'POST', '/v1/gateways/gw_nope/revoke')).status, 404);
    });

    test('rotate: the new token is answered once, the old one ends its poll with 401, the new one works', async () => {
      const { id, token } = await (await import('./credentials.js')).createGateway(s.store, 'second');
      const { poll } = await waitingPoll(s, token);
      const r = await call(s, admin, 'POST', `/v1/gateways/${id}/rotate`);
      assert.equal(r.status, 200);
      assert.match(r.body.token, /^kg_/);
      const res = await poll;
      assert.equal(res.statusCode, 401);
      assert.match(JSON.parse(res.body).detail, /token was replaced/);
      assert.equal((await lease(s, token, 0)).statusCode, 401, 'the old token is refused');
      assert.equal((await lease(s, r.body.token, 0)).statusCode, 200, 'the new token works');
      const list = await call(s, admin, 'GET', '/v1/gateways');
      assert.ok(!JSON.stringify(list.body).includes(r.body.token), 'the token is shown once');
    });
  });
}
