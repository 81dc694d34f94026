/**
 * The Kannel provider against real Kannel from Debian's packages (bearerbox,
 * smsbox `sendsms`, `fakesmsc` as the handset side, all on 127.0.0.1), with
 * Kirim listening for Kannel's `dlr-url` callbacks:
 * - delivered: each SMS reaches fakesmsc once, with its text, and Kannel's
 *   reports (type 8, then 1) move it sent → delivered;
 * - failed: a number bearerbox cannot route is refused (403 "Not
 *   routable") and fails at once with Kannel's answer; Kannel's negative
 *   report for it (type 16) arrives too and changes nothing. (fakesmsc
 *   cannot produce a delivery failure, type 2: bearerbox's fake SMSC reports
 *   every SMS it hands over as delivered; see test/support/kannel.ts);
 * - restart: bearerbox is SIGKILLed while SMS are in flight and started
 *   again: counted at fakesmsc, none is received twice, and every SMS was
 *   either received or is reported by Kirim as of unknown outcome (the
 *   connection broke after the request left) — none silently lost.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capturingTransport, createTestServer, type TestServer } from '../src/server/testing.js';
import { freePort, kannelMissing, startKannelRig, type KannelRig } from './support/kannel.js';
import { waitFor } from './support/process.js';

const missing = kannelMissing();
if (missing) throw new Error(`this test needs real Kannel: ${missing}`);

const DENIED = '+62858';

describe('Kannel provider against real Kannel', () => {
  let kannel: KannelRig;
  let s: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'kirim-kannel-'));

  before(async () => {
    kannel = await startKannelRig(join(dir, 'kannel'), { store: 'spool', deniedPrefix: DENIED });
    const port = await freePort();
    const file = join(dir, 'providers.json');
    writeFileSync(
      file,
      JSON.stringify({
        callback_base_url: `http://127.0.0.1:${port}`,
        providers: [{ id: 'kannel', type: 'kannel', url: kannel.sendsmsUrl, username: kannel.username, password: { env: 'TEST_KANNEL_PASSWORD' }, from: 'KIRIM', dlr_mask: 31, retry_base_ms: 200, retry_max_ms: 1000, timeout_ms: 5000 }],
        rules: [{ countries: ['ID'], channels: ['kannel'] }],
      }),
    );
    s = await createTestServer({
      transport: capturingTransport(),
      start: true,
      env: { KIRIM_SMS_PROVIDERS: file, TEST_KANNEL_PASSWORD: kannel.password, KIRIM_BUDGET_DESTINATION_PER_HOUR: '0', KIRIM_BUDGET_DESTINATION_PER_DAY: '0', KIRIM_BUDGET_PREFIX_PER_HOUR: '0', KIRIM_BUDGET_COUNTRY_PER_HOUR: '0' },
    });
    await s.app.listen({ port, host: '127.0.0.1' });
  });
  after(async () => {
    await s?.services.stop();
    await s?.close();
    await kannel?.stop();
  });

  const send = async (to: string, text: string) => {
    const r = await s.api('POST', '/v1/messages', { to, channel: 'sms', text });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return r.body.id as string;
  };
  const message = async (id: string) => (await s.api('GET', `/v1/messages/${id}`)).body;
  const receivedText = (text: string) => kannel.received.filter((r) => r.text === text).length;

  test('delivered: each SMS reaches fakesmsc once and Kannel reports it delivered', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await send(`+6281200000${100 + i}`, `kode ${i} dari Kirim`));
    for (const [i, id] of ids.entries()) {
      const m = await waitFor(async () => {
        const got = await message(id);
        return got.status === 'delivered' ? got : undefined;
      }, { timeoutMs: 30_000, what: `message ${i} delivered (${kannel.output()})` });
      assert.equal(m.gateway, 'provider:kannel');
      const details = m.events.map((e: { status: string; detail?: string }) => `${e.status}: ${e.detail ?? ''}`);
      assert.ok(details.some((d: string) => /^sent: accepted by provider kannel: answered 202 0: Accepted for delivery/.test(d)), details.join('\n'));
      assert.ok(details.some((d: string) => /^delivered: kannel: delivery report 1 \(delivered\)/.test(d)), details.join('\n'));
      assert.equal(receivedText(`kode ${i} dari Kirim`), 1);
      assert.equal(kannel.received.find((r) => r.text === `kode ${i} dari Kirim`)!.to, `+6281200000${100 + i}`);
    }
  });

  test("failed: a number Kannel cannot route fails with Kannel's answer; its negative report changes nothing", async () => {
    const reportsBefore = await failedReports();
    const id = await send(`${DENIED}00000001`, 'unroutable');
    const m = await waitFor(async () => {
      const got = await message(id);
      return got.status === 'failed' ? got : undefined;
    }, { timeoutMs: 30_000, what: 'the unroutable SMS failed' });
    assert.match(m.events.at(-1).detail, /provider kannel refused it: answered 403 Not routable\. Do not try again\./);
    // Kannel's type-16 report (NACK/no SMSC) arrives as well, and is counted, not applied twice.
    await waitFor(async () => ((await failedReports()) > reportsBefore ? true : undefined), { timeoutMs: 30_000, what: "Kannel's type-16 report" });
    const after = await message(id);
    assert.equal(after.events.filter((e: { status: string }) => e.status === 'failed').length, 1);
    assert.equal(receivedText('unroutable'), 0);
  });

  test('bearerbox killed and restarted with SMS in flight: none received twice, none silently lost', async () => {
    const N = 30;
    const ids: string[] = [];
    const text = (i: number) => `restart ${i}`;
    const seenBefore = kannel.received.length;
    for (let i = 0; i < N; i++) ids.push(await send(`+6281300000${String(i).padStart(3, '0')}`, text(i)));
    // Kill it once a few went through and the rest are on their way.
    await waitFor(() => (kannel.received.length >= seenBefore + 3 ? true : undefined), { timeoutMs: 30_000, what: 'the first SMS at fakesmsc' });
    await kannel.killBearerbox();
    const atKill = kannel.received.length - seenBefore;
    await kannel.restart();

    /** Settled: received at fakesmsc, or Kirim says it cannot know (and will not resend). */
    const unknown = async (id: string) => {
      const m = await message(id);
      return m.status === 'spooled' && /unknown/.test(m.events.at(-1).detail ?? '');
    };
    await waitFor(async () => {
      for (const [i, id] of ids.entries()) if (receivedText(text(i)) === 0 && !(await unknown(id))) return undefined;
      return true;
    }, { timeoutMs: 90_000, what: `every SMS received or of unknown outcome (${kannel.output()})` });

    let unknowns = 0;
    for (const [i, id] of ids.entries()) {
      const m = await message(id);
      const got = receivedText(text(i));
      assert.ok(got <= 1, `${text(i)} received ${got} times (${m.status})`);
      if (got === 0) unknowns++;
      else assert.ok(['sent', 'delivered', 'spooled'].includes(m.status), `${text(i)} received but ${m.status}`);
    }
    console.log(`# restart: ${N} SMS, ${atKill} at fakesmsc when bearerbox was killed, ${N - unknowns} received once, ${unknowns} of unknown outcome, 0 twice`);
  });

  async function failedReports(): Promise<number> {
    const text = (await s.api('GET', '/metrics')).body as string;
    return Number(/kirim_provider_reports_total\{provider="kannel",status="failed"\} (\d+)/.exec(text)?.[1] ?? 0);
  }
});
