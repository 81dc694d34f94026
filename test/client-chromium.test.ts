/**
 * kirim/client in a real browser: Debian's Chromium loads the client's
 * browser bundle (ES module, every dependency inside) from the live
 * server's own origin and makes typed calls over real HTTP — start an
 * email verification, check it with the code the recipient got, send an
 * SMS and read it back, and meet problem+json as a KirimError (401, and a
 * 429 resend with its Retry-After).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { capturingTransport, createTestServer, type TestServer } from '../src/server/testing.js';
import { browserMissing, launchBrowser, newContext } from './support/browser.js';
import { buildClientBrowserBundle } from './support/bundle.js';
import { tempDir, waitFor } from './support/process.js';

const missing = browserMissing();
let s: TestServer;
let baseUrl: string;
let browser: Browser;
let page: Page;
const mail = capturingTransport();

before(async () => {
  if (missing) return;
  s = await createTestServer({ transport: mail, start: true });
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
  const bundle = await buildClientBrowserBundle(tempDir('kirim-client-chromium'), 'esm');
  browser = await launchBrowser();
  page = await (await newContext(browser)).newPage();
  // The page and the bundle are served on the server's own origin (as an
  // application's page would be), so the calls need no CORS.
  await page.route(`${baseUrl}/__client/**`, (route) =>
    route.request().url().endsWith('.js')
      ? route.fulfill({ contentType: 'text/javascript', body: bundle })
      : route.fulfill({ contentType: 'text/html', body: '<!doctype html><html lang="en"><title>client</title><script type="module">import * as K from "/__client/client.js"; window.K = K; document.title = "ready";</script></html>' }),
  );
  await page.goto(`${baseUrl}/__client/index.html`);
  await page.waitForFunction("document.title === 'ready'");
});
after(async () => {
  await browser?.close();
  await s?.close();
});

type K = typeof import('../src/client/index.js');
declare const K: K;

test('typed calls from Chromium: an email verification approved with the mailed code', { skip: missing ?? false }, async () => {
  const started = await page.evaluate(
    async ([url, key]) => new K.Kirim({ baseUrl: url!, apiKey: key! }).startVerification({ to: 'peramban@example.test', channel: 'email', locale: 'en' }),
    [baseUrl, s.apiKey],
  );
  assert.equal(started.status, 'pending');
  assert.equal(started.channel, 'email');
  const code = await waitFor(() => mail.sent.filter((m) => m.to === 'peramban@example.test').map((m) => /\b(\d{6})\b/.exec(m.text)?.[1]).find(Boolean), { what: 'the mailed code' });
  const checked = await page.evaluate(
    async ([url, key, id, c]) => new K.Kirim({ baseUrl: url!, apiKey: key! }).checkVerification({ id: id!, code: c! }),
    [baseUrl, s.apiKey, started.id, code],
  );
  assert.equal(checked.status, 'approved');
  assert.equal(checked.id, started.id);
});

test('typed calls from Chromium: an SMS sent and read back', { skip: missing ?? false }, async () => {
  const got = await page.evaluate(
    async ([url, key]) => {
      const kirim = new K.Kirim({ baseUrl: url!, apiKey: key! });
      const sent = await kirim.sendMessage({ to: '081234567301', channel: 'sms', text: 'Halo dari Chromium' });
      const read = await kirim.getMessage(sent.id);
      return { sent: sent.status, to: read.to, encoding: read.encoding, segments: read.segments, events: read.events.map((e) => e.status) };
    },
    [baseUrl, s.apiKey],
  );
  assert.equal(got.sent, 'queued');
  assert.equal(got.to, '+6281234567301');
  assert.equal(got.encoding, 'gsm7');
  assert.equal(got.segments, 1);
  assert.equal(got.events[0], 'queued');
});

test('problem+json in Chromium is a KirimError: 401 with its code, 429 with retryAfter', { skip: missing ?? false }, async () => {
  const errors = await page.evaluate(
    async ([url, key]) => {
      const wrong = await new K.Kirim({ baseUrl: url!, apiKey: 'kk_wrong' }).listMessages().catch((e: unknown) => e);
      const kirim = new K.Kirim({ baseUrl: url!, apiKey: key!, retries: 0 });
      await kirim.startVerification({ to: 'dua-kali@example.test', channel: 'email' });
      const early = await kirim.startVerification({ to: 'dua-kali@example.test', channel: 'email' }).catch((e: unknown) => e);
      // (no named function here: the test runner's transform would wrap it in a helper the page lacks)
      return [wrong, early].map((e: unknown) => (e instanceof K.KirimError ? { isKirimError: true, code: e.code, status: e.status, retryAfter: e.retryAfter } : { isKirimError: false, text: String(e) }));
    },
    [baseUrl, s.apiKey],
  );
  assert.deepEqual(errors[0], { isKirimError: true, code: 'unauthorized', status: 401, retryAfter: undefined });
  assert.equal(errors[1]!.isKirimError, true, JSON.stringify(errors[1]));
  assert.equal(errors[1]!.code, 'rate_limited');
  assert.equal(errors[1]!.status, 429);
  assert.ok(typeof errors[1]!.retryAfter === 'number' && errors[1]!.retryAfter > 0 && errors[1]!.retryAfter <= 60, JSON.stringify(errors[1]));
});
