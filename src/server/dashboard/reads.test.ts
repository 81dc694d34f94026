/**
 * The dashboard's read models and changes over HTTP on both stores, fed by
 * real traffic: an OTP sent through the gateway protocol to `delivered`,
 * an inbound SMS, heartbeats with a gap, a webhook receiver that fails then
 * succeeds (with replay), API keys created and revoked. The OTP's code
 * appears in no dashboard answer.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';
import { DIALECTS } from '../store/index.js';
import { appendJsonLine, ensureStateDir, handsetFileName, statePaths } from '../../modem-sim/state.js';
import { createMailboxTransport } from '../channels/email/mailbox.js';
import { dashRequest, signIn, type Operator } from './testing.js';

const READS = ['/overview', '/messages', '/verifications', '/gateways', '/inbound', '/webhooks', '/keys', '/dev/phone', '/dev/mailbox'].map((p) => `/dashboard/api${p}`);

for (const dialect of DIALECTS) {
  describe(`dashboard read models on ${dialect}`, () => {
    let s: TestServer;
    let op: Operator;
    let clock = Date.now();
    let code = '';
    let messageId = '';
    let verificationId = '';
    const answers: number[] = [];
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const status = answers.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 400 ? 'database is down' : 'ok');
      });
    });
    const hb = (signal: number) => ({ version: 'test', started_at: new Date(clock).toISOString(), modem: { ok: true, signal_percent: signal }, spool: { outbox: 2 } });
    /** Every raw dashboard answer, to look for the code in. */
    const seen: string[] = [];
    const get = async (url: string) => {
      const res = await op.req('GET', url);
      seen.push(res.raw);
      assert.equal(res.status, 200, `${url}: ${res.raw}`);
      return res.body;
    };

    before(async () => {
      s = await createTestServer({ dialect, transport: capturingTransport(), now: () => clock, env: { KIRIM_OTP_DIGITS: '8' } });
      op = await signIn(s);
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      answers.push(500);
      const wh = await s.api('POST', '/v1/webhooks', { url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`, events: ['message.delivered'] });
      assert.equal(wh.status, 201, JSON.stringify(wh.body));

      assert.equal((await s.gw('/heartbeat', hb(70))).status, 200);
      const v = await s.api('POST', '/v1/verifications', { to: '081234567890', channel: 'sms' });
      assert.equal(v.status, 201, JSON.stringify(v.body));
      verificationId = v.body.id;
      const lease = await s.gw('/lease', { max: 10, wait_ms: 0 });
      const m = lease.body.messages[0];
      messageId = m.id;
      code = /\d{8}/.exec(m.text)![0];
      clock += 2_000;
      const at = new Date(clock).toISOString();
      const rep = await s.gw('/reports', { reports: [{ message_id: messageId, status: 'spooled', at }, { message_id: messageId, status: 'sent', at }] });
      assert.equal(rep.status, 200);
      clock += 3_000;
      await s.gw('/reports', { reports: [{ message_id: messageId, status: 'delivered', at: new Date(clock).toISOString() }] });
      assert.equal((await s.api('POST', '/v1/verifications/check', { id: verificationId, code })).body.status, 'approved');
      await s.gw('/inbound', { messages: [{ key: 'in-1', from: '+6281111111', text: 'halo', received_at: new Date(clock).toISOString() }] });
      await s.api('POST', '/v1/messages', { to: 'budi@example.test', channel: 'email', text: 'Paket tiba' });
      clock += 120_000;
      assert.equal((await s.gw('/heartbeat', hb(55))).status, 200);
    });
    after(async () => {
      await s.close();
      await new Promise<void>((r) => receiver.close(() => r()));
    });

    test('every read needs a session', async () => {
      for (const url of READS) {
        const res = await dashRequest(s, 'GET', url);
        assert.equal(res.status, 401, url);
        assert.equal(res.body.code, 'unauthenticated');
      }
    });

    test('overview: per-minute counts, time to sent and delivered, the funnel by channel, country and gateway', async () => {
      const o = await get('/dashboard/api/overview?minutes=30');
      assert.equal(o.window_minutes, 30);
      assert.ok(o.per_minute.length >= 30 && o.per_minute.length <= 32, String(o.per_minute.length));
      const total = (status: string) => o.per_minute.reduce((n: number, m: any) => n + m.counts[status], 0);
      assert.equal(total('delivered'), 1);
      assert.equal(total('queued'), 2, 'the OTP and the email');
      assert.deepEqual(Object.keys(o.per_minute[0].counts).sort(), ['canceled', 'delivered', 'dispatched', 'expired', 'failed', 'queued', 'sent', 'spooled']);
      assert.deepEqual(o.time_to_sent, { count: 1, p50_ms: 2000, p90_ms: 2000, p99_ms: 2000 });
      assert.deepEqual(o.time_to_delivered, { count: 1, p50_ms: 5000, p90_ms: 5000, p99_ms: 5000 });
      const row = { started: 1, sent: 1, delivered: 1, approved: 1 };
      assert.deepEqual(o.funnel.by_channel, [{ key: 'sms', ...row }]);
      assert.deepEqual(o.funnel.by_country, [{ key: '+62', ...row }]);
      assert.deepEqual(o.funnel.by_gateway, [{ key: 'test-gw', ...row }]);
      assert.equal((await op.req('GET', '/dashboard/api/overview?minutes=0')).status, 400);
    });

    test('messages: search, filters, pages, and the timeline; OTP codes masked', async () => {
      const all = await get('/dashboard/api/messages');
      assert.equal(all.data.length, 2);
      assert.equal(all.next_cursor, null);
      const otp = all.data.find((m: any) => m.id === messageId);
      assert.equal(otp.status, 'delivered');
      assert.deepEqual(otp.gateway, { id: s.gatewayId, name: 'test-gw' });
      assert.equal(otp.verification_id, verificationId);
      assert.match(otp.text_preview, /••••••••/);
      assert.equal(otp.encoding, 'gsm7');
      assert.equal(otp.segments, 1);
      assert.deepEqual((await get('/dashboard/api/messages?q=0812345')).data.map((m: any) => m.id), [messageId], 'a local number matches its E.164 form');
      assert.deepEqual((await get('/dashboard/api/messages?q=6281234')).data.map((m: any) => m.id), [messageId]);
      assert.deepEqual((await get(`/dashboard/api/messages?q=${messageId.toUpperCase()}`)).data.map((m: any) => m.id), [messageId], 'an id, any case');
      assert.equal((await get('/dashboard/api/messages?q=%25')).data.length, 0, 'a % in the search is a literal');
      assert.equal((await get('/dashboard/api/messages?channel=email')).data[0].to, 'budi@example.test');
      assert.equal((await get('/dashboard/api/messages?status=queued&channel=sms')).data.length, 0);
      assert.equal((await get(`/dashboard/api/messages?gateway=${s.gatewayId}`)).data.length, 1);
      assert.equal((await get('/dashboard/api/messages?status=')).data.length, 2, 'an empty filter is no filter');
      const first = await get('/dashboard/api/messages?limit=1');
      assert.equal(first.data.length, 1);
      const second = await get(`/dashboard/api/messages?limit=1&cursor=${first.next_cursor}`);
      assert.equal(second.data.length, 1);
      assert.notEqual(second.data[0].id, first.data[0].id);
      assert.equal((await op.req('GET', '/dashboard/api/messages?status=lost')).status, 400);

      const one = await get(`/dashboard/api/messages/${messageId}`);
      assert.deepEqual(one.events.map((e: any) => e.status), ['queued', 'dispatched', 'spooled', 'sent', 'delivered']);
      assert.match(one.events[1].detail, /leased to gateway/);
      assert.match(one.text, /••••••••/);
      assert.equal(typeof one.expires_at, 'string');
      assert.equal((await op.req('GET', '/dashboard/api/messages/msg_nope')).status, 404);
    });

    test('verifications: search and the messages with their timelines; no code fields', async () => {
      const list = await get('/dashboard/api/verifications?q=081234567890&status=approved&channel=sms');
      assert.equal(list.data.length, 1);
      const v = list.data[0];
      assert.equal(v.id, verificationId);
      assert.deepEqual(v.api_key, { id: v.api_key.id, name: 'test' });
      assert.equal(typeof v.ended_at, 'string');
      const one = await get(`/dashboard/api/verifications/${verificationId}`);
      assert.equal(one.messages.length, 1);
      assert.equal(one.messages[0].events.at(-1).status, 'delivered');
      assert.ok(!JSON.stringify(one).includes('code_'), 'no code hash or ciphertext');
      assert.equal((await op.req('GET', '/dashboard/api/verifications/ver_nope')).status, 404);
    });

    test('gateways: state, signal, spool, counters, waiting, and the heartbeat timeline with its gap', async () => {
      const g = (await get('/dashboard/api/gateways')).data[0];
      assert.equal(g.name, 'test-gw');
      assert.equal(g.state, 'online');
      assert.equal(g.signal, 55);
      assert.equal(g.spool_depth, 2);
      assert.equal(g.health.modem.signal_percent, 55);
      assert.deepEqual(g.counters, { sent: 1, delivered: 1, failed: 0, inbound: 1 });
      assert.equal(g.waiting, 0);
      assert.equal(g.leased, 0);
      assert.equal(g.number, null, 'no number set');
      await s.store.updateGateway(s.gatewayId, { number: '+6281311112222' });
      assert.equal((await get('/dashboard/api/gateways')).data[0].number, '+6281311112222');
      assert.equal(g.heartbeats.length, 2);
      assert.equal(g.gaps.length, 1);
      assert.equal(g.gaps[0].seconds, 125);
      // The sweeper keeps a day of heartbeats.
      clock += 25 * 3600_000;
      await s.services.sweep();
      clock -= 25 * 3600_000;
      op = await signIn(s); // the sweep also ended the (by then idle) session
      assert.equal((await get('/dashboard/api/gateways')).data[0].heartbeats.length, 0);
    });

    test('inbound SMS, newest first, with the gateway', async () => {
      const list = await get('/dashboard/api/inbound');
      assert.deepEqual(list.data.map((i: any) => [i.from, i.text, i.gateway.name]), [['+6281111111', 'halo', 'test-gw']]);
    });

    test('webhooks: deliveries with status, latency and excerpt; replay sends the same event again', async () => {
      await s.services.webhooks.runOnce();
      const hooks = (await get('/dashboard/api/webhooks')).data;
      assert.equal(hooks.length, 1);
      assert.equal(hooks[0].api_key.name, 'test');
      const [failed] = hooks[0].deliveries;
      assert.equal(failed.type, 'message.delivered');
      assert.equal(failed.state, 'pending', 'a 500 is retried later');
      assert.equal(failed.response_status, 500);
      assert.equal(typeof failed.latency_ms, 'number');
      assert.equal(failed.response_excerpt, 'HTTP 500: database is down');
      const url = `/dashboard/api/webhooks/${hooks[0].id}/deliveries/${failed.id}/replay`;
      assert.equal((await dashRequest(s, 'POST', url, { headers: { cookie: op.cookie } })).status, 403, 'a replay is a change: CSRF token needed');
      const replay = await op.req('POST', url);
      assert.equal(replay.status, 202, replay.raw);
      assert.equal(replay.body.delivery.state, 'pending');
      assert.notEqual(replay.body.delivery.id, failed.id);
      await s.services.webhooks.runOnce();
      const after = (await get('/dashboard/api/webhooks')).data[0].deliveries;
      const again = after.find((d: any) => d.id === replay.body.delivery.id);
      assert.equal(again.state, 'delivered');
      assert.equal(again.response_status, 200);
      assert.equal((await op.req('POST', `/dashboard/api/webhooks/${hooks[0].id}/deliveries/whd_nope/replay`)).status, 404);
    });

    test('API keys: list, create (shown once), revoke (the next API call with it gets 401)', async () => {
      const created = await op.req('POST', '/dashboard/api/keys', { name: 'shop', admin: true });
      assert.equal(created.status, 201, created.raw);
      assert.match(created.body.key, /^kk_/);
      const { key, id } = created.body;
      assert.equal((await s.api('GET', '/v1/messages', undefined, { authorization: `Bearer ${key}` })).status, 200);
      assert.equal((await s.api('GET', '/v1/gateways', undefined, { authorization: `Bearer ${key}` })).status, 200, 'admin scope');
      const list = await get('/dashboard/api/keys');
      assert.ok(!list.raw?.includes(key) && !JSON.stringify(list).includes(key), 'the key is never shown again');
      const row = list.data.find((k: any) => k.id === id);
      assert.deepEqual({ ...row, created_at: 0 }, { id, name: 'shop', prefix: key.slice(0, 7), scopes: ['verify', 'messages', 'webhooks', 'admin'], created_at: 0, revoked_at: null, expires_at: null });
      assert.equal((await op.req('POST', '/dashboard/api/keys', { name: 'a/b' })).status, 400);
      assert.equal((await dashRequest(s, 'POST', `/dashboard/api/keys/${id}/revoke`, { headers: { cookie: op.cookie } })).status, 403);
      const revoked = await op.req('POST', `/dashboard/api/keys/${id}/revoke`);
      assert.equal(revoked.status, 200);
      assert.equal(typeof revoked.body.revoked_at, 'string');
      const refused = await s.api('GET', '/v1/messages', undefined, { authorization: `Bearer ${key}` });
      assert.equal(refused.status, 401);
      assert.equal((await op.req('POST', '/dashboard/api/keys/key_nope/revoke')).status, 404);
    });

    test('development views answer 404 unless kirim dev turned them on', async () => {
      for (const url of ['/dashboard/api/dev/phone', '/dashboard/api/dev/mailbox']) {
        const res = await op.req('GET', url);
        assert.equal(res.status, 404, url);
        assert.equal(res.body.code, 'not_found');
      }
    });

    test('the code appears in no dashboard answer', () => {
      assert.match(code, /^\d{8}$/);
      assert.ok(seen.length > 10);
      for (const body of seen) assert.ok(!body.includes(code), `the code is in ${body.slice(0, 200)}`);
    });
  });
}

test('development views: the handsets\' SMS and the mailbox, codes in clear', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-devviews-'));
  const simState = join(dir, 'modem-sim');
  const mailboxDir = join(dir, 'mailbox');
  const s = await createTestServer({ transport: capturingTransport(), config: { dev: { simState, mailboxDir } } });
  try {
    const op = await signIn(s);
    assert.equal((await op.req('GET', '/dashboard/api/session')).body.dev, true);
    assert.deepEqual((await op.req('GET', '/dashboard/api/dev/phone')).body, { handsets: [] });
    assert.deepEqual((await op.req('GET', '/dashboard/api/dev/mailbox')).body, { emails: [] });
    ensureStateDir(simState);
    appendJsonLine(join(statePaths(simState).handsets, handsetFileName('+6281234567890')), {
      number: '+6281234567890', text: 'Kode verifikasi Kirim Anda: 12345678.', encoding: 'gsm7', parts: 1, references: [1], received_at: '2026-01-02T03:04:05.000Z', flash: false, delivery_report_requested: true, concat_ref: null,
    });
    const mailbox = createMailboxTransport({ dir: mailboxDir });
    await mailbox.send({ messageId: 'msg_mail1', to: 'ana@example.test', from: 'Kirim <no-reply@localhost>', subject: 'Kode', text: 'Kode Anda: 87654321' });
    const phone = (await op.req('GET', '/dashboard/api/dev/phone')).body;
    assert.deepEqual(phone, { handsets: [{ number: '+6281234567890', messages: [{ text: 'Kode verifikasi Kirim Anda: 12345678.', received_at: '2026-01-02T03:04:05.000Z', encoding: 'gsm7', parts: 1 }] }] });
    const mails = (await op.req('GET', '/dashboard/api/dev/mailbox')).body.emails;
    assert.equal(mails.length, 1);
    assert.equal(mails[0].id, 'msg_mail1');
    assert.equal(mails[0].subject, 'Kode');
    assert.match(mails[0].text, /87654321/);
    assert.match(mails[0].to, /ana@example\.test/);
  } finally {
    await s.close();
  }
});
