/**
 * POST /integrations/send and POST /integrations/authentik/sms, in process,
 * against every store dialect: what each accepts (authentik's documented
 * payload and auth header), who may call it, that a caller's code is
 * nowhere in the store in clear yet reaches the gateway whole, budgets,
 * idempotency and metrics.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createApiKey } from '../credentials.js';
import { hashToken } from '../crypto.js';
import { DIALECTS } from '../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';
import { basic, inClear, leaseAll, tablesHolding } from './testing.js';

const TO = '+6281234567890';

for (const dialect of DIALECTS) {
  describe(`integration endpoints (${dialect})`, () => {
    let s: TestServer;
    beforeEach(async () => {
      s = await createTestServer({ dialect, transport: capturingTransport(), env: { KIRIM_BUDGET_DESTINATION_PER_HOUR: '3' } });
    });
    afterEach(() => s.close());

    const post = (url: string, payload: string, headers: Record<string, string>) => s.app.inject({ method: 'POST', url, payload, headers });

    test('send: JSON with a Bearer key queues the SMS through messages.insert (202 with the message)', async () => {
      const r = await s.api('POST', '/integrations/send', { to: '081234567890', text: 'Paket Anda tiba besok.' });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.match(r.body.id, /^msg_/);
      assert.equal(r.body.to, TO);
      assert.equal(r.body.status, 'queued');
      const read = await s.api('GET', `/v1/messages/${r.body.id}`);
      assert.equal(read.body.events[0].detail, 'accepted by /integrations/send');
      assert.deepEqual((await leaseAll(s)).map((m) => [m.id, m.text]), [[r.body.id, 'Paket Anda tiba besok.']]);
    });

    test('send: a form with the key as the Basic password works the same', async () => {
      const r = await post('/integrations/send', new URLSearchParams({ to: TO, text: 'Halo dari formulir' }).toString(), {
        authorization: basic('any-user', s.apiKey),
        'content-type': 'application/x-www-form-urlencoded',
      });
      assert.equal(r.statusCode, 202, r.body);
      assert.equal((await leaseAll(s))[0]!.text, 'Halo dari formulir');
    });

    test('send: a caller\'s code is stored masked, in no table in clear, and reaches the gateway whole', async () => {
      const code = '482913';
      const r = await s.api('POST', '/integrations/send', { to: TO, text: `Kode masuk Anda: ${code}`, code }, { 'idempotency-key': 'login-1' });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.equal(r.body.text, 'Kode masuk Anda: ******');
      assert.equal(r.body.priority, 'high', 'a code is waited for');
      // The message lives as long as a verification code does, not a day.
      assert.equal(Date.parse(r.body.expires_at) - Date.parse(r.body.created_at), s.config.otp.ttlSeconds * 1000);
      const again = await s.api('POST', '/integrations/send', { to: TO, text: `Kode masuk Anda: ${code}`, code }, { 'idempotency-key': 'login-1' });
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.body.id, r.body.id);
      assert.deepEqual(await tablesHolding(s, dialect, inClear(code)), [], 'the code is in no table in clear (messages, events, idempotency records)');
      // Nor as a plain SHA-256 of the request, which a million guesses would reverse.
      const record = await s.store.getIdempotency((await s.store.findApiKeyByHash(hashToken(s.apiKey)))!.id, 'login-1');
      for (const params of ['{}', 'null']) {
        const plain = createHash('sha256').update(`POST /integrations/send\n${JSON.stringify({ to: TO, text: `Kode masuk Anda: ${code}`, code })}\n${params}`).digest('hex');
        assert.notEqual(record!.fingerprint, plain);
      }
      const leased = await leaseAll(s);
      assert.deepEqual(leased.map((m) => m.text), [`Kode masuk Anda: ${code}`], 'one SMS, with the code filled in at lease time');
    });

    test('send: a code that is not in the text, an unknown field, a bad number: problem+json naming it', async () => {
      const noCode = await s.api('POST', '/integrations/send', { to: TO, text: 'Kode Anda: 111111', code: '222222' });
      assert.equal(noCode.status, 400);
      assert.equal(noCode.headers['content-type'], 'application/problem+json');
      assert.match(noCode.body.detail, /`code` must appear in `text`/);
      const extra = await s.api('POST', '/integrations/send', { to: TO, text: 'x', from: 'me' });
      assert.equal(extra.status, 400);
      assert.equal(extra.body.code, 'validation_failed');
      const bad = await s.api('POST', '/integrations/send', { to: '12', text: 'x' });
      assert.equal(bad.status, 422);
      assert.equal(bad.body.code, 'invalid_destination');
      assert.deepEqual(await leaseAll(s), [], 'nothing was queued');
    });

    test('who may call: a send-only key sends here and nothing else; a key without send or messages gets 403; no key 401', async () => {
      const sendOnly = (await createApiKey(s.store, 'idp', { scopes: ['send'] })).key;
      const verifyOnly = (await createApiKey(s.store, 'app', { scopes: ['verify'] })).key;
      const json = { 'content-type': 'application/json' };
      const body = JSON.stringify({ to: TO, text: 'hai' });
      assert.equal((await post('/integrations/send', body, { ...json, authorization: `Bearer ${sendOnly}` })).statusCode, 202);
      const v1 = await post('/v1/messages', JSON.stringify({ to: TO, channel: 'sms', text: 'hai' }), { ...json, authorization: `Bearer ${sendOnly}` });
      assert.equal(v1.statusCode, 403, 'the send scope does not open /v1');
      const denied = await post('/integrations/send', body, { ...json, authorization: `Bearer ${verifyOnly}` });
      assert.equal(denied.statusCode, 403);
      assert.match(JSON.parse(denied.body).detail, /lacks the send scope/);
      assert.equal((await post('/integrations/send', body, json)).statusCode, 401);
      assert.equal((await post('/integrations/send', body, { ...json, authorization: basic('u', 'kk_wrong') })).statusCode, 401);
      assert.equal((await post('/integrations/send', body, { ...json, authorization: `Bearer ${s.gatewayToken}` })).statusCode, 401);
      assert.equal((await post('/integrations/send', body, { ...json, authorization: 'Digest abc' })).statusCode, 401);
    });

    test('budgets apply as for /v1/messages: the destination budget refuses the 4th SMS with 429 and Retry-After', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await s.api('POST', '/integrations/send', { to: TO, text: `pesan ${i}` })).status, 202);
      const refused = await s.api('POST', '/integrations/authentik/sms', { From: 'x', To: TO, Body: '123456' });
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers['retry-after']) >= 1);
      assert.equal((await leaseAll(s)).length, 3);
    });

    test("authentik: the documented payload (From, To, Body = token) with a Bearer key queues Kirim's text with the token, stored masked", async () => {
      const r = await s.api('POST', '/integrations/authentik/sms', { From: '+6280000000', To: TO, Body: '735190' });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.doesNotMatch(r.body.text, inClear('735190'));
      assert.deepEqual(await tablesHolding(s, dialect, inClear('735190')), []);
      const [sms] = await leaseAll(s);
      assert.equal(sms!.text, 'Kode masuk Kirim Anda: 735190. Jangan berikan kode ini kepada siapa pun.');
    });

    test("authentik: with Basic auth (authentik's auth = user, auth_password = key) and its Message, the Message is sent", async () => {
      const message = 'Use this code to authenticate in authentik: 735190';
      const r = await post('/integrations/authentik/sms', JSON.stringify({ From: 'authentik', To: '081234567890', Body: '735190', Message: message }), {
        authorization: basic('authentik', s.apiKey),
        'content-type': 'application/json',
      });
      assert.equal(r.statusCode, 202, r.body);
      assert.equal(JSON.parse(r.body).text, 'Use this code to authenticate in authentik: ******');
      assert.equal((await leaseAll(s))[0]!.text, message);
    });

    test('authentik: a payload without To is 400 naming the field; an unknown field is ignored', async () => {
      const r = await s.api('POST', '/integrations/authentik/sms', { From: 'a', Body: '123456' });
      assert.equal(r.status, 400);
      assert.deepEqual(r.body.errors.map((e: { path: string }) => e.path), ['To']);
      const extra = await s.api('POST', '/integrations/authentik/sms', { To: TO, Body: '123456', device: 'x' });
      assert.equal(extra.status, 202);
    });

    test('metrics count requests by integration and outcome', async () => {
      await s.api('POST', '/integrations/send', { to: TO, text: 'a' }, { 'idempotency-key': 'k1' });
      await s.api('POST', '/integrations/send', { to: TO, text: 'a' }, { 'idempotency-key': 'k1' });
      await s.api('POST', '/integrations/authentik/sms', { To: TO });
      const text = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(text, /kirim_integration_requests_total\{integration="send",outcome="queued"\} 1/);
      assert.match(text, /kirim_integration_requests_total\{integration="send",outcome="replayed"\} 1/);
      assert.match(text, /kirim_integration_requests_total\{integration="authentik",outcome="400"\} 1/);
    });
  });
}
