/**
 * GET/PUT /v1/settings and what a verification does with them, on both
 * dialects: the scope, the composer check's refusals (400/422 naming the
 * problem and the length), the SMS a gateway leases (origin-bound last
 * line, app hash, the key's template) approving with the code read from
 * it, the locale fallback (request, key default, server default), and the
 * key's email template.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseOriginBoundMessage } from '../../../test/support/origin-bound.js';
import { createApiKey } from '../credentials.js';
import { DIALECTS } from '../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';

const HASH = 'FA+9qCX9VSu';

for (const dialect of DIALECTS) {
  describe(`OTP settings per API key (${dialect})`, () => {
    let s: TestServer;
    const transport = capturingTransport();
    let n = 0;
    const phone = () => `+628123400${String(++n).padStart(4, '0')}`;
    before(async () => {
      s = await createTestServer({ dialect, transport, apiKeyScopes: ['verify', 'settings'] });
    });
    after(() => s.close());

    const leaseText = async (to: string) => {
      const r = await s.gw('/lease', { max: 100, wait_ms: 0 });
      const m = (r.body.messages as Array<{ to: string; text: string }>).find((x) => x.to === to);
      assert.ok(m, `an SMS to ${to} was leased`);
      return m.text;
    };

    test('a key without settings reads the built-in texts; changing them needs the settings scope', async () => {
      const got = await s.api('GET', '/v1/settings');
      assert.equal(got.status, 200);
      assert.deepEqual({ ...got.body, preview: undefined, sms_length: undefined }, { web_origin: null, android_app_hash: null, default_locale: null, templates: {}, preview: undefined, sms_length: undefined, updated_at: null });
      assert.match(got.body.preview.id, /^Kode verifikasi Kirim Anda: 123456\./);
      const plain = (await createApiKey(s.store, 'plain')).key;
      const put = await s.app.inject({ method: 'PUT', url: '/v1/settings', headers: { authorization: `Bearer ${plain}`, 'content-type': 'application/json' }, payload: '{}' });
      assert.equal(put.statusCode, 403);
      assert.match(JSON.parse(put.body).detail, /settings scope/);
    });

    test('formats are checked: an origin with a path or over http, an app hash of the wrong length (400)', async () => {
      for (const [body, path] of [
        [{ web_origin: 'https://toko.example/login' }, 'web_origin'],
        [{ web_origin: 'http://toko.example' }, 'web_origin'],
        [{ web_origin: 'https://toko.example/' }, 'web_origin'],
        [{ android_app_hash: 'FA+9qCX9VS' }, 'android_app_hash'],
        [{ android_app_hash: 'FA+9qCX9VSu!' }, 'android_app_hash'],
        [{ default_locale: 'fr' }, 'default_locale'],
      ] as const) {
        const r = await s.api('PUT', '/v1/settings', body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.body.code, 'validation_failed');
        assert.ok(JSON.stringify(r.body).includes(path), JSON.stringify(r.body));
      }
    });

    test('the composer check refuses, with 422 naming the problem and the computed length, and saves nothing', async () => {
      const cases: Array<[unknown, string, RegExp]> = [
        [{ templates: { sms: { en: 'Your code is ready' } } }, 'template_placeholder', /en SMS template lacks the \{code\}/],
        [{ templates: { sms: { en: '{code} {code}' } } }, 'template_placeholder', /2 times/],
        [{ templates: { sms: { id: 'Kode {kode}' } } }, 'template_placeholder', /unknown placeholder \{kode\}/],
        [{ templates: { sms: { id: 'Kode ✓ {code}' } } }, 'template_encoding', /UCS-2/],
        [{ templates: { sms: { en: `{code} ${'€'.repeat(75)}` } } }, 'template_too_long', /renders to 161 GSM-7 septets/],
        [{ web_origin: 'https://a-very-long-subdomain.of-a-long-domain.example', android_app_hash: HASH }, 'template_too_long', /built-in id SMS text renders to \d+ GSM-7 septets .* app hash line and the origin-bound line/],
        [{ templates: { email: { en: { subject: 'Code', text: 'no code here' } } } }, 'template_placeholder', /en email text lacks the \{code\}/],
      ];
      for (const [body, code, detail] of cases) {
        const r = await s.api('PUT', '/v1/settings', body);
        assert.equal(r.status, 422, JSON.stringify(body));
        assert.equal(r.body.code, code);
        assert.match(r.body.detail, detail);
      }
      // One that fits alone but not with the lines (150 + 10-digit code = 160, then the hash line).
      const fits = `{code}${'x'.repeat(150)}`;
      assert.equal((await s.api('PUT', '/v1/settings', { templates: { sms: { en: fits } } })).status, 200);
      const r = await s.api('PUT', '/v1/settings', { android_app_hash: HASH, templates: { sms: { en: fits } } });
      assert.equal(r.status, 422);
      assert.match(r.body.detail, /172 GSM-7 septets/);
      assert.deepEqual(r.body.errors, [{ path: 'templates.sms.en', message: '172 septets' }]);
      assert.equal((await s.api('GET', '/v1/settings')).body.android_app_hash, null, 'nothing of the refused settings was saved');
    });

    test('an SMS verification ends with the origin-bound line and carries the app hash; the code read from it approves', async () => {
      const put = await s.api('PUT', '/v1/settings', { web_origin: 'https://toko.example', android_app_hash: HASH, templates: { sms: { en: '{code} is your {app} code, valid {minutes} min.' } } });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(put.body.preview.en, '123456 is your Kirim code, valid 10 min.\nFA+9qCX9VSu\n@toko.example #123456');
      assert.equal(put.body.sms_length.en, '9999999999 is your Kirim code, valid 1440 min.\nFA+9qCX9VSu\n@toko.example #9999999999'.length);

      const to = phone();
      const v = await s.api('POST', '/v1/verifications', { to, channel: 'sms', locale: 'en' });
      assert.equal(v.status, 201);
      const text = await leaseText(to);
      const parsed = parseOriginBoundMessage(text);
      assert.ok(parsed, text);
      assert.equal(parsed.origin, 'https://toko.example');
      assert.match(text, new RegExp(`^${parsed.code} is your Kirim code, valid 10 min\\.\\n${HASH.replace('+', '\\+')}\\n@toko\\.example #${parsed.code}$`));
      const row = (await s.store.messagesOfVerification(v.body.id))[0]!;
      assert.ok(row.text.endsWith('@toko.example #******'), `stored masked: ${row.text}`);
      assert.equal(row.segments, 1);
      const checked = await s.api('POST', '/v1/verifications/check', { id: v.body.id, code: parsed.code });
      assert.equal(checked.body.status, 'approved');
    });

    test('locale: the request\'s, else the key\'s default, else the server\'s', async () => {
      assert.equal((await s.api('PUT', '/v1/settings', { default_locale: 'en', templates: { sms: { en: 'EN {code}', id: 'ID {code}' } } })).status, 200);
      const asked = phone();
      await s.api('POST', '/v1/verifications', { to: asked, channel: 'sms', locale: 'id' });
      assert.match(await leaseText(asked), /^ID \d{6}$/);
      const keyDefault = phone();
      await s.api('POST', '/v1/verifications', { to: keyDefault, channel: 'sms' });
      assert.match(await leaseText(keyDefault), /^EN \d{6}$/, "the key's default locale");
      // A key with no settings gets the server's default (id).
      const other = (await createApiKey(s.store, 'other')).key;
      const serverDefault = phone();
      const r = await s.app.inject({ method: 'POST', url: '/v1/verifications', headers: { authorization: `Bearer ${other}`, 'content-type': 'application/json' }, payload: JSON.stringify({ to: serverDefault, channel: 'sms' }) });
      assert.equal(r.statusCode, 201);
      assert.match(await leaseText(serverDefault), /^Kode verifikasi Kirim Anda: \d{6}\./);
    });

    test("an email verification uses the key's email template for its locale, the built-in one otherwise", async () => {
      assert.equal((await s.api('PUT', '/v1/settings', { templates: { email: { en: { subject: '{app}: sign-in code', text: 'Hello,\n\nyour code is {code} ({minutes} minutes).' } } } })).status, 200);
      await s.api('POST', '/v1/verifications', { to: 'custom@example.com', channel: 'email', locale: 'en' });
      await s.api('POST', '/v1/verifications', { to: 'builtin@example.com', channel: 'email', locale: 'id' });
      await s.services.email.runOnce();
      const custom = transport.sent.find((m) => m.to === 'custom@example.com');
      assert.ok(custom);
      assert.equal(custom.subject, 'Kirim: sign-in code');
      assert.match(custom.text, /^Hello,\n\nyour code is \d{6} \(10 minutes\)\.$/);
      const builtIn = transport.sent.find((m) => m.to === 'builtin@example.com');
      assert.ok(builtIn);
      assert.match(builtIn.subject, /^Kode verifikasi Kirim: \d{6}$/);
      assert.match(builtIn.html ?? '', /font-size:32px/, 'the built-in email keeps its HTML part');
    });
  });
}
