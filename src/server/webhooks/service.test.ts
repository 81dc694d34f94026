/**
 * The webhook queue against a real HTTP receiver: signed deliveries, retry
 * after a 5xx on the backoff schedule, an endpoint that answers 410 is
 * disabled, only the owner's endpoints hear of its messages, and retries stop
 * after the documented schedule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';
import { webhookRetryDelays } from './backoff.js';
import { verifyWebhook } from './sign.js';

/** A receiver on 127.0.0.1 answering with `handle`; resolves with its URL. */
async function receiver(handle: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const http = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handle(req, body, res));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(http.address() as { port: number }).port}/h`, close: () => new Promise<void>((r) => http.close(() => r())) };
}

/** Waits until `n` deliveries are queued (the event reaches the queue after the API answered). */
async function deliveriesQueued(s: TestServer, n: number) {
  for (let i = 0; ; i++) {
    const rows = await s.store.db.selectFrom('webhook_deliveries').select('id').execute();
    if (rows.length >= n) return;
    if (i > 400) assert.fail(`${n} webhook deliveries were never queued (${rows.length} are)`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('deliveries are signed, retried after a 5xx, and stop at 410', async () => {
  let clock = Date.now();
  const s = await createTestServer({ transport: capturingTransport(), now: () => clock });
  const answers = [500, 204, 410];
  const got: Array<{ type: string; id: string; valid: boolean; status: number }> = [];
  let secret = '';
  const http = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const status = answers.shift() ?? 204;
      const v = verifyWebhook({ secret, headers: req.headers as Record<string, string>, body });
      got.push({ type: JSON.parse(body).type, id: String(req.headers['webhook-id']), valid: v.ok, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(http.address() as { port: number }).port}/h`;
    const wh = await s.api('POST', '/v1/webhooks', { url, events: ['message.queued'] });
    assert.equal(wh.status, 201);
    secret = wh.body.secret;
    const other = await s.newApiKey();
    // Another key's message is not announced to this endpoint.
    await s.api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'not yours' }, { authorization: `Bearer ${other}` });
    const m = await s.api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'hello' });
    await deliveriesQueued(s, 1);
    await s.services.webhooks.runOnce();
    assert.equal(got.length, 1);
    assert.equal(got[0]!.status, 500);
    assert.ok(got[0]!.valid, 'signature verifies with the returned secret');
    // Not due yet: nothing happens.
    await s.services.webhooks.runOnce();
    assert.equal(got.length, 1);
    clock += 10_000;
    await s.services.webhooks.runOnce();
    assert.equal(got.length, 2);
    assert.equal(got[1]!.id, got[0]!.id, 'a retry keeps the webhook-id');
    assert.equal(got[1]!.type, 'message.queued');
    const rows = await s.store.db.selectFrom('webhook_deliveries').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.state, 'delivered');
    assert.equal(rows[0]!.attempts, 2);
    assert.equal(JSON.parse(rows[0]!.payload).id, m.body.id);

    // 410 Gone disables the endpoint.
    await s.api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'again' });
    await deliveriesQueued(s, 2);
    await s.services.webhooks.runOnce();
    assert.equal(got.at(-1)!.status, 410);
    assert.deepEqual((await s.api('GET', '/v1/webhooks')).body.data, []);
  } finally {
    http.close();
    await s.close();
  }
});

test('an endpoint that keeps failing gets exactly the documented attempts, each after its delay, then the delivery is failed', async () => {
  let clock = Date.parse('2026-03-02T08:00:00Z');
  const s = await createTestServer({ transport: capturingTransport(), now: () => clock });
  const attempts: Array<{ at: number; id: string }> = [];
  const endpoint = await receiver((req, _body, res) => {
    attempts.push({ at: clock, id: String(req.headers['webhook-id']) });
    res.writeHead(503).end('down for maintenance');
  });
  try {
    const wh = await s.api('POST', '/v1/webhooks', { url: endpoint.url, events: ['message.queued'] });
    assert.equal(wh.status, 201);
    await s.api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'hello' });
    await deliveriesQueued(s, 1);
    await s.services.webhooks.runOnce();
    assert.equal(attempts.length, 1, 'the first attempt is made at once');

    // Each retry waits its scheduled delay (jitter only shortens it, by at most 20 %).
    for (const [i, delay] of webhookRetryDelays.entries()) {
      const last = attempts.at(-1)!.at;
      clock = last + Math.floor(delay * 0.8) - 1;
      await s.services.webhooks.runOnce();
      assert.equal(attempts.length, i + 1, `retry ${i + 1} is not made before 80 % of its ${delay} ms delay`);
      clock = last + delay;
      await s.services.webhooks.runOnce();
      assert.equal(attempts.length, i + 2, `retry ${i + 1} is made once its ${delay} ms delay has passed`);
    }

    const total = webhookRetryDelays.length + 1;
    const [row] = await s.store.db.selectFrom('webhook_deliveries').selectAll().execute();
    assert.equal(row!.state, 'failed');
    assert.equal(row!.attempts, total);
    assert.match(row!.last_error ?? '', /HTTP 503/);
    assert.equal(new Set(attempts.map((a) => a.id)).size, 1, 'every attempt is the same delivery');

    // The schedule is over: no more attempts, however long we wait.
    for (const later of [webhookRetryDelays.at(-1)!, 7 * 24 * 3_600_000]) {
      clock += later;
      await s.services.webhooks.runOnce();
    }
    assert.equal(attempts.length, total, `${total} attempts and no more`);
    assert.equal((await s.store.db.selectFrom('webhook_deliveries').select('state').executeTakeFirstOrThrow()).state, 'failed');
  } finally {
    await endpoint.close();
    await s.close();
  }
});
