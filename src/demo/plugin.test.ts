/**
 * The demo application as its own Fastify app, talking over real HTTP to a
 * real Kirim server (SQLite): cookies and headers, CSRF, the language
 * switch (no open redirect), sign-up refusals, the verified-only log-in
 * rule, the password throttle, and Kirim being unreachable. The whole
 * scenario in a browser is test/demo.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { capturingTransport, createTestServer, type TestServer } from '../server/testing.js';
import { createApiKey } from '../server/credentials.js';
import { demoApp } from './plugin.js';

let kirim: TestServer;
let demo: FastifyInstance;
let offline: FastifyInstance;

before(async () => {
  kirim = await createTestServer({ transport: capturingTransport() });
  await kirim.app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(kirim.app.server.address() as AddressInfo).port}`;
  demo = Fastify();
  await demo.register(demoApp({ dir: mkdtempSync(join(tmpdir(), 'kirim-demo-')), kirim: { baseUrl, apiKey: kirim.apiKey } }));
  // A demo whose Kirim does not answer (a port nothing listens on).
  offline = Fastify();
  await offline.register(demoApp({ dir: mkdtempSync(join(tmpdir(), 'kirim-demo-')), kirim: { baseUrl: 'http://127.0.0.1:9', apiKey: 'kk_x' } }));
});
after(async () => {
  await demo?.close();
  await offline?.close();
  await kirim?.close();
});

/** A browser-like session: keeps cookies, reads the CSRF token from forms. */
function browser(app: () => FastifyInstance, acceptLanguage = 'id-ID') {
  const jar = new Map<string, string>();
  let csrf = '';
  return {
    jar,
    async req(method: 'GET' | 'POST', url: string, form?: Record<string, string>, { withCsrf = true } = {}) {
      const res = await app().inject({
        method,
        url,
        headers: {
          'accept-language': acceptLanguage,
          cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(form ? { payload: new URLSearchParams(withCsrf ? { _csrf: csrf, ...form } : form).toString() } : {}),
      });
      for (const c of res.cookies as Array<{ name: string; value: string }>) jar.set(c.name, c.value);
      csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? csrf;
      return res;
    },
  };
}

const flashOf = (body: string) => /id="flash">([^<]*)</.exec(body)?.[1];

test('pages: HttpOnly SameSite=Lax session cookie for /demo only, a strict CSP, the language from Accept-Language', async () => {
  const b = browser(() => demo, 'en-GB,en;q=0.9');
  const res = await b.req('GET', '/demo/signup');
  assert.equal(res.statusCode, 200);
  const cookie = (res.cookies as Array<Record<string, unknown>>).find((c) => c.name === 'demo_session')!;
  assert.deepEqual([cookie.httpOnly, cookie.sameSite, cookie.path], [true, 'Lax', '/demo']);
  assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.match(res.body, /<html lang="en">/);
  assert.match(res.body, /<h1>Sign up<\/h1>/);
  const css = await demo.inject('/demo/demo.css');
  assert.equal(css.statusCode, 200);
  assert.ok(!css.headers['set-cookie'], 'assets start no session');
  const missing = await b.req('GET', '/demo/nothing-here');
  assert.equal(missing.statusCode, 404);
  assert.match(missing.body, /Page not found\./);
});

test('a form without the session\'s CSRF token is refused, and nothing is created', async () => {
  const b = browser(() => demo);
  await b.req('GET', '/demo/signup');
  const res = await b.req('POST', '/demo/signup', { name: 'M', phone: '081234500001', email: 'm@example.test', password: 'password123' }, { withCsrf: false });
  assert.equal(res.statusCode, 403);
  assert.match(res.body, /Formulir ini sudah kedaluwarsa/);
  assert.equal((await kirim.api('GET', '/v1/messages')).body.data.length, 0);
});

test('the language switch sets a cookie and returns only to a demo page (no open redirect)', async () => {
  const b = browser(() => demo);
  const back = await b.req('GET', '/demo/lang/en?next=%2Fdemo%2Flogin');
  assert.equal(back.statusCode, 303);
  assert.equal(back.headers.location, '/demo/login');
  assert.equal(b.jar.get('demo_lang'), 'en');
  assert.match((await b.req('GET', '/demo/login')).body, /<h1>Log in<\/h1>/);
  for (const next of ['https://evil.example/', '//evil.example', '/dashboard', '/demo/../v1/x']) {
    const res = await b.req('GET', `/demo/lang/id?next=${encodeURIComponent(next)}`);
    assert.equal(res.headers.location, '/demo/', next);
  }
});

test('sign-up: a number Kirim refuses, a number or email already registered', async () => {
  const b = browser(() => demo);
  await b.req('GET', '/demo/signup');
  const foreign = await b.req('POST', '/demo/signup', { name: 'Ana', phone: '+44 20 7946 0958', email: 'ana@example.test', password: 'password123' });
  assert.equal(foreign.statusCode, 422, 'Kirim allows Indonesian numbers only here');
  assert.match(foreign.body, /id="phone-error">Nomor HP ini tidak bisa dipakai/);

  const ok = await b.req('POST', '/demo/signup', { name: 'Ana', phone: '0812-3450-0002', email: 'Ana@Example.test', password: 'password123' });
  assert.equal(ok.statusCode, 303);
  assert.equal(ok.headers.location, '/demo/verify/phone');
  const page = await b.req('GET', '/demo/verify/phone');
  assert.match(page.body, /Kami mengirim kode lewat SMS ke \+62812•+002\./);

  const other = browser(() => demo);
  await other.req('GET', '/demo/signup');
  const samePhone = await other.req('POST', '/demo/signup', { name: 'Ani', phone: '+62 812 3450 0002', email: 'ani@example.test', password: 'password123' });
  assert.equal(samePhone.statusCode, 422);
  assert.match(samePhone.body, /Nomor HP ini sudah terdaftar\./);
  const sameEmail = await other.req('POST', '/demo/signup', { name: 'Ani', phone: '081234500003', email: 'ana@example.test', password: 'password123' });
  assert.match(sameEmail.body, /Email ini sudah terdaftar\./);
});

test('log-in: only a verified account; wrong passwords are throttled', async () => {
  const b = browser(() => demo);
  await b.req('GET', '/demo/signup');
  await b.req('POST', '/demo/signup', { name: 'Budi', phone: '081234500010', email: 'budi10@example.test', password: 'password123' });

  const c = browser(() => demo);
  await c.req('GET', '/demo/login');
  const unverified = await c.req('POST', '/demo/login', { email: 'budi10@example.test', password: 'password123' });
  assert.equal(unverified.statusCode, 303);
  assert.equal(unverified.headers.location, '/demo/verify/phone', 'sent to finish the verification, not signed in');
  assert.equal(flashOf((await c.req('GET', '/demo/verify/phone')).body), 'Hanya akun yang sudah terverifikasi yang bisa masuk. Selesaikan verifikasi dulu.');
  assert.equal((await c.req('GET', '/demo/account')).headers.location, '/demo/login');

  const d = browser(() => demo);
  await d.req('GET', '/demo/login');
  for (let i = 0; i < 10; i++) {
    const res = await d.req('POST', '/demo/login', { email: 'budi10@example.test', password: `wrong-${i}` });
    assert.equal(res.statusCode, 401);
    assert.equal(flashOf(res.body), 'Email atau kata sandi salah.');
  }
  const throttled = await d.req('POST', '/demo/login', { email: 'budi10@example.test', password: 'password123' });
  assert.equal(throttled.statusCode, 429, 'even the right password waits once the limit is reached');
  assert.match(flashOf(throttled.body)!, /^Terlalu banyak percobaan\. Coba lagi dalam \d+ detik\.$/);
});

test('Kirim unreachable: the person is told to try again shortly; no account is created', async () => {
  const b = browser(() => offline);
  await b.req('GET', '/demo/signup');
  const res = await b.req('POST', '/demo/signup', { name: 'Citra', phone: '081234500020', email: 'citra@example.test', password: 'password123' });
  assert.equal(res.statusCode, 503);
  assert.equal(flashOf(res.body), 'Layanan pengiriman kode sedang tidak tersedia. Coba lagi sebentar lagi.');
  const again = await b.req('POST', '/demo/signup', { name: 'Citra', phone: '081234500020', email: 'citra@example.test', password: 'password123' });
  assert.equal(again.statusCode, 503, 'not "already registered"');
});

test("with webOrigin the demo makes it its key's web_origin before the first code; a key that may not change settings still sends codes", async () => {
  const baseUrl = `http://127.0.0.1:${(kirim.app.server.address() as AddressInfo).port}`;
  const withScope = await createApiKey(kirim.store, 'demo-settings', { scopes: ['verify', 'settings'] });
  const without = await createApiKey(kirim.store, 'demo-plain', { scopes: ['verify'] });
  const apps = await Promise.all(
    [withScope.key, without.key].map(async (apiKey) => {
      const app = Fastify();
      await app.register(demoApp({ dir: mkdtempSync(join(tmpdir(), 'kirim-demo-')), kirim: { baseUrl, apiKey }, webOrigin: 'https://demo.kirim.example' }));
      return app;
    }),
  );
  try {
    const phones = ['081234500041', '081234500042'];
    for (const [i, app] of apps.entries()) {
      const b = browser(() => app);
      await b.req('GET', '/demo/signup');
      const ok = await b.req('POST', '/demo/signup', { name: 'Wati', phone: phones[i]!, email: `wati${i}@example.test`, password: 'password123' });
      assert.equal(ok.statusCode, 303, ok.body);
      assert.match((await b.req('GET', '/demo/verify/phone')).body, /data-webotp/, 'the SMS code field asks for WebOTP');
    }
    const [toSettings] = (await kirim.store.listMessages({ apiKeyId: withScope.id, limit: 1 })).items;
    const [toPlain] = (await kirim.store.listMessages({ apiKeyId: without.id, limit: 1 })).items;
    assert.ok(toSettings && toPlain);
    assert.equal(toSettings.text.split('\n').at(-1), '@demo.kirim.example #******', 'the key with the settings scope got the origin');
    assert.doesNotMatch(toPlain.text, /@demo\.kirim\.example/, 'the other key sent its code without the line');
  } finally {
    await Promise.all(apps.map((a) => a.close()));
  }
});
