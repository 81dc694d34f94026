/**
 * OTP texts: the autofill lines parse as an origin-bound code for the right
 * origin and code (WICG parser in test/support/origin-bound.ts), the app
 * hash is carried, every built-in text passes the composer check with and
 * without autofill lines, and the check refuses what breaks a rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseOriginBoundMessage } from '../../../test/support/origin-bound.js';
import { BUILT_IN_SMS, LONGEST_CODE, LONGEST_MINUTES, ONE_SEGMENT_SEPTETS, checkSmsTemplate, fillMaskedCode, measure, renderOtpText } from './otp-template.js';
import { maskCode } from './sms-text.js';

const HASH = 'FA+9qCX9VSu';

test('the WICG parser reads the specification\'s examples as the specification says', () => {
  assert.deepEqual(parseOriginBoundMessage('747723 is your ExampleCo authentication code.\n\n@example.com #747723'), { origin: 'https://example.com', host: 'example.com', code: '747723', embeddedHost: null });
  assert.equal(parseOriginBoundMessage('@example.com #747723 %ecommerce.example $future')?.embeddedHost, 'ecommerce.example');
  assert.equal(parseOriginBoundMessage('something @example.com #747723'), null, 'nothing may come before the host');
  assert.equal(parseOriginBoundMessage('#747723 %ecommerce.example @example.com'), null, 'fields in order');
  assert.equal(parseOriginBoundMessage('@example.com code #747723'), null, 'exactly one space between the values');
  assert.equal(parseOriginBoundMessage('@example.com #747723\nthanks'), null, 'only the last line counts');
  assert.equal(parseOriginBoundMessage('x\r\n@example.com #1')?.code, '1', 'CRLF is normalized');
});

test('with a web origin the last line is exactly "@host #code"; with an app hash the text carries it; with both, both hold', () => {
  const values = { code: '482913', app: 'Toko', minutes: 10 };
  const both = renderOtpText(BUILT_IN_SMS.en, values, { webOrigin: 'https://toko.example', androidAppHash: HASH });
  const lines = both.split('\n');
  assert.equal(lines.at(-1), '@toko.example #482913');
  assert.equal(lines.at(-2), HASH, 'the hash on its own line, just before the origin-bound line');
  assert.deepEqual(parseOriginBoundMessage(both), { origin: 'https://toko.example', host: 'toko.example', code: '482913', embeddedHost: null });

  const hashOnly = renderOtpText(BUILT_IN_SMS.id, values, { androidAppHash: HASH });
  assert.ok(hashOnly.endsWith(`\n${HASH}`), 'without an origin the message ends with the hash');
  assert.equal(parseOriginBoundMessage(hashOnly), null);

  const originOnly = renderOtpText(BUILT_IN_SMS.id, values, { webOrigin: 'https://login.toko.example:8443' });
  assert.equal(originOnly.split('\n').at(-1), '@login.toko.example:8443 #482913', 'a port other than 443 is kept');
  assert.equal(renderOtpText(BUILT_IN_SMS.id, values), 'Kode verifikasi Toko Anda: 482913. Berlaku 10 menit. Jangan berikan kode ini kepada siapa pun.');
});

test('property: any code, origin and hash give an origin-bound message for that origin and code, and the masked text fills back to it', () => {
  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
  const origin = fc.tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('com', 'id', 'co.id', 'example'), fc.option(fc.integer({ min: 1, max: 65535 }).filter((p) => p !== 443), { nil: undefined }))
    .map(([labels, tld, port]) => `https://${labels.join('.')}.${tld}${port ? `:${port}` : ''}`);
  const hash = fc.option(fc.stringMatching(/^[A-Za-z0-9+/]{11}$/), { nil: null });
  const code = fc.integer({ min: 4, max: 10 }).chain((n) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`)));
  fc.assert(
    fc.property(origin, hash, code, fc.constantFrom<'id' | 'en'>('id', 'en'), fc.integer({ min: 0, max: LONGEST_MINUTES }), (webOrigin, androidAppHash, c, locale, minutes) => {
      const autofill = { webOrigin, androidAppHash };
      const sent = renderOtpText(BUILT_IN_SMS[locale], { code: c, app: 'Kirim', minutes }, autofill);
      const parsed = parseOriginBoundMessage(sent);
      assert.ok(parsed, sent);
      assert.equal(parsed.origin, new URL(webOrigin).origin);
      assert.equal(parsed.code, c);
      if (androidAppHash) assert.ok(sent.split('\n').includes(androidAppHash));
      const stored = renderOtpText(BUILT_IN_SMS[locale], { code: maskCode(c), app: 'Kirim', minutes }, autofill);
      assert.equal(fillMaskedCode(stored, c), sent, 'the code put back into the stored text gives the text sent');
    }),
    { numRuns: 300 },
  );
});

test('every built-in text is one GSM-7 segment with the longest app name, code and lifetime, with and without the autofill lines', () => {
  const app = 'A'.repeat(20);
  // 19 characters of host is what the longest app name leaves with both lines.
  const autofills = [{}, { androidAppHash: HASH }, { webOrigin: 'https://login.tokoku.co.id' }, { webOrigin: 'https://login.tokoku.co.id', androidAppHash: HASH }];
  for (const locale of ['id', 'en'] as const) {
    for (const autofill of autofills) {
      const r = checkSmsTemplate(BUILT_IN_SMS[locale], { app }, autofill);
      assert.ok(r.ok, `${locale} ${JSON.stringify(autofill)}: ${!r.ok ? r.problem.detail : ''}`);
      const text = renderOtpText(BUILT_IN_SMS[locale], { code: LONGEST_CODE, app, minutes: LONGEST_MINUTES }, autofill);
      assert.deepEqual([measure(text).encoding, measure(text).segments], ['gsm7', 1], text);
      assert.equal(r.length, measure(text).length);
    }
  }
});

test('the composer check refuses what breaks a rule, naming the problem and the length', () => {
  const ctx = { app: 'Kirim' };
  const refuse = (template: string, autofill = {}) => {
    const r = checkSmsTemplate(template, ctx, autofill);
    assert.ok(!r.ok, `${JSON.stringify(template)} should be refused`);
    return r.problem;
  };
  assert.equal(refuse('Your code').code, 'template_placeholder');
  assert.match(refuse('Your code').detail, /lacks the \{code\}/);
  assert.match(refuse('{code} {code}').detail, /\{code\} 2 times/);
  assert.match(refuse('{code} for {user}').detail, /unknown placeholder \{user\}/);
  assert.equal(refuse('Kode: {code} ***').code, 'template_character');
  assert.equal(refuse('Kode: {code}\n@evil.example #1').code, 'template_character', 'an origin-bound line of its own');
  const ucs2 = refuse('Kode Anda ✓ {code}');
  assert.equal(ucs2.code, 'template_encoding');
  assert.match(ucs2.detail, /"✓"/);

  // 160 septets exactly passes; one more, or one extension character (two septets), fails.
  const fits = `{code}${'x'.repeat(ONE_SEGMENT_SEPTETS - LONGEST_CODE.length)}`;
  assert.deepEqual(checkSmsTemplate(fits, ctx), { ok: true, length: 160 });
  const over = refuse(`${fits}x`);
  assert.equal(over.code, 'template_too_long');
  assert.equal(over.length, 161);
  assert.match(over.detail, /161 GSM-7 septets/);
  assert.equal(refuse(`${fits.slice(0, -1)}€`).length, 161, '€ counts two septets');
  // The autofill lines count: what fits alone does not fit with them.
  const withLines = refuse(fits.slice(0, -20), { webOrigin: 'https://toko.example' });
  assert.equal(withLines.length, 140 + 1 + '@toko.example #'.length + 10);
  assert.match(withLines.detail, /origin-bound line/);
});
