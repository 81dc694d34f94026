import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeEmail, normalizePhone, normalizeSender } from './destinations.js';
import { ApiError } from './errors.js';

const rules = { defaultRegion: 'ID' as const, allowedCountries: ['ID' as const] };

test('national and E.164 Indonesian mobile numbers become E.164', () => {
  assert.equal(normalizePhone('081234567890', rules), '+6281234567890');
  assert.equal(normalizePhone('+6281234567890', rules), '+6281234567890');
  assert.equal(normalizePhone('0812-3456-7890', rules), '+6281234567890');
});

test('foreign, fixed-line, malformed and hostile values are refused with invalid_destination', () => {
  for (const bad of ['+14155552671', '../../etc/passwd', '+62812\r\nBcc: x@y', '0812\u00003456', '12', '+6221555123', 'abc', '+62812345678901234567890']) {
    assert.throws(
      () => normalizePhone(bad, rules),
      (e: unknown) => e instanceof ApiError && e.status === 422 && e.code === 'invalid_destination',
      bad,
    );
  }
});

test('another allowed country passes', () => {
  assert.equal(normalizePhone('+14155552671', { defaultRegion: 'ID', allowedCountries: ['ID', 'US'] }), '+14155552671');
});

test('emails are lower-cased and validated', () => {
  assert.equal(normalizeEmail(' User@Example.COM '), 'user@example.com');
  for (const bad of ['user', 'a@b', 'x@y\r\nBcc: z@w', '../../etc/passwd']) {
    assert.throws(() => normalizeEmail(bad), (e: unknown) => e instanceof ApiError && e.code === 'invalid_destination', bad);
  }
});

test('inbound senders: numbers become E.164 however written; names and unknown short codes stay as given', () => {
  for (const n of ['081234567890', '+6281234567890', '6281234567890', '0812-3456-7890', ' 0812 3456 7890 ']) assert.equal(normalizeSender(n, 'ID'), '+6281234567890', n);
  assert.equal(normalizeSender('+14155552671', 'ID'), '+14155552671', 'any country may write to us');
  for (const keep of ['TELKOMSEL', 'Bank BCA', '3636', '62812', 'INFO-123']) assert.equal(normalizeSender(keep, 'ID'), keep.trim(), keep);
});
