/**
 * The client against a live server (the real app listening on a port, real
 * HTTP): each method's typed answer, problem+json as KirimError (wrong key,
 * 429 with Retry-After, not found), and the retry promise — a creating POST
 * whose first attempt reached the server but whose answer was lost (dropped
 * connection, or a 503 on the way back) is sent again with the same
 * Idempotency-Key and creates exactly one message.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createApiKey } from '../server/credentials.js';
import { capturingTransport, createTestServer, type TestServer } from '../server/testing.js';
import { Kirim, KirimError, type Verification } from './index.js';

let s: TestServer;
let baseUrl: string;
const mail = capturingTransport();
before(async () => {
  // Background workers on: the email worker hands verification mails to
  // `mail`, where the tests read the code as the recipient would.
  s = await createTestServer({ transport: mail, start: true });
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
});
after(() => s.close());

/** Resolves once `fn` answers something, polling an observable state. */
async function waitFor<T>(fn: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const codeMailedTo = (to: string) => waitFor(() => mail.sent.filter((m) => m.to === to).map((m) => /\b(\d{6})\b/.exec(m.text)?.[1]).find(Boolean), `the code mailed to ${to}`);

/** Every request the client sends, with the Idempotency-Key it carried. */
function recordingFetch(onAttempt?: (n: number, request: Request, response: Response) => Response | Promise<Response>) {
  const seen: Array<{ method: string; path: string; key: string | null }> = [];
  const fetchFn = async (request: Request) => {
    seen.push({ method: request.method, path: new URL(request.url).pathname, key: request.headers.get('idempotency-key') });
    const response = await fetch(request);
    return onAttempt ? onAttempt(seen.length, request, response) : response;
  };
  return { seen, fetch: fetchFn };
}

async function messagesTo(kirim: Kirim, to: string) {
  const list = await kirim.listMessages({ limit: 100 });
  return list.data.filter((m) => m.to === to);
}

test('verification: start, a wrong code, the right code, get; another one canceled', async () => {
  const kirim = new Kirim({ baseUrl, apiKey: s.apiKey });
  const started: Verification = await kirim.startVerification({ to: 'Ana@Example.com', channel: 'email', locale: 'en' });
  assert.equal(started.status, 'pending');
  assert.equal(started.to, 'ana@example.com');
  assert.equal(started.channel, 'email');
  assert.ok(!('code' in started), 'the object never carries the code');

  const code = await codeMailedTo('ana@example.com');
  const wrong = await kirim.checkVerification({ id: started.id, code: code === '000000' ? '111111' : '000000' });
  assert.equal(wrong.status, 'pending');
  assert.equal(wrong.attempts_left, started.attempts_left - 1);
  const right = await kirim.checkVerification({ to: 'ana@example.com', code });
  assert.equal(right.status, 'approved');
  assert.equal((await kirim.getVerification(started.id)).status, 'approved');

  const other = await kirim.startVerification({ to: '081234567001', channel: 'sms' });
  assert.equal(other.to, '+6281234567001');
  assert.equal((await kirim.cancelVerification(other.id)).status, 'canceled');
});

test('messages: send, get, list', async () => {
  const kirim = new Kirim({ baseUrl, apiKey: s.apiKey });
  const sent = await kirim.sendMessage({ to: '081234567002', channel: 'sms', text: 'Paket Anda tiba besok.', priority: 'high' });
  assert.equal(sent.status, 'queued');
  assert.equal(sent.to, '+6281234567002');
  const got = await kirim.getMessage(sent.id);
  assert.equal(got.id, sent.id);
  assert.equal(got.priority, 'high');
  assert.ok(got.events.some((e) => e.status === 'queued'));
  const page = await kirim.listMessages({ status: 'queued', limit: 50 });
  assert.ok(page.data.some((m) => m.id === sent.id));
});

test('inbound: a received SMS is listed (to a key with the inbound scope: no key of ours texted this sender)', async () => {
  const up = await s.gw('/inbound', { messages: [{ key: 'client-in-1', from: '081234567003', text: 'YA', received_at: new Date().toISOString() }] });
  assert.equal(up.status, 200);
  const { key } = await createApiKey(s.store, 'inbound reader', { scopes: ['inbound'] });
  const kirim = new Kirim({ baseUrl, apiKey: key });
  const page = await kirim.listInbound({ from: '+6281234567003' });
  assert.deepEqual(
    page.data.map((i) => [i.from, i.text]),
    [['+6281234567003', 'YA']],
  );
});

test('webhooks: create (with its secret), list, delete', async () => {
  const kirim = new Kirim({ baseUrl, apiKey: s.apiKey });
  const hook = await kirim.webhooks.create({ url: 'https://app.example.com/kirim-events', events: ['message.delivered'] });
  assert.match(hook.secret ?? '', /^whsec_/);
  assert.ok((await kirim.webhooks.list()).data.some((w) => w.id === hook.id && w.secret === undefined));
  await kirim.webhooks.delete(hook.id);
  assert.ok(!(await kirim.webhooks.list()).data.some((w) => w.id === hook.id));
  const gone = await kirim.webhooks.delete(hook.id).catch((e: unknown) => e);
  assert.ok(gone instanceof KirimError);
  assert.equal(gone.code, 'not_found');
  assert.equal(gone.status, 404);
});

test('a wrong API key is KirimError unauthorized (401)', async () => {
  const kirim = new Kirim({ baseUrl, apiKey: 'kirim_live_wrong' });
  const err = await kirim.getMessage('msg_x').catch((e: unknown) => e);
  assert.ok(err instanceof KirimError, String(err));
  assert.equal(err.code, 'unauthorized');
  assert.equal(err.status, 401);
  assert.ok(err.detail.length > 0);
});

test('a 429 is KirimError rate_limited with retryAfter in seconds, not retried past the wait budget', async () => {
  const rec = recordingFetch();
  const kirim = new Kirim({ baseUrl, apiKey: s.apiKey, fetch: rec.fetch });
  const first = await kirim.startVerification({ to: '081234567004', channel: 'sms' });
  const err = await kirim.startVerification({ to: '081234567004', channel: 'sms' }).catch((e: unknown) => e);
  assert.ok(err instanceof KirimError, String(err));
  assert.equal(err.status, 429);
  assert.equal(err.code, 'rate_limited');
  const expected = Math.ceil((Date.parse(first.next_resend_at!) - Date.now()) / 1000);
  assert.ok(err.retryAfter !== undefined && err.retryAfter > 10 && err.retryAfter <= expected + 1, `retryAfter ${err.retryAfter}, next resend in ~${expected} s`);
  // Waiting that long is past the default 10 s budget: the caller decides.
  assert.equal(rec.seen.length, 2);
});

test('a POST whose answer was lost (dropped connection) is retried with the same key and creates one message', async () => {
  const to = '081234567005';
  const rec = recordingFetch((n, _req, response) => {
    // The server received and did the first attempt; its answer never arrives.
    if (n === 1) throw new TypeError('fetch failed', { cause: new Error('socket hang up') });
    return response;
  });
  const kirim = new Kirim({ baseUrl, apiKey: s.apiKey, fetch: rec.fetch });
  const sent = await kirim.sendMessage({ to, channel: 'sms', text: 'once' });
  assert.equal(rec.seen.length, 2, 'one retry');
  assert.ok(rec.seen[0]!.key, 'an Idempotency-Key is sent');
  assert.equal(rec.seen[1]!.key, rec.seen[0]!.key, 'the retry carries the same key');
  const mine = await messagesTo(kirim, '+6281234567005');
  assert.deepEqual(
    mine.map((m) => m.id),
    [sent.id],
    'exactly one message exists',
  );
});

test('a POST answered 503 is retried with the same key and creates one message; the caller may pass the key', async () => {
  const rec = recordingFetch((n, _req, response) =>
    // The first attempt was done, but a proxy on the way back answers 503.
    n === 1 ? new Response(JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'upstream closed', code: 'store_unavailable' }), { status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '0' } }) : response,
  );
  const kirim = new Kirim({ baseUrl, apiKey: s.apiKey, fetch: rec.fetch });
  const sent = await kirim.sendMessage({ to: '081234567006', channel: 'sms', text: 'once' }, { idempotencyKey: 'order-8812-sms' });
  assert.deepEqual(
    rec.seen.map((r) => r.key),
    ['order-8812-sms', 'order-8812-sms'],
  );
  assert.deepEqual(
    (await messagesTo(kirim, '+6281234567006')).map((m) => m.id),
    [sent.id],
  );
});

test('retries are bounded: a server that never answers gives network_error after 1 + retries attempts', async () => {
  let attempts = 0;
  const kirim = new Kirim({
    baseUrl,
    apiKey: s.apiKey,
    retries: 2,
    fetch: async () => {
      attempts++;
      throw new TypeError('fetch failed');
    },
  });
  const err = await kirim.sendMessage({ to: '081234567007', channel: 'sms', text: 'never' }).catch((e: unknown) => e);
  assert.ok(err instanceof KirimError, String(err));
  assert.equal(err.code, 'network_error');
  assert.equal(err.status, 0);
  assert.equal(attempts, 3);
});

test('reads and checks are sent once, never retried', async () => {
  let attempts = 0;
  const kirim = new Kirim({
    baseUrl,
    apiKey: s.apiKey,
    fetch: async () => {
      attempts++;
      throw new TypeError('fetch failed');
    },
  });
  await assert.rejects(kirim.checkVerification({ to: '081234567008', code: '123456' }), (e: unknown) => e instanceof KirimError && e.code === 'network_error');
  assert.equal(attempts, 1);
});

test('a bad base URL is refused at construction', () => {
  assert.throws(() => new Kirim({ baseUrl: 'not a url', apiKey: 'k' }), TypeError);
});
