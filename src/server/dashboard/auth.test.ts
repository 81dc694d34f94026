/**
 * The dashboard's doors over real HTTP handling (app.inject) on both
 * stores: sign-in answers, the login throttle, the session cookie's flags,
 * session lifetime, CSRF refusals, static files and the page fallback.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';
import { DIALECTS } from '../store/index.js';
import { createOperator } from './operators.js';
import { ABSOLUTE_TIMEOUT_MS, IDLE_TIMEOUT_MS } from './sessions.js';
import { dashRequest, sessionCookieOf, signIn, TEST_PASSWORD } from './testing.js';
import { LOGIN_WINDOW_MS, MAX_FAILURES_PER_IP, MAX_FAILURES_PER_USER } from './throttle.js';

const login = (s: TestServer, username: string, password: string, headers: Record<string, string> = {}) =>
  dashRequest(s, 'POST', '/dashboard/api/login', { body: { username, password }, headers });

const cookieHeader = (res: { headers: Record<string, unknown> }) => {
  const c = res.headers['set-cookie'];
  return (Array.isArray(c) ? c : [String(c)]).find((x) => x.startsWith('kirim_session='))!;
};

for (const dialect of DIALECTS) {
  describe(`dashboard sign-in and sessions on ${dialect}`, () => {
    let s: TestServer;
    let clock = Date.now();
    before(async () => {
      s = await createTestServer({ dialect, transport: capturingTransport(), now: () => clock });
      await createOperator(s.store, 'ana', TEST_PASSWORD);
    });
    after(() => s.close());

    test('GET / leads to /dashboard; pages answer index.html; vendor modules and assets are served; unknown API paths are not pages', async () => {
      const root = await dashRequest(s, 'GET', '/');
      assert.equal(root.status, 302);
      assert.equal(root.headers.location, '/dashboard');
      for (const page of ['/dashboard', '/dashboard/', '/dashboard/messages', '/dashboard/messages/msg_123', '/dashboard/login']) {
        const res = await dashRequest(s, 'GET', page);
        assert.equal(res.status, 200, page);
        assert.match(String(res.headers['content-type']), /^text\/html/, page);
        assert.match(res.raw, /<html/);
        assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
      }
      for (const file of ['preact.mjs', 'hooks.mjs', 'htm.mjs']) {
        const res = await dashRequest(s, 'GET', `/dashboard/assets/vendor/${file}`);
        assert.equal(res.status, 200, file);
        assert.match(String(res.headers['content-type']), /javascript/);
        assert.match(res.raw, /export/, `${file} is an ES module`);
      }
      assert.equal((await dashRequest(s, 'GET', '/dashboard/assets/vendor/lodash.mjs')).status, 404);
      const idx = await dashRequest(s, 'GET', '/dashboard/assets/index.html');
      assert.equal(idx.status, 200);
      assert.equal((await dashRequest(s, 'GET', '/dashboard/assets/../../../package.json')).status, 404);
      const api = await dashRequest(s, 'GET', '/dashboard/api/no-such-thing');
      assert.equal(api.status, 401, 'API paths never fall back to the page');
      assert.match(String(api.headers['content-type']), /problem\+json/);
      const doc = await dashRequest(s, 'GET', '/openapi.json');
      assert.ok(!Object.keys(doc.body.paths).some((p) => p.startsWith('/dashboard') || p === '/'), 'the dashboard is not in the API description');
    });

    test('a wrong password and an unknown username get the same 401; nothing signs in', async () => {
      const wrong = await login(s, 'ana', 'not the password');
      const unknown = await login(s, 'nobody', 'not the password');
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.code, 'invalid_credentials');
      assert.deepEqual(unknown.body, wrong.body);
      assert.equal(unknown.status, 401);
      assert.equal(wrong.headers['set-cookie'], undefined);
      assert.equal(unknown.headers['set-cookie'], undefined);
      assert.equal((await login(s, 'ana', '')).status, 400, 'an empty password is bad input');
      await s.store.clearLoginFailures('user:ana');
      await s.store.clearLoginFailures('user:nobody');
    });

    test('signing in sets an HttpOnly, SameSite=Strict cookie on /dashboard (Secure only over https), stored hashed', async () => {
      const res = await login(s, 'ANA', TEST_PASSWORD);
      assert.equal(res.status, 200, res.raw);
      assert.deepEqual(res.body.operator, { username: 'ana' });
      assert.match(res.body.csrf_token, /^[A-Za-z0-9_-]{40,}$/);
      const c = cookieHeader(res);
      assert.match(c, /; HttpOnly/);
      assert.match(c, /; SameSite=Strict/);
      assert.match(c, /; Path=\/dashboard(;|$)/);
      assert.doesNotMatch(c, /; Secure/, 'plain http: a Secure cookie would never come back');
      const token = sessionCookieOf(res.headers['set-cookie'])!;
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      const rows = await s.store.db.selectFrom('operator_sessions').selectAll().execute();
      assert.ok(rows.length >= 1);
      assert.ok(!JSON.stringify(rows).includes(token), 'the token is stored only hashed');
      const ops = await s.store.db.selectFrom('operators').selectAll().execute();
      assert.ok(!JSON.stringify(ops).includes(TEST_PASSWORD));
      assert.match(ops[0]!.password_hash, /^scrypt\$32768\$8\$1\$/);

      const me = await dashRequest(s, 'GET', '/dashboard/api/session', { headers: { cookie: `kirim_session=${token}` } });
      assert.equal(me.status, 200);
      assert.deepEqual(me.body, { operator: { username: 'ana' }, csrf_token: res.body.csrf_token, dev: false });
      assert.equal(me.headers['cache-control'], 'no-store');
      const anon = await dashRequest(s, 'GET', '/dashboard/api/session');
      assert.equal(anon.status, 401);
      assert.equal(anon.body.code, 'unauthenticated');
      const forged = await dashRequest(s, 'GET', '/dashboard/api/session', { headers: { cookie: `kirim_session=${'A'.repeat(43)}` } });
      assert.equal(forged.status, 401);
    });

    test('the cookie is Secure when the request came over https through a trusted proxy, or with KIRIM_COOKIE_SECURE', async () => {
      const viaProxy = { 'x-forwarded-proto': 'https' };
      const untrusted = await login(s, 'ana', TEST_PASSWORD, viaProxy);
      assert.doesNotMatch(cookieHeader(untrusted), /; Secure/, 'X-Forwarded-Proto is ignored unless the proxy is trusted');
      const proxied = await createTestServer({ dialect, transport: capturingTransport(), env: { KIRIM_TRUST_PROXY: 'true' } });
      const forced = await createTestServer({ dialect, transport: capturingTransport(), env: { KIRIM_COOKIE_SECURE: 'true' } });
      try {
        await createOperator(proxied.store, 'ana', TEST_PASSWORD);
        await createOperator(forced.store, 'ana', TEST_PASSWORD);
        const res = await login(proxied, 'ana', TEST_PASSWORD, { ...viaProxy, 'x-forwarded-host': 'kirim.example', origin: 'https://kirim.example' });
        assert.equal(res.status, 200, res.raw);
        assert.match(cookieHeader(res), /; Secure/);
        assert.match(cookieHeader(await login(forced, 'ana', TEST_PASSWORD)), /; Secure/);
        assert.doesNotMatch(cookieHeader(await login(proxied, 'ana', TEST_PASSWORD)), /; Secure/, 'plain http straight to the server');
      } finally {
        await proxied.close();
        await forced.close();
      }
    });

    test('CSRF: a change without the token, with a wrong one, or from another origin is refused with 403 csrf_failed', async () => {
      const op = await signIn(s);
      const noToken = await dashRequest(s, 'POST', '/dashboard/api/logout', { headers: { cookie: op.cookie } });
      assert.equal(noToken.status, 403);
      assert.equal(noToken.body.code, 'csrf_failed');
      const other = await signIn(s);
      const wrong = await op.req('POST', '/dashboard/api/logout', undefined, { 'x-csrf-token': other.csrf });
      assert.equal(wrong.status, 403, 'another session\'s token');
      assert.equal(wrong.body.code, 'csrf_failed');
      const foreign = await op.req('POST', '/dashboard/api/logout', undefined, { origin: 'https://evil.example' });
      assert.equal(foreign.status, 403);
      assert.equal(foreign.body.code, 'csrf_failed');
      const nullOrigin = await op.req('POST', '/dashboard/api/logout', undefined, { origin: 'null' });
      assert.equal(nullOrigin.status, 403);
      assert.equal((await op.req('GET', '/dashboard/api/session')).status, 200, 'still signed in after the refusals');
      const loginCsrf = await login(s, 'ana', TEST_PASSWORD, { origin: 'http://evil.example' });
      assert.equal(loginCsrf.status, 403);
      assert.equal(loginCsrf.body.code, 'csrf_failed');
      // Same origin, right token: signed out, and the cookie no longer opens anything.
      const out = await op.req('POST', '/dashboard/api/logout', undefined, { origin: 'http://localhost' });
      assert.equal(out.status, 204);
      assert.match(cookieHeader(out), /kirim_session=;.*Expires=Thu, 01 Jan 1970/);
      assert.equal((await op.req('GET', '/dashboard/api/session')).status, 401);
      assert.equal((await other.req('GET', '/dashboard/api/session')).status, 200, 'other sessions live on');
    });

    test('a session ends after 12 idle hours, or 7 days after sign-in however busy', async () => {
      const start = clock;
      try {
        const idle = await signIn(s);
        clock += IDLE_TIMEOUT_MS - 60_000;
        assert.equal((await idle.req('GET', '/dashboard/api/session')).status, 200, 'just inside the idle limit, and it counts as activity');
        clock += IDLE_TIMEOUT_MS - 60_000;
        assert.equal((await idle.req('GET', '/dashboard/api/session')).status, 200);
        clock += IDLE_TIMEOUT_MS;
        assert.equal((await idle.req('GET', '/dashboard/api/session')).status, 401);

        const busy = await signIn(s);
        const until = clock + ABSOLUTE_TIMEOUT_MS;
        while (clock + 6 * 3600_000 < until) {
          clock += 6 * 3600_000;
          assert.equal((await busy.req('GET', '/dashboard/api/session')).status, 200);
        }
        clock = until;
        assert.equal((await busy.req('GET', '/dashboard/api/session')).status, 401);
      } finally {
        clock = start;
      }
    });

    test('login throttle: after 5 failures for a username, 429 with an accurate Retry-After, even for the right password', async () => {
      await createOperator(s.store, 'budi', TEST_PASSWORD);
      const start = clock;
      try {
        for (let i = 0; i < MAX_FAILURES_PER_USER; i++) {
          assert.equal((await login(s, 'budi', `wrong ${i}`)).status, 401);
          clock += 1000;
        }
        const blocked = await login(s, 'budi', TEST_PASSWORD);
        assert.equal(blocked.status, 429);
        assert.equal(blocked.body.code, 'rate_limited');
        assert.equal(blocked.headers['retry-after'], String(LOGIN_WINDOW_MS / 1000 - 5));
        assert.equal(blocked.headers['set-cookie'], undefined);
        clock += 5 * 60_000;
        assert.equal((await login(s, 'BUDI', TEST_PASSWORD)).headers['retry-after'], String(LOGIN_WINDOW_MS / 1000 - 5 - 300), 'the same name in other case');
        assert.equal((await login(s, 'ana', TEST_PASSWORD)).status, 200, 'another username from the same address is not blocked');
        clock = start + LOGIN_WINDOW_MS + 1;
        assert.equal((await login(s, 'budi', TEST_PASSWORD)).status, 200, 'the oldest failure left the window');
      } finally {
        clock = start;
      }
    });

    test('login throttle: 20 failures from one address across usernames block that address', async () => {
      const start = (clock += LOGIN_WINDOW_MS * 2);
      try {
        const ip = { 'x-forwarded-for': '203.0.113.9' }; // ignored: not a trusted proxy, so all come from 127.0.0.1
        for (let i = 0; i < MAX_FAILURES_PER_IP; i++) assert.equal((await login(s, `user${i}`, 'wrong', ip)).status, 401);
        const blocked = await login(s, 'ana', TEST_PASSWORD);
        assert.equal(blocked.status, 429);
        assert.ok(Number(blocked.headers['retry-after']) > 0);
      } finally {
        clock = start + LOGIN_WINDOW_MS * 2;
      }
    });
  });
}
