/**
 * Supabase Auth's Send SMS hook as a contract, against every store dialect:
 * requests built as supabase/auth builds them (internal/hooks/hookshttp:
 * the JSON body marshalled once per hook call, each attempt with a fresh
 * `webhook-id` and `webhook-timestamp`, signatures `v1,<base64>` from
 * secrets in the `v1,whsec_<base64>` form, joined by ", "), signed here
 * with node:crypto independently of Kirim's own signer, and the payload of
 * Supabase's documentation (send-sms-hook.mdx).
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createApiKey } from '../credentials.js';
import { hashToken } from '../crypto.js';
import { DIALECTS } from '../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';
import { createSupabaseIntegration, generateSupabaseSecret } from './supabase.js';
import { inClear, leaseAll, tablesHolding } from './testing.js';

/** Supabase's documented example, with an Indonesian number in the form Supabase stores (E.164 digits, no "+"). */
function documentedPayload(otp: string, { uuid = randomUUID(), phone = '6281234567890' }: { uuid?: string; phone?: string } = {}) {
  return {
    metadata: { uuid, time: '2026-01-15T08:30:00.123Z', name: 'send-sms', ip_address: '203.0.113.9' },
    user: {
      id: '6481a5c1-3d37-4a56-9f6a-bee08c554965',
      aud: 'authenticated',
      role: 'authenticated',
      email: '',
      phone,
      phone_confirmed_at: '2024-05-13T11:52:48.157306Z',
      confirmation_sent_at: '2024-05-14T12:31:52.824573Z',
      confirmed_at: '2024-05-13T11:52:48.157306Z',
      phone_change_sent_at: '2024-05-13T11:47:02.183064Z',
      last_sign_in_at: '2024-05-13T11:52:48.162518Z',
      app_metadata: { provider: 'phone', providers: ['phone'] },
      user_metadata: {},
      identities: [],
      created_at: '2024-05-13T11:45:33.7738Z',
      updated_at: '2024-05-14T12:31:52.82475Z',
      is_anonymous: false,
    },
    sms: { otp, phone },
  };
}

/** One attempt of a hook call, signed as Supabase signs it. */
function signedAttempt(secrets: string[], body: string, { id = randomUUID(), at = Math.floor(Date.now() / 1000) }: { id?: string; at?: number } = {}) {
  const sigs = secrets.map((secret) => {
    const key = Buffer.from(secret.replace(/^v1,whsec_/, ''), 'base64');
    return `v1,${createHmac('sha256', key).update(`${id}.${at}.${body}`).digest('base64')}`;
  });
  return { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(at), 'webhook-signature': sigs.join(', ') };
}

