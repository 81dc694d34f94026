/**
 * The webhook queue against a real HTTP receiver: signed deliveries, retry
 * after a 5xx on the backoff schedule, an endpoint that answers 410 is
 * disabled, and only the owner's endpoints hear of its messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { capturingTransport, createTestServer } from '../testing.js';
import { verifyWebhook } from './sign.js';

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
    await new Promise((r) => setTimeout(r, 50));
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
    await new Promise((r) => setTimeout(r, 50));
    await s.services.webhooks.runOnce();
    assert.equal(got.at(-1)!.status, 410);
    assert.deepEqual((await s.api('GET', '/v1/webhooks')).body.data, []);
  } finally {
    http.close();
    await s.close();
  }
});
