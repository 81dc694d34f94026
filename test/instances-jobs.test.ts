/**
 * Background jobs of two server instances on one PostgreSQL schema, run at
 * the same moment: nothing is done twice.
 *
 * - 30 emails, worked by both instances' email workers at once, reach a
 *   real SMTP server (smtp-server) once each; 10 of them meet a temporary
 *   refusal first and are retried, once each;
 * - their 30 `message.sent` webhook events, worked by both instances'
 *   webhook workers at once, reach a real HTTP receiver once each;
 * - both sweepers at once: each overdue message expires once (one event),
 *   each lapsed lease is requeued once, a silent gateway goes offline once,
 *   and a gateway heard by both instances at once comes online once;
 * - a sweeper that read a lapsed lease before another instance requeued it
 *   and a gateway leased it anew does not requeue the new lease.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { createSmtpTransport } from '../src/server/channels/email/smtp.js';
import { createTestServer, type TestServer } from '../src/server/testing.js';
import { freshDbUrl } from '../src/server/store/testing.js';
import { waitFor } from './support/process.js';

const N = 30;

/** A real SMTP server; the first attempt for an address starting with `later` is refused for now (451). */
async function smtpSink() {
  const received: string[] = [];
  const refused = new Set<string>();
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(a, _s, cb) {
      if (a.address.startsWith('later') && !refused.has(a.address)) {
        refused.add(a.address);
        return cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
      }
      cb();
    },
    onData(stream, _s, cb) {
      simpleParser(stream).then((m) => {
        received.push((m.to as { text: string }).text);
        cb();
      }, cb);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  return { received, refused, url: `smtp://127.0.0.1:${(smtp.server.address() as { port: number }).port}`, close: () => new Promise<void>((r) => smtp.close(() => r())) };
}

/** A real HTTP receiver for webhooks: every request's webhook-id and event. */
async function hookSink() {
  const received: Array<{ webhookId: string; type: string; id: string }> = [];
  const http = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const e = JSON.parse(body) as { type: string; data: { id: string } };
      received.push({ webhookId: String(req.headers['webhook-id']), type: e.type, id: e.data.id });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return { received, url: `http://127.0.0.1:${(http.address() as { port: number }).port}/hook`, close: () => new Promise<void>((r) => http.close(() => r())) };
}

const dupes = (xs: string[]) => xs.filter((x, i) => xs.indexOf(x) !== i);

describe('two instances on one PostgreSQL schema run their background jobs at once', () => {
  let a: TestServer;
  let b: TestServer;
  let smtp: Awaited<ReturnType<typeof smtpSink>>;
  let hooks: Awaited<ReturnType<typeof hookSink>>;
  let drop: () => Promise<void>;
  before(async () => {
    smtp = await smtpSink();
    hooks = await hookSink();
    const fresh = await freshDbUrl('postgres');
    drop = fresh.drop;
    const scopes = ['verify', 'messages', 'webhooks', 'admin'] as const;
    a = await createTestServer({ dialect: 'postgres', dbUrl: fresh.url, transport: createSmtpTransport({ url: smtp.url }), apiKeyScopes: [...scopes] });
    b = await createTestServer({ dialect: 'postgres', dbUrl: fresh.url, transport: createSmtpTransport({ url: smtp.url }) });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
    await smtp?.close();
    await hooks?.close();
  });

  test('emails and their webhook events reach their receivers once each', async () => {
    const hook = await a.api('POST', '/v1/webhooks', { url: hooks.url, events: ['message.sent'] });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const r = await a.api('POST', '/v1/messages', { to: `${i % 3 === 0 ? 'later' : 'now'}${i}@example.test`, channel: 'email', text: `mail ${i}` });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      ids.push(r.body.id);
    }
    // Both instances' workers, over and over at the same moments, until every email is sent (retries come due 2 s later).
    await waitFor(async () => {
      await Promise.all([a.services.email.runOnce(), b.services.email.runOnce(), a.services.email.runOnce(), b.services.email.runOnce()]);
      const rows = await a.store.db.selectFrom('messages').select('status').where('id', 'in', ids).execute();
      return rows.every((r) => r.status === 'sent');
    }, { what: 'every email sent', timeoutMs: 30_000, intervalMs: 200 });
    assert.equal(smtp.refused.size, N / 3);
    assert.equal(smtp.received.length, N, `received: ${smtp.received.length}, twice: ${dupes(smtp.received).join(', ')}`);
    assert.deepEqual(dupes(smtp.received), []);

    await waitFor(async () => {
      await Promise.all([a.services.webhooks.runOnce(), b.services.webhooks.runOnce(), a.services.webhooks.runOnce(), b.services.webhooks.runOnce()]);
      return hooks.received.length >= N;
    }, { what: 'every webhook event delivered', timeoutMs: 30_000, intervalMs: 100 });
    // Anything still pending would be due now: one more pass by both, then count.
    await Promise.all([a.services.webhooks.runOnce(), b.services.webhooks.runOnce()]);
    assert.equal(hooks.received.length, N);
    assert.deepEqual(dupes(hooks.received.map((h) => h.webhookId)), [], 'no delivery posted twice');
    assert.deepEqual(hooks.received.map((h) => h.id).sort(), [...ids].sort(), 'one message.sent per email');
  });

  test('both sweepers at once: each expiry, requeue, offline and online change happens once', async () => {
    const hook = await a.api('POST', '/v1/webhooks', { url: hooks.url, events: ['gateway.online', 'gateway.offline'] });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    const now = Date.now();
    const created: string[] = [];
    for (let i = 0; i < N; i++) {
      const r = await a.api('POST', '/v1/messages', { to: `+62812000${String(i).padStart(4, '0')}`, channel: 'sms', text: `sms ${i}` });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      created.push(r.body.id);
    }
    const [overdue, lapsed] = [created.slice(0, N / 2), created.slice(N / 2)];
    await a.store.db.updateTable('messages').set({ expires_at: now - 1000 }).where('id', 'in', overdue).execute();
    await a.store.db.updateTable('messages').set({ status: 'dispatched', gateway_id: a.gatewayId, lease_until: now - 1000 }).where('id', 'in', lapsed).execute();
    await a.store.db.updateTable('gateways').set({ state: 'online', last_seen_at: now - 3600_000 }).where('id', '=', a.gatewayId).execute();

    await Promise.all([a.services.sweep(), b.services.sweep(), a.services.sweep(), b.services.sweep()]);
    const events = await a.store.db.selectFrom('message_events').select(['message_id', 'status']).where('message_id', 'in', created).execute();
    for (const id of overdue) assert.equal(events.filter((e) => e.message_id === id && e.status === 'expired').length, 1, `${id} expired once`);
    for (const id of lapsed) assert.equal(events.filter((e) => e.message_id === id && e.status === 'queued').length, 2, `${id} queued at creation and requeued once`);
    assert.equal((await a.store.getGateway(a.gatewayId))?.state, 'offline');
    const gatewayEvents = async (type: string) => (await a.store.db.selectFrom('webhook_deliveries').select('id').where('type', '=', type).execute()).length;
    assert.equal(await gatewayEvents('gateway.offline'), 1, 'one gateway.offline event');

    // The gateway is heard by both instances at the same moment (a report
    // to one, another to the other): it comes online once.
    const report = (s: TestServer) =>
      s.app.inject({
        method: 'POST',
        url: '/gateway/v1/reports',
        headers: { authorization: `Bearer ${a.gatewayToken}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ reports: [{ message_id: 'msg_unknown', status: 'sent', at: new Date().toISOString() }] }),
      });
    const answers = await Promise.all([report(a), report(b), report(a), report(b)]);
    assert.deepEqual(answers.map((r) => r.statusCode), [200, 200, 200, 200]);
    assert.equal((await a.store.getGateway(a.gatewayId))?.state, 'online');
    assert.equal(await gatewayEvents('gateway.online'), 1, 'one gateway.online event');
  });

  test('a sweeper that read a lapsed lease does not requeue the lease a gateway took since', async () => {
    const r = await a.api('POST', '/v1/messages', { to: '+6281299990000', channel: 'sms', text: 'stale read' });
    const id = r.body.id as string;
    const now = Date.now();
    await a.store.db.updateTable('messages').set({ status: 'dispatched', gateway_id: a.gatewayId, lease_until: now - 1000 }).where('id', '=', id).execute();
    const [stale] = (await b.store.listLapsedLeases(now, 500)).filter((m) => m.id === id);
    assert.ok(stale);
    // Instance A requeues it, and the gateway leases it again with a fresh lease.
    assert.ok((await a.services.gateways.requeueLapsed()) >= 1);
    await a.store.db.updateTable('messages').set({ status: 'dispatched', lease_until: now + 30_000 }).where('id', '=', id).execute();
    // B goes on with what it read: the compare-and-set on the lease refuses it.
    const moved = await b.services.messages.transition({ id, from: ['dispatched'], to: 'queued', at: now, detail: 'stale', set: { lease_until: null }, unclaimed: true, leaseUntil: stale.lease_until! });
    assert.equal(moved, undefined);
    assert.equal((await a.store.getMessage(id))?.status, 'dispatched');
  });
});
