/**
 * The demo's pages as HTML: values from people are escaped, destinations
 * are masked, the code input carries what phones need to offer the code,
 * and the resend button counts down to Kirim's next_resend_at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { html } from './html.js';
import { translator } from './i18n.js';
import { WindowLimiter } from './limiter.js';
import { guessE164, statusFlash } from './plugin.js';
import { accountPage, codePage, maskEmail, maskPhone, signupPage, type PageContext } from './views.js';

const ctx = (lang: 'id' | 'en' = 'id'): PageContext => ({ lang, t: translator(lang), csrf: 'tok"en', path: '/demo/signup' });

test('interpolated values are escaped; nested html is not escaped twice', () => {
  assert.equal(html`<p>${'<b>"x" & \'y\'</b>'}</p>`.value, '<p>&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;</p>');
  assert.equal(html`<p>${html`<b>${'<'}</b>`}</p>`.value, '<p><b>&lt;</b></p>');
  const page = accountPage(ctx(), { name: '<script>alert(1)</script>', phone: '+6281234567890', email: 'a@example.test' });
  assert.ok(!page.includes('<script>alert'), 'a name cannot become markup');
  assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(page.includes('value="tok&quot;en"'), 'the CSRF field is escaped too');
});

test('the signup form: labels for every input, errors tied to their input, the language in <html lang>', () => {
  const page = signupPage(ctx('en'), { name: 'Budi', phone: '0812' }, { phone: 'bad phone' });
  assert.match(page, /<html lang="en">/);
  for (const name of ['name', 'phone', 'email', 'password']) assert.match(page, new RegExp(`<label for="${name}">`));
  assert.match(page, /id="phone"[^>]*aria-describedby="phone-hint phone-error"[^>]*aria-invalid="true"/);
  assert.match(page, /<p class="field-error" id="phone-error">bad phone<\/p>/);
  assert.match(page, /name="_csrf"/);
});

test('the code page: one-time-code input, attempts left, a resend button counting down', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const page = codePage(ctx(), {
    title: 'T',
    intro: 'I',
    checkAction: '/demo/verify/phone',
    submitLabel: 'Go',
    attemptsLeft: 3,
    expiresAt: '2026-01-01T00:10:00.000Z',
    resendAction: '/demo/verify/phone/resend',
    resendAt: '2026-01-01T00:00:30.000Z',
    ended: false,
    now,
  });
  assert.match(page, /<input id="code" name="code"[^>]*autocomplete="one-time-code" inputmode="numeric" pattern="\[0-9 \\-\]\{4,20\}"/);
  assert.match(page, /Sisa percobaan: 3/);
  assert.match(page, /<button type="submit" id="resend" class="secondary" disabled data-resend-at="2026-01-01T00:00:30.000Z"[^>]*>Kirim ulang dalam 30 detik<\/button>/);
  assert.match(page, /<time datetime="2026-01-01T00:10:00.000Z" data-local>00:10 UTC<\/time>/);
  const ended = codePage(ctx('en'), { title: 'T', intro: 'I', submitLabel: 'Go', resendAction: '/r', ended: true, now });
  assert.ok(!ended.includes('id="code"'), 'no code input once the verification ended');
  assert.match(ended, /<button type="submit" id="resend" class="secondary" data-label="Send a new code"[^>]*>Send a new code<\/button>/);
});

test('destinations are masked, recognisable but not readable', () => {
  assert.equal(maskPhone('+6281234567890'), '+62812•••••890');
  assert.equal(maskEmail('budi@example.test'), 'bu•••@example.test');
  assert.equal(maskEmail('b@example.test'), 'b•••@example.test');
});

test("Kirim's statuses map to messages: wrong (attempts left), too many, expired, undeliverable, gone", () => {
  const v = (status: string, attempts_left = 5) => ({ status, attempts_left }) as never;
  assert.deepEqual(statusFlash([v('pending', 4), v('pending', 2)], true), { tone: 'error', key: 'code.wrong', vars: { n: 2 } });
  assert.deepEqual(statusFlash([v('max_attempts_reached', 0)], true), { tone: 'error', key: 'code.tooMany' });
  assert.deepEqual(statusFlash([v('expired')], false), { tone: 'error', key: 'code.expired' });
  assert.deepEqual(statusFlash([v('expired'), v('max_attempts_reached', 0)], true), { tone: 'error', key: 'code.tooMany' });
  assert.deepEqual(statusFlash([v('failed')], false), { tone: 'error', key: 'code.failed' });
  assert.deepEqual(statusFlash([], true), { tone: 'error', key: 'code.gone' });
});

test('Indonesian numbers as people write them, in E.164', () => {
  assert.equal(guessE164('0812-3456-7890'), '+6281234567890');
  assert.equal(guessE164('62 812 3456 7890'), '+6281234567890');
  assert.equal(guessE164('+44 20 7946 0958'), '+442079460958');
  assert.equal(guessE164('12'), undefined);
});

test('the window limiter: at most max per window, then the wait in seconds', () => {
  let now = 0;
  const l = new WindowLimiter(2, 60_000, () => now);
  assert.equal(l.hit('a'), 0);
  now = 10_000;
  assert.equal(l.hit('a'), 0);
  assert.equal(l.hit('a'), 50);
  assert.equal(l.hit('b'), 0, 'per key');
  now = 60_001;
  assert.equal(l.retryAfter('a'), 0);
});
