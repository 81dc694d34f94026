/**
 * The generic HTTP provider against a real HTTP server in this process
 * that plays Twilio's Programmable Messaging API as documented
 * (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource:
 * form POST to /2010-04-01/Accounts/{AccountSid}/Messages.json with To,
 * From, Body, StatusCallback and HTTP Basic auth; a 201 JSON answer with
 * `sid`; errors as JSON `{code, message, status}`; status callbacks as form
 * posts with MessageSid and MessageStatus), on SQLite and PostgreSQL:
 * accepted → sent → delivered through the callback, callback
 * authentication and idempotency, a 4xx refusal, retries of 5xx and of a
 * refused connection up to the expiry, an unknown outcome never sent
 * again, and a hand-over interrupted by a stop.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { DIALECTS } from '../../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../../testing.js';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const AUTH = Buffer.from(`${ACCOUNT}:secret-token`).toString('base64');

interface Seen {
  to: string;
  body: string;
  callback: string;
  auth: string | undefined;
}

/** What the fake Twilio does with the next requests: `ok`, an HTTP status with a Twilio error, `drop` (closes the connection after reading the request). */
type Behaviour = 'ok' | 400 | 503 | 'drop';

function fakeTwilio() {
  const seen: Seen[] = [];
  const plan: Behaviour[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const f = new URLSearchParams(raw);
      const next = plan.shift() ?? 'ok';
      if (req.url !== `/2010-04-01/Accounts/${ACCOUNT}/Messages.json` || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      seen.push({ to: f.get('To') ?? '', body: f.get('Body') ?? '', callback: f.get('StatusCallback') ?? '', auth: req.headers.authorization });
      if (next === 'drop') {
        req.socket.destroy();
        return;
      }
      if (next === 400) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 }));
        return;
      }
      if (next === 503) {
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20503, message: 'Service unavailable', status: 503 }));
        return;
      }
      n++;
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: `SM${String(n).padStart(32, '0')}`, status: 'queued', to: f.get('To'), body: f.get('Body') }));
    });
  });
  return { server, seen, plan };
}

function providersFile(url: string, callbackBase: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-providers-'));
  const file = join(dir, 'providers.json');
  writeFileSync(
    file,
    JSON.stringify({
      callback_base_url: callbackBase,
      providers: [
        {
          id: 'twilio',
          type: 'http',
          url: `${url}/2010-04-01/Accounts/${ACCOUNT}/Messages.json`,
          method: 'POST',
          headers: { Authorization: { env: 'TEST_TWILIO_BASIC', prefix: 'Basic ' } },
          body: { type: 'form', fields: { To: '{{to}}', From: '+15005550006', Body: '{{text}}', StatusCallback: '{{callback_url}}' } },
          response: { id_path: 'sid', error_path: 'message' },
          dlr: { status_path: 'MessageStatus', delivered: ['delivered'], failed: ['undelivered', 'failed'], error_path: 'ErrorCode' },
          retry_base_ms: 1000,
          retry_max_ms: 1000,
          timeout_ms: 5000,
        },
        // A second provider, to show a token for one opens nothing at the other.
        { id: 'other', type: 'http', url: `${url}/other`, body: { type: 'json', template: { to: '{{to}}' } }, dlr: { status_path: 'status', delivered: ['ok'], failed: ['no'] } },
      ],
      rules: [{ countries: ['ID'], channels: ['twilio'] }],
    }),
  );
  return file;
}

