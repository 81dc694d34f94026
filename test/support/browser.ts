/**
 * Debian's headless Chromium (/usr/bin/chromium) driven by playwright-core,
 * never a downloaded browser; plus the checks every page test shares: an
 * axe-core accessibility scan and screenshots at desktop and phone sizes.
 *
 * Screenshots go to test-results/screenshots/ (or KIRIM_SCREENSHOTS), named
 * `<name>-desktop.png` and `<name>-phone.png`, so a test run leaves a picture
 * of each main page behind.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = process.env.KIRIM_SCREENSHOTS ?? resolve(import.meta.dirname, '../../test-results/screenshots');

/** Why the browser tests cannot run here, or null when they can. */
export function browserMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (apt-get install chromium)`;
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Launches Debian's Chromium headless; close it in `after`. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-dev-shm-usage'],
  });
}

/** A fresh context (own cookies) at desktop or phone size. */
export function newContext(browser: Browser, { phone = false, locale = 'en-US' }: { phone?: boolean; locale?: string } = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: phone ? PHONE : DESKTOP,
    isMobile: phone,
    hasTouch: phone,
    locale,
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Runs axe-core in the page; returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated, not added as a <script>: a page whose Content-Security-Policy
  // forbids inline scripts (as it should) would refuse the tag.
  await page.evaluate(axeSource);
  const result = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const r = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  })) as AxeViolation[];
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Formats violations for an assertion message. */
export const describeViolations = (vs: AxeViolation[]) => vs.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).join(', ')}`).join('\n');

/** Saves a full-page screenshot as `<name>-<size>.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const size = (page.viewportSize()?.width ?? DESKTOP.width) <= PHONE.width ? 'phone' : 'desktop';
  const file = join(SCREENSHOTS, `${name}-${size}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
