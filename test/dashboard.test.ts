/**
 * The operator dashboard in Debian's headless Chromium against one real
 * `kirim dev` (real server, gateway, gammu-smsd and simulated modem):
 * sign-in through the form, CSRF refusal of forged changes (from the page
 * without the token, and from another origin), a message's timeline
 * reaching `delivered` live without a reload, a webhook replay, revoking a
 * key (the next API call with it gets 401), the dev phone and mailbox
 * showing a verification's codes (the dashboard's own message pages never
 * do), an axe-core check of every page with screenshots at desktop and
 * phone size, and last — since it takes the gateway away — the gateway
 * shown offline live once its process is stopped.
 *
 * The gateway beats every 2 s and counts as offline after 6 s of silence
 * (KIRIM_HEARTBEAT_SECONDS, KIRIM_GATEWAY_OFFLINE_SECONDS), so the offline
 * test waits seconds, not the default 45.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserMissing, describeViolations, launchBrowser, newContext, screenshot, seriousViolations } from './support/browser.js';
import { startDev, type DevProcess } from './support/dev.js';

const skip = browserMissing() ?? false;
let dev: DevProcess;
let browser: Browser;
let dashboard: string;
let login: { username: string; password: string };
/** A signed-in desktop context and its page, shared by the tests. */
let ctx: BrowserContext;
let page: Page;

before(async () => {
  if (skip) return;
  dev = await startDev({ env: { KIRIM_HEARTBEAT_SECONDS: '2', KIRIM_GATEWAY_OFFLINE_SECONDS: '6', KIRIM_LOG_LEVEL: 'warn' } });
  const m = /^(\S+) \(login: (\S+) \/ (\S+)\)$/.exec(dev.banner.Dashboard ?? '');
  assert.ok(m, `banner has "Dashboard: <url> (login: <user> / <password>)": ${dev.stdout()}`);
  dashboard = m[1]!;
  login = { username: m[2]!, password: m[3]! };
  browser = await launchBrowser();
  ctx = await newContext(browser);
  page = await ctx.newPage();
});

after(async () => {
  await browser?.close();
  await dev?.stop();
});

test('sign-in through the login form; a wrong password is refused with a message; the page asked for comes back', { skip }, async () => {
  assert.equal((await fetch(`${dev.url}/dashboard/api/session`)).status, 401);
  await page.goto(`${dashboard}/messages`);
  await page.waitForURL(/\/dashboard\/login\?next=/);
  await page.fill('#username', login.username);
  await page.fill('#password', login.password + 'x');
  await page.click('button[type=submit]');
  await page.waitForSelector('.form-error:has-text("Wrong username or password")');
  assert.equal(await page.locator('header nav').count(), 0, 'still signed out');
  await page.fill('#password', login.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('main h1:has-text("Messages")');
  assert.match(page.url(), /\/dashboard\/messages$/);
  assert.match(await page.locator('header').innerText(), new RegExp(`Signed in as\\s+${login.username}`));
});

test('the login page has no serious or critical accessibility violation, at desktop and phone size', { skip }, async () => {
  for (const phone of [false, true]) {
    const c = await newContext(browser, { phone });
    const p = await c.newPage();
    await p.goto(`${dashboard}/login`);
    await p.waitForSelector('#username');
    const v = await seriousViolations(p);
    assert.deepEqual(v, [], describeViolations(v));
    await screenshot(p, 'login');
    await c.close();
  }
});

test('the overview and messages pages render in the signed-in shell', { skip }, async () => {
  await page.goto(`${dashboard}`);
  await page.waitForSelector('main h1:has-text("Overview")');
  assert.equal(await page.locator('nav[aria-label="Dashboard"] a[aria-current="page"]').innerText(), 'Overview');
  await page.click('nav >> text=Messages');
  await page.waitForSelector('main h1:has-text("Messages")');
  assert.match(page.url(), /\/dashboard\/messages$/);
  await page.goBack();
  await page.waitForSelector('main h1:has-text("Overview")');
  await page.click('text=Sign out');
  await page.waitForSelector('#username');
  assert.equal((await page.evaluate(() => fetch('/dashboard/api/session').then((r) => r.status))), 401);
});
