import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSms, renderOtpSms } from './sms-text.js';

test('GSM-7 and UCS-2 texts are told apart and counted', () => {
  assert.deepEqual(analyzeSms('Halo dunia'), { encoding: 'gsm7', segments: 1 });
  assert.deepEqual(analyzeSms('Harga 10€ [promo]'), { encoding: 'gsm7', segments: 1 });
  assert.deepEqual(analyzeSms('Kode ✓'), { encoding: 'ucs2', segments: 1 });
  assert.deepEqual(analyzeSms('x'.repeat(160)), { encoding: 'gsm7', segments: 1 });
  assert.deepEqual(analyzeSms('x'.repeat(161)), { encoding: 'gsm7', segments: 2 });
  assert.deepEqual(analyzeSms('x'.repeat(400)), { encoding: 'gsm7', segments: 3 });
  assert.deepEqual(analyzeSms('😀'.repeat(36)), { encoding: 'ucs2', segments: 2 });
});

test('OTP texts are one GSM-7 segment in both locales with the longest app name and code', () => {
  for (const locale of ['id', 'en'] as const) {
    const text = renderOtpSms({ appName: 'A'.repeat(20), code: '1234567890', ttlMinutes: 1440, locale });
    assert.deepEqual(analyzeSms(text), { encoding: 'gsm7', segments: 1 }, text);
    assert.ok(text.includes('1234567890'));
  }
  assert.equal(
    renderOtpSms({ appName: 'Kirim', code: '123456', ttlMinutes: 10, locale: 'id' }),
    'Kode verifikasi Kirim Anda: 123456. Berlaku 10 menit. Jangan berikan kode ini kepada siapa pun.',
  );
  assert.match(renderOtpSms({ appName: 'Kirim', code: '123456', ttlMinutes: 0, locale: 'en' }), /Valid for 1 minutes\./, 'a lifetime under a minute never reads as 0');
});
