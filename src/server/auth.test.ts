/**
 * Bearer authentication through the real app: which answer each kind of
 * bad header gets, and that the scheme name is case-insensitive for API
 * keys and gateway tokens alike.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from './errors.js';
import { bearerToken } from './auth.js';
import { capturingTransport, createTestServer, type TestServer } from './testing.js';

describe('bearerToken', () => {
  const detail = (h: string | undefined) => {
    try {
      bearerToken(h);
      return 'accepted';
    } catch (err) {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 401);
      return err.detail;
    }
  };

  test('the scheme name in any case, surrounding spaces tolerated', () => {
    for (const h of ['Bearer kk_abc', 'bearer kk_abc', 'BEARER kk_abc', 'bEaReR   kk_abc', 'Bearer kk_abc ']) assert.equal(bearerToken(h), 'kk_abc', h);
  });

  test('a missing or malformed header says so', () => {
    assert.match(detail(undefined), /missing Authorization/);
    for (const h of ['Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'kk_abc', 'Bearer kk abc', 'Bearer kk_a\u00e9']) {
      assert.match(detail(h), /malformed Authorization header/, JSON.stringify(h));
    }
  });

  test('any token68 is well-formed, short or long', () => {
    for (const t of ['x', 'abc', 'kk_short', 'a.b~c+d/e==', 'kk_' + 'A'.repeat(300)]) assert.equal(bearerToken(`Bearer ${t}`), t);
  });
});

describe('authentication over HTTP', () => {
  let s: TestServer;
  before(async () => {
    s = await createTestServer({ transport: capturingTransport() });
  });
  after(async () => {
    await s.close();
  });

  const get = (authorization: string) => s.app.inject({ method: 'GET', url: '/v1/messages', headers: { authorization } });
  const lease = (authorization: string) =>
    s.app.inject({ method: 'POST', url: '/gateway/v1/lease', headers: { authorization, 'content-type': 'application/json' }, payload: '{"wait_ms":0}' });

  test('an API key and a gateway token work with the scheme in any case', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      assert.equal((await get(`${scheme} ${s.apiKey}`)).statusCode, 200, scheme);
      assert.equal((await lease(`${scheme} ${s.gatewayToken}`)).statusCode, 200, scheme);
    }
  });

  test('a well-formed but wrong token is unknown or revoked, not malformed', async () => {
    for (const token of ['kk_wrongwrongwrongwrong', 'abc', 'kk_x', 'not-a-kirim-key']) {
      const r = await get(`Bearer ${token}`);
      assert.equal(r.statusCode, 401);
      const body = JSON.parse(r.body);
      assert.equal(body.code, 'unauthorized');
      assert.match(body.detail, /unknown or revoked API key/, token);
      assert.match(r.headers['content-type'] as string, /application\/problem\+json/);
    }
    const gw = JSON.parse((await lease('bearer kg_wrong')).body);
    assert.match(gw.detail, /unknown or revoked gateway token/);
  });

  test('a malformed header keeps the format message', async () => {
    const r = JSON.parse((await get(`Token ${s.apiKey}`)).body);
    assert.match(r.detail, /malformed Authorization header: expected Bearer <token>/);
  });
});
