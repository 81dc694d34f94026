/**
 * The demo's WebOTP support in Debian's headless Chromium against a real
 * `kirim dev` (real gammu-smsd, the simulated modem) run with
 * KIRIM_DEMO_ORIGIN, so the demo's key carries that web_origin.
 *
 * Headless Chromium has no SMS to read, so where the API is "present" an
 * init script stands in for the browser's part: `OTPCredential` exists and
 * `navigator.credentials.get({ otp })` resolves once the test hands it the
 * SMS the handset really received, and only if that SMS's last line is an
 * origin-bound code for the demo's origin (parsed as the WICG format says,
 * test/support/origin-bound.ts) — what Chrome checks before it hands a
 * page a code. The demo's own script must then fill the field and submit
 * it, and the real server must approve the verification. Where the API is
 * absent, the page works as before and nothing breaks.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { readHandset } from '../src/modem-sim/state.js';
import { gammuSmsdInstalled } from '../src/dev/gammu-smsd.js';
import { browserMissing, launchBrowser, newContext } from './support/browser.js';
import { startDev, type DevProcess } from './support/dev.js';
import { parseOriginBoundMessage } from './support/origin-bound.js';
import { waitFor } from './support/process.js';

const ORIGIN = 'https://demo.kirim.example';
const missing = browserMissing() ?? (gammuSmsdInstalled() ? null : 'gammu-smsd is not installed');
let dev: DevProcess;
let browser: Browser;

before(async () => {
  if (missing) return;
  dev = await startDev({ env: { KIRIM_DEMO_ORIGIN: ORIGIN } });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await dev?.stop();
});

/**
 * The browser's side of WebOTP, as an init script: `get` waits for an SMS
 * (`__smsArrived(text)`), keeps it only when its origin-bound last line
 * names this page's origin `origin`, and resolves with its code. Each call
 * and each submitted code value are recorded for the test to read.
 */
const WEBOTP_STANDIN = (origin: string) => `(() => {
  const host = new URL(${JSON.stringify(origin)}).host;
  window.__otpCalls = [];
  let deliver;
  const sms = new Promise((resolve) => { deliver = resolve; });
  window.__smsArrived = (text) => deliver(text);
  window.OTPCredential = function OTPCredential() {};
  navigator.credentials.get = (options) => {
    window.__otpCalls.push({ transport: options && options.otp && options.otp.transport, hasSignal: !!(options && options.signal) });
    return sms.then((text) => {
      const last = text.replace(/\\r\\n?/g, '\\n').split('\\n').pop();
      const m = /^@(\\S+) #(\\S+)/.exec(last);
      if (!m || m[1] !== host) return new Promise(() => {});
      return { type: 'otp', id: 'otp', code: m[2] };
    });
  };
  document.addEventListener('submit', (e) => {
    const code = e.target.querySelector('#code');
    if (code) sessionStorage.setItem('submittedCode', code.value);
  }, true);
})();`;

let serial = 0;
async function signUp(page: Page): Promise<string> {
  const n = String(++serial).padStart(4, '0');
  await page.goto(`${dev.banner.Demo}/signup`);
  await page.getByLabel(/^(Nama lengkap|Full name)$/).fill('Sari Dewi');
  await page.getByLabel(/^(Nomor HP|Phone number)$/).fill(`0812 3500 ${n}`);
  await page.getByLabel(/^Email$/).fill(`sari${n}@example.test`);
  await page.getByLabel(/^(Kata sandi|Password)$/).fill(`rahasia-${n}!`);
  await page.locator('form[action$="/signup"] button[type=submit]').click();
  await page.waitForURL(/\/demo\/verify\/phone$/);
  return `+628123500${n}`;
}

/** The first SMS the handset received (written by the simulated modem once gammu-smsd sent it). */
const smsTo = (number: string) => waitFor(() => readHandset(dev.simState, number)[0]?.text, { timeoutMs: 45_000, what: `an SMS to ${number}` });

test('with WebOTP the code of the origin-bound SMS fills the field, the form submits itself and the phone is verified', { skip: missing ?? false }, async () => {
  const ctx = await newContext(browser, { phone: true });
  try {
    await ctx.addInitScript(WEBOTP_STANDIN(ORIGIN));
    const page = await ctx.newPage();
    const number = await signUp(page);
    const calls = await page.evaluate('window.__otpCalls');
    assert.deepEqual(calls, [{ transport: ['sms'], hasSignal: true }], 'the code page asked the browser for an SMS code, with an abort signal');

    const text = await smsTo(number);
    const bound = parseOriginBoundMessage(text);
    assert.ok(bound, `the SMS is an origin-bound one-time code message: ${text}`);
    assert.equal(bound.origin, ORIGIN, 'bound to the demo origin');
    assert.match(bound.code, /^\d{6}$/);
    await page.evaluate(`window.__smsArrived(${JSON.stringify(text)})`);

    // The demo's script fills and submits; the real server approves, and the demo moves on to the email step.
    await page.waitForURL(/\/demo\/verify\/email$/, { timeout: 20_000 });
    assert.equal(await page.evaluate("sessionStorage.getItem('submittedCode')"), bound.code, 'the field held the code from the SMS when the form was submitted');
  } finally {
    await ctx.close();
  }
});

test('without WebOTP nothing is asked and nothing breaks: the person types the code', { skip: missing ?? false }, async () => {
  const ctx = await newContext(browser, { phone: true });
  try {
    // As in a browser without the API (Firefox, Safari): whatever this Chromium has is taken away.
    await ctx.addInitScript('delete window.OTPCredential; window.__getCalls = 0; const g = navigator.credentials.get.bind(navigator.credentials); navigator.credentials.get = (o) => { window.__getCalls++; return g(o); };');
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const number = await signUp(page);
    assert.equal(await page.evaluate("'OTPCredential' in window"), false);
    assert.equal(await page.evaluate('window.__getCalls'), 0, 'no credentials request without the API');
    const bound = parseOriginBoundMessage(await smsTo(number));
    assert.ok(bound);
    await page.locator('#code').fill(bound.code);
    await page.locator('#code').press('Enter');
    await page.waitForURL(/\/demo\/verify\/email$/, { timeout: 20_000 });
    assert.deepEqual(errors, [], 'no script error on the pages');
  } finally {
    await ctx.close();
  }
});