for (const dialect of DIALECTS) {
  describe(`generic HTTP provider, Twilio's API (${dialect})`, () => {
    const twilio = fakeTwilio();
    let s: TestServer;
    let clock = Date.UTC(2026, 11, 2, 9, 0, 0);

    before(async () => {
      await new Promise<void>((ok) => twilio.server.listen(0, '127.0.0.1', ok));
      const url = `http://127.0.0.1:${(twilio.server.address() as AddressInfo).port}`;
      s = await createTestServer({ dialect, transport: capturingTransport(), now: () => clock, env: { KIRIM_SMS_PROVIDERS: providersFile(url, 'https://kirim.example.com'), TEST_TWILIO_BASIC: AUTH } });
    });
    after(async () => {
      await s?.close();
      await new Promise((ok) => twilio.server.close(ok));
    });

    const worker = () => s.services.providers!.workers.get('twilio')!;
    const send = async (to: string, ttl = 3600) => {
      const r = await s.api('POST', '/v1/messages', { to, channel: 'sms', text: `hello ${to}`, ttl_seconds: ttl });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return r.body.id as string;
    };
    const message = async (id: string) => (await s.api('GET', `/v1/messages/${id}`)).body;
    /** The report as Twilio posts it: a form to the StatusCallback URL. */
    const callback = (callbackUrl: string, form: Record<string, string>) => {
      const u = new URL(callbackUrl);
      return s.app.inject({ method: 'POST', url: u.pathname + u.search, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(form).toString() });
    };

    test('accepted → sent with the provider id; its callback makes it delivered, once; a forged or misdirected one changes nothing', async () => {
      const id = await send('+6281211110001');
      assert.equal((await message(id)).status, 'queued');
      assert.equal(await worker().runOnce(), 1);
      const m = await message(id);
      assert.equal(m.status, 'sent');
      assert.equal(m.gateway, 'provider:twilio');
      assert.match(m.events.at(-1).detail, /accepted by provider twilio, its message id SM0+1/);
      const req = twilio.seen.at(-1)!;
      assert.equal(req.to, '+6281211110001');
      assert.equal(req.body, 'hello +6281211110001');
      assert.equal(req.auth, `Basic ${AUTH}`);
      assert.ok(req.callback.startsWith(`https://kirim.example.com/providers/v1/twilio/dlr?m=${id}&t=`), req.callback);

      // A wrong token, and the right token at another provider's URL: 401, nothing changes.
      const wrong = await callback(req.callback.replace(/t=[^&]+/, 't=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), { MessageSid: 'x', MessageStatus: 'failed' });
      assert.equal(wrong.statusCode, 401, wrong.body);
      const misdirected = await callback(req.callback.replace('/twilio/', '/other/'), { status: 'no' });
      assert.equal(misdirected.statusCode, 401, misdirected.body);
      const unreadable = await callback(req.callback, { MessageSid: 'x' });
      assert.equal(unreadable.statusCode, 400, unreadable.body);
      assert.equal(JSON.parse(unreadable.body).code, 'invalid_report');
      assert.equal((await message(id)).status, 'sent');

      const first = await callback(req.callback, { MessageSid: 'SM1', MessageStatus: 'delivered' });
      assert.equal(first.statusCode, 200, first.body);
      assert.deepEqual(JSON.parse(first.body), { message_id: id, status: 'delivered', changed: true });
      const again = await callback(req.callback, { MessageSid: 'SM1', MessageStatus: 'delivered' });
      assert.deepEqual(JSON.parse(again.body), { message_id: id, status: 'delivered', changed: false });
      // Never backwards: a late "failed" after delivered changes nothing.
      const late = await callback(req.callback, { MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30003' });
      assert.deepEqual(JSON.parse(late.body), { message_id: id, status: 'delivered', changed: false });
      assert.equal((await message(id)).events.filter((e: { status: string }) => e.status === 'delivered').length, 1);
    });

    test("a failed status callback fails the message with the provider's error code", async () => {
      const id = await send('+6281211110002');
      await worker().runOnce();
      const r = await callback(twilio.seen.at(-1)!.callback, { MessageSid: 'SM2', MessageStatus: 'undelivered', ErrorCode: '30003' });
      assert.equal(JSON.parse(r.body).status, 'failed');
      assert.match((await message(id)).events.at(-1).detail, /status undelivered: 30003/);
    });

    test("a 4xx fails the message at once with the provider's error, without a retry", async () => {
      const before = twilio.seen.length;
      twilio.plan.push(400);
      const id = await send('+6281211110003');
      await worker().runOnce();
      const m = await message(id);
      assert.equal(m.status, 'failed');
      assert.match(m.events.at(-1).detail, /provider twilio refused it: answered 400: The 'To' number is not a valid phone number\./);
      clock += 60_000;
      await worker().runOnce();
      assert.equal(twilio.seen.length, before + 1);
    });

    test('a 5xx is retried after its backoff, and the message is sent once', async () => {
      const before = twilio.seen.length;
      twilio.plan.push(503, 503);
      const id = await send('+6281211110004');
      await worker().runOnce();
      let m = await message(id);
      assert.equal(m.status, 'queued');
      assert.match(m.events.at(-1).detail, /answered 503: Service unavailable; attempt 2 at/);
      // Not before its backoff.
      await worker().runOnce();
      assert.equal(twilio.seen.length, before + 1);
      clock += 1_500;
      await worker().runOnce();
      clock += 1_500;
      await worker().runOnce();
      m = await message(id);
      assert.equal(m.status, 'sent');
      assert.equal(twilio.seen.length, before + 3);
      assert.equal(twilio.seen.slice(before).every((r) => r.to === '+6281211110004'), true);
    });

    test('retries stop at the expiry: the message expires, never handed over after it', async () => {
      const before = twilio.seen.length;
      twilio.plan.push(503, 503, 503, 503, 503, 503);
      const created = clock;
      const id = await send('+6281211110005', 60);
      const times: number[] = [];
      for (let i = 0; i < 6; i++) {
        const n = twilio.seen.length;
        await worker().runOnce();
        await s.services.sweep();
        if (twilio.seen.length > n) times.push(clock);
        clock += 20_000;
      }
      const m = await message(id);
      assert.equal(m.status, 'expired', JSON.stringify(m.events));
      assert.ok(times.length >= 1);
      assert.equal(times.length, 3, 'handed over at +0, +20 and +40 s');
      for (const t of times) assert.ok(t < created + 60_000, `handed over at +${t - created} ms, after the expiry`);
      assert.equal(twilio.seen.length, before + times.length);
      twilio.plan.length = 0;
    });

    test('a temporary failure whose retry would come after the expiry expires the message at once', async () => {
      twilio.plan.push(503);
      const id = await send('+6281211110008', 60);
      clock += 59_500;
      await worker().runOnce();
      const m = await message(id);
      assert.equal(m.status, 'expired');
      assert.match(m.events.at(-1).detail, /answered 503: Service unavailable; not retried, as the next attempt would come after the message's expiry/);
    });

    test('an answer that never comes leaves the outcome unknown: spooled, never sent again', async () => {
      const before = twilio.seen.length;
      twilio.plan.push('drop');
      const id = await send('+6281211110006');
      await worker().runOnce();
      let m = await message(id);
      assert.equal(m.status, 'spooled');
      assert.match(m.events.at(-1).detail, /whether it took the SMS is unknown, so it is not sent again/);
      clock += 120_000;
      await worker().runOnce();
      await s.services.sweep();
      assert.equal(twilio.seen.length, before + 1);
      // Its delivery report still settles it.
      const r = await callback(twilio.seen.at(-1)!.callback, { MessageSid: 'SM?', MessageStatus: 'delivered' });
      assert.equal(JSON.parse(r.body).status, 'delivered');
      m = await message(id);
      assert.equal(m.status, 'delivered');
    });

    test('a hand-over interrupted by a stop (marked, no answer recorded) is not sent again; unknown at its expiry becomes failed', async () => {
      const before = twilio.seen.length;
      const id = await send('+6281211110007', 600);
      // What a stop between the mark and the answer leaves: leased, marked spooled with the hand-over lease, nothing more.
      const now = clock;
      const [row] = await s.services.messages.lease({ gatewayId: 'provider:twilio', max: 1, now, leaseUntil: now + 5_000, routes: ['provider:twilio'] });
      assert.equal(row?.id, id);
      await s.services.messages.transition({ id, from: ['dispatched'], to: 'spooled', at: now, gatewayId: 'provider:twilio', detail: 'handing to provider twilio (attempt 1)', set: { lease_until: now + 35_000, attempts: 1 } });
      clock += 40_000;
      await worker().runOnce();
      let m = await message(id);
      assert.equal(m.status, 'spooled');
      assert.match(m.events.at(-1).detail, /interrupted .* not sent again/);
      assert.equal(twilio.seen.length, before);
      clock += 600_000;
      await worker().runOnce();
      m = await message(id);
      assert.equal(m.status, 'failed');
      assert.match(m.events.at(-1).detail, /whether it was sent is unknown/);
      assert.equal(twilio.seen.length, before);
    });

    test('metrics count hand-overs by provider and outcome', async () => {
      const text = (await s.api('GET', '/metrics')).body as string;
      assert.match(text, /kirim_provider_sends_total\{provider="twilio",outcome="accepted"\} [1-9]/);
      assert.match(text, /kirim_provider_sends_total\{provider="twilio",outcome="rejected"\} 1/);
      assert.match(text, /kirim_provider_sends_total\{provider="twilio",outcome="retry"\} [1-9]/);
      assert.match(text, /kirim_provider_reports_total\{provider="twilio",status="delivered"\} [1-9]/);
    });
  });
}