for (const dialect of DIALECTS) {
  describe(`Supabase send-SMS hook (${dialect})`, () => {
    let s: TestServer;
    let id: string;
    let secret: string;
    let url: string;
    beforeEach(async () => {
      s = await createTestServer({ dialect, transport: capturingTransport(), env: { KIRIM_BUDGET_DESTINATION_PER_HOUR: '2' } });
      const keyId = (await s.store.findApiKeyByHash(hashToken(s.apiKey)))!.id;
      ({ id, secret } = await createSupabaseIntegration({ store: s.store, keyring: s.services.ctx.keyring }, { name: 'app', apiKeyId: keyId }));
      url = `/integrations/supabase/${id}/send-sms`;
    });
    afterEach(() => s.close());

    const call = (body: string, headers: Record<string, string>) => s.app.inject({ method: 'POST', url, payload: body, headers });

    test("the documented payload, signed: 200 {} as JSON, the SMS queued as the bound key with Supabase's code masked in every table", async () => {
      const body = JSON.stringify(documentedPayload('561166'));
      const res = await call(body, signedAttempt([secret], body));
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/, 'Supabase refuses a 200 that is not JSON');
      assert.deepEqual(JSON.parse(res.body), {});
      assert.deepEqual(await tablesHolding(s, dialect, inClear('561166')), [], 'the code is in no table in clear');
      const [listed] = (await s.api('GET', '/v1/messages')).body.data;
      assert.equal(listed.to, '+6281234567890');
      assert.match(listed.text, /\*{6}/);
      assert.match(listed.events[0].detail, new RegExp(`Supabase send-SMS hook, integration ${id}`));
      assert.equal(Date.parse(listed.expires_at) - Date.parse(listed.created_at), 60_000, "Supabase's default code lifetime");
      const leased = await leaseAll(s);
      assert.equal(leased.length, 1);
      assert.equal(leased[0]!.text, 'Kode verifikasi Kirim Anda: 561166. Berlaku 1 menit. Jangan berikan kode ini kepada siapa pun.');
      assert.equal(leased[0]!.priority, 'high');
    });

    test("Supabase's retry of a call (a new webhook-id, the same body) and a replayed capture send nothing new", async () => {
      const body = JSON.stringify(documentedPayload('204871'));
      const first = signedAttempt([secret], body);
      assert.equal((await call(body, first)).statusCode, 200);
      const retry = await call(body, signedAttempt([secret], body));
      assert.equal(retry.statusCode, 200);
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      const replay = await call(body, first);
      assert.equal(replay.statusCode, 200);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal((await leaseAll(s)).length, 1, 'one SMS');
      // The same call id with another code is not a retry: refused.
      const forged = JSON.stringify(documentedPayload('999999', { uuid: JSON.parse(body).metadata.uuid }));
      const other = await call(forged, signedAttempt([secret], forged));
      assert.equal(other.statusCode, 422);
      assert.equal(JSON.parse(other.body).error.http_code, 422);
    });

    test('a bad signature, another secret, a stale or future timestamp, missing headers: 401 in Supabase\'s error shape, nothing sent', async () => {
      const body = JSON.stringify(documentedPayload('318265'));
      const now = Math.floor(Date.now() / 1000);
      const attempts: Array<[string, Record<string, string>]> = [
        ['another secret', signedAttempt([generateSupabaseSecret()], body)],
        ['a changed body', signedAttempt([secret], body.replace('318265', '318266'))],
        ['six minutes old', signedAttempt([secret], body, { at: now - 360 })],
        ['six minutes ahead', signedAttempt([secret], body, { at: now + 360 })],
        ['a flipped signature byte', (() => {
          const h = signedAttempt([secret], body);
          const raw = Buffer.from(h['webhook-signature'].slice(3), 'base64');
          raw[0]! ^= 1;
          return { ...h, 'webhook-signature': `v1,${raw.toString('base64')}` };
        })()],
      ];
      for (const [what, headers] of attempts) {
        const res = await call(body, headers);
        assert.equal(res.statusCode, 401, what);
        const answer = JSON.parse(res.body);
        assert.equal(answer.error.http_code, 401, what);
        assert.equal(answer.code, 'unauthorized', what);
      }
      const { 'webhook-signature': _sig, ...unsigned } = signedAttempt([secret], body);
      assert.equal((await call(body, unsigned)).statusCode, 401, 'no signature, no entry');
      const other = await call(body, { ...signedAttempt([secret], body) });
      assert.equal(other.statusCode, 200, 'the right one still passes');
      assert.equal((await leaseAll(s)).length, 1);
    });

    test("several secrets (a rotation in Supabase), joined by ', ' as Supabase joins them: the one Kirim holds verifies", async () => {
      const body = JSON.stringify(documentedPayload('730519'));
      const res = await call(body, signedAttempt([secret, generateSupabaseSecret()], body));
      assert.equal(res.statusCode, 200, res.body);
    });

    test('an unknown or revoked integration, a revoked key: 401; a key without send or messages: 403', async () => {
      const body = JSON.stringify(documentedPayload('640022'));
      const unknown = await s.app.inject({ method: 'POST', url: '/integrations/supabase/int_nope/send-sms', payload: body, headers: signedAttempt([secret], body) });
      assert.equal(unknown.statusCode, 401);
      assert.equal(JSON.parse(unknown.body).error.http_code, 401);
      const verifyOnly = await createApiKey(s.store, 'verify-only', { scopes: ['verify'] });
      const narrow = await createSupabaseIntegration({ store: s.store, keyring: s.services.ctx.keyring }, { name: 'narrow', apiKeyId: verifyOnly.id });
      const denied = await s.app.inject({ method: 'POST', url: `/integrations/supabase/${narrow.id}/send-sms`, payload: body, headers: signedAttempt([narrow.secret], body) });
      assert.equal(denied.statusCode, 403);
      await s.store.revokeIntegration(id, Date.now());
      const revoked = await call(body, signedAttempt([secret], body));
      assert.equal(revoked.statusCode, 401);
      assert.match(JSON.parse(revoked.body).error.message, /revoked/);
      assert.deepEqual(await leaseAll(s), []);
    });

    test('without --key-id the integration gets its own send-only key', async () => {
      const own = await createSupabaseIntegration({ store: s.store, keyring: s.services.ctx.keyring }, { name: 'own' });
      const key = await s.store.getApiKey(own.apiKeyId);
      assert.equal(key!.scopes, 'send');
      const body = JSON.stringify(documentedPayload('112358'));
      const res = await s.app.inject({ method: 'POST', url: `/integrations/supabase/${own.id}/send-sms`, payload: body, headers: signedAttempt([own.secret], body) });
      assert.equal(res.statusCode, 200, res.body);
    });

    test('a payload without sms.otp is 400 naming it; a spent budget is 429 with Retry-After, both in Supabase\'s shape', async () => {
      const bad = JSON.stringify({ user: { phone: '6281234567890' }, sms: {} });
      const res = await call(bad, signedAttempt([secret], bad));
      assert.equal(res.statusCode, 400);
      const answer = JSON.parse(res.body);
      assert.equal(answer.error.http_code, 400);
      assert.deepEqual(answer.errors.map((e: { path: string }) => e.path), ['sms.otp']);
      for (const otp of ['100001', '100002']) {
        const body = JSON.stringify(documentedPayload(otp));
        assert.equal((await call(body, signedAttempt([secret], body))).statusCode, 200);
      }
      const body = JSON.stringify(documentedPayload('100003'));
      const spent = await call(body, signedAttempt([secret], body));
      assert.equal(spent.statusCode, 429);
      assert.ok(Number(spent.headers['retry-after']) >= 1);
      assert.equal(JSON.parse(spent.body).error.http_code, 429);
    });
  });
}
