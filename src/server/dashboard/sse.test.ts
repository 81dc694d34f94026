/**
 * The live stream over a real socket on both stores: a message's state
 * changes arrive as `message` events (codes masked), gateway heartbeats as
 * `gateway` events, a webhook attempt as a `webhook` event; logout ends the
 * stream at once, and closing the server does not wait for open streams.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';
import { DIALECTS } from '../store/index.js';
import { signIn, type Operator } from './testing.js';

interface Sse {
  /** Resolves with the first event of `name` whose data passes `match`. */
  next(name: string, match?: (data: any) => boolean): Promise<any>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  events: Array<{ event: string; data: any }>;
  close(): void;
}

async function openStream(url: string, cookie: string): Promise<Sse> {
  const ctrl = new AbortController();
  const res = await fetch(`${url}/dashboard/api/events`, { headers: { cookie }, signal: ctrl.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
  const events: Array<{ event: string; data: any }> = [];
  const waiters: Array<() => void> = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          for (const w of waiters.splice(0)) w();
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    events,
    ended,
    close: () => ctrl.abort(),
    async next(name, match = () => true) {
      for (;;) {
        const found = events.find((e) => e.event === name && match(e.data));
        if (found) return found.data;
        const more = new Promise<void>((r) => waiters.push(r));
        const stop = await Promise.race([more.then(() => false), ended.then(() => true)]);
        if (stop && !events.find((e) => e.event === name && match(e.data))) throw new Error(`the stream ended before a ${name} event; got ${JSON.stringify(events)}`);
      }
    },
  };
}

for (const dialect of DIALECTS) {
  describe(`dashboard live stream on ${dialect}`, () => {
    let s: TestServer;
    let url: string;
    let op: Operator;
    before(async () => {
      s = await createTestServer({ dialect, transport: capturingTransport(), env: { KIRIM_OTP_DIGITS: '8' } });
      url = await s.app.listen({ port: 0, host: '127.0.0.1' });
      op = await signIn(s);
    });
    after(() => s.close());

    test('without a session: 401, no stream', async () => {
      const res = await fetch(`${url}/dashboard/api/events`);
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { code: string }).code, 'unauthenticated');
    });

    test('a message\'s state changes arrive as they are stored, with the code masked; gateways and webhooks too', async () => {
      const sse = await openStream(url, op.cookie);
      try {
        const hb = { version: 'test', started_at: new Date().toISOString(), modem: { ok: true, signal_percent: 70 }, spool: { outbox: 0 } };
        await s.gw('/heartbeat', hb);
        const g = await sse.next('gateway');
        assert.deepEqual({ ...g, last_seen_at: typeof g.last_seen_at }, { id: s.gatewayId, name: 'test-gw', state: 'online', last_seen_at: 'string' });

        const v = await s.api('POST', '/v1/verifications', { to: '081234567890', channel: 'sms' });
        assert.equal(v.status, 201);
        const queued = await sse.next('message', (m) => m.verification_id === v.body.id);
        assert.equal(queued.status, 'queued');
        const lease = await s.gw('/lease', { max: 10, wait_ms: 0 });
        const code = /\d{8}/.exec(lease.body.messages[0].text)![0];
        const id = lease.body.messages[0].id;
        assert.equal((await sse.next('message', (m) => m.id === id && m.status === 'dispatched')).gateway.name, 'test-gw');
        const at = new Date().toISOString();
        await s.gw('/reports', { reports: [{ message_id: id, status: 'spooled', at }, { message_id: id, status: 'sent', at }, { message_id: id, status: 'delivered', at }] });
        const delivered = await sse.next('message', (m) => m.id === id && m.status === 'delivered');
        assert.match(delivered.text_preview, /••••••••/);
        await s.api('POST', '/v1/verifications/check', { id: v.body.id, code });
        assert.equal((await sse.next('verification', (x) => x.id === v.body.id)).status, 'approved');
        await s.gw('/inbound', { messages: [{ key: 'k1', from: '+6281111111', text: 'halo', received_at: at }] });
        assert.equal((await sse.next('inbound')).text, 'halo');
        assert.ok(!JSON.stringify(sse.events).includes(code), 'the code is in no event');
      } finally {
        sse.close();
      }
    });

    test('a webhook attempt arrives as a webhook event', async () => {
      const sse = await openStream(url, op.cookie);
      try {
        // A port that was free a moment ago: the attempt is refused at once.
        const probe = createServer();
        await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
        const port = (probe.address() as { port: number }).port;
        await new Promise<void>((r) => probe.close(() => r()));
        const wh = await s.api('POST', '/v1/webhooks', { url: `http://127.0.0.1:${port}/hook`, events: ['message.queued'] });
        assert.equal(wh.status, 201);
        await s.api('POST', '/v1/messages', { to: 'ana@example.test', channel: 'email', text: 'hi' });
        await s.services.webhooks.runOnce();
        const w = await sse.next('webhook', (x) => x.webhook_id === wh.body.id);
        assert.equal(w.delivery.type, 'message.queued');
        assert.match(w.delivery.response_excerpt, /ECONNREFUSED/);
      } finally {
        sse.close();
      }
    });

    test('logout ends the session\'s streams at once; other sessions keep theirs', async () => {
      const other = await signIn(s);
      const mine = await openStream(url, op.cookie);
      const theirs = await openStream(url, other.cookie);
      try {
        assert.equal((await op.req('POST', '/dashboard/api/logout')).status, 204);
        await mine.ended;
        await s.gw('/heartbeat', { version: 'test', started_at: new Date().toISOString(), modem: { ok: true }, spool: { outbox: 0 } });
        await theirs.next('gateway');
      } finally {
        mine.close();
        theirs.close();
        op = await signIn(s);
      }
    });

    test('closing the server ends open streams instead of waiting for them', async () => {
      const t = await createTestServer({ dialect, transport: capturingTransport() });
      const tUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const o = await signIn(t);
      const sse = await openStream(tUrl, o.cookie);
      const started = Date.now();
      await t.close();
      await sse.ended;
      assert.ok(Date.now() - started < 3000, `close took ${Date.now() - started} ms`);
    });
  });
}
