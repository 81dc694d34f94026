import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSettings, otpTextSettings, resolveLocale } from './app-settings.js';
import { ApiError } from './errors.js';

const row = { api_key_id: 'key_a', web_origin: 'https://toko.example', android_app_hash: 'FA+9qCX9VSu', default_locale: 'en' as const, templates: '{"sms":{"en":"{code}"}}', updated_at: 1 };

test('the locale is the request\'s, else the key\'s default, else the server\'s', () => {
  const withDefault = otpTextSettings(row);
  assert.equal(resolveLocale('id', withDefault, 'id'), 'id');
  assert.equal(resolveLocale(undefined, withDefault, 'id'), 'en');
  assert.equal(resolveLocale(undefined, otpTextSettings(undefined), 'id'), 'id');
  assert.equal(resolveLocale(undefined, otpTextSettings({ ...row, default_locale: null }), 'en'), 'en');
});

test('stored settings read back; templates that no longer parse count as none instead of failing every send', () => {
  assert.deepEqual(otpTextSettings(row), { autofill: { webOrigin: 'https://toko.example', androidAppHash: 'FA+9qCX9VSu' }, defaultLocale: 'en', templates: { sms: { en: '{code}' } } });
  assert.deepEqual(otpTextSettings({ ...row, templates: 'not json' }).templates, {});
  assert.deepEqual(otpTextSettings({ ...row, templates: '{"sms":{"fr":"x"}}' }).templates, {});
});

test('the whole set is checked: built-in texts count too, and the refusal names the field', () => {
  assert.deepEqual(checkSettings({}, { appName: 'Kirim' }), { id: 101, en: 101 });
  const longHost = `https://${'a'.repeat(40)}.example`;
  assert.throws(
    () => checkSettings({ web_origin: longHost }, { appName: 'Kirim' }),
    (e: unknown) => e instanceof ApiError && e.status === 422 && e.code === 'template_too_long' && /built-in id SMS text renders to 163 GSM-7 septets/.test(e.detail) && e.extra.errors?.[0]?.path === 'web_origin',
  );
  assert.throws(
    () => checkSettings({ templates: { email: { id: { subject: '{code} {code}', text: '{code}' } } } }, { appName: 'Kirim' }),
    (e: unknown) => e instanceof ApiError && e.code === 'template_placeholder' && /id email subject has \{code\} 2 times/.test(e.detail),
  );
});
