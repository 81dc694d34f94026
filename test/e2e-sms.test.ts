/**
 * End to end through real parts: HTTP API → kirim server → kirim gateway →
 * gammu-smsd (files backend, LANG=C) → kirim modem-sim, and status, delivery
 * reports and inbound SMS back. What a handset received is read from the
 * simulator's records, decoded from the PDUs gammu sent. The whole run is
 * made once on each store dialect (SQLite, PostgreSQL in a fresh schema).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { clearFaults, injectSms, injectStatusReport, setFaults } from '../src/modem-sim/control.js';
import { readHandset, waitForHandsetMessage } from '../src/modem-sim/state.js';
import { DIALECTS } from '../src/server/store/index.js';
import { startStack, webhookReceiver, type Stack } from './support/stack.js';
import { waitFor } from './support/process.js';

const OTP_TEXT = /^Kode verifikasi Kirim Anda: (\d{6})\. Berlaku 10 menit\. Jangan berikan kode ini kepada siapa pun\.$/;

for (const dialect of DIALECTS) describe(`SMS end to end through gammu-smsd and modem-sim, on ${dialect}`, () => {
  let s: Stack;
  let hooks: Awaited<ReturnType<typeof webhookReceiver>>;

  before(async () => {
    // A 10 s lease: a message leased to a gateway killed before it wrote the
    // file comes back to the queue in seconds rather than the default 30.
    s = await startStack({ dialect, gatewayArgs: ['--max-attempts', '2', '--stuck-seconds', '30'], serverEnv: { KIRIM_LEASE_SECONDS: '10' } });
    hooks = await webhookReceiver();
    const wh = await s.api('POST', '/v1/webhooks', { url: hooks.url, events: ['message.sent', 'message.delivered', 'message.failed', 'message.received', 'verification.approved', 'gateway.online', 'gateway.offline'] });
    assert.equal(wh.status, 201, JSON.stringify(wh.body));
    assert.match(wh.body.secret, /^whsec_/);
    hooks.setSecret(wh.body.secret);
  });
  after(async () => {
    await s?.close();
    await hooks?.close();
  });

  const status = async (id: string) => (await s.api('GET', `/v1/messages/${id}`)).body;
  /** Waits for a status; on a timeout, says where the message is and what the gateway logged. */
  const waitStatus = async (id: string, want: string, timeoutMs = 30_000) => {
    try {
      return await waitFor(async () => ((await status(id)).status === want ? status(id) : null), { timeoutMs, what: `message ${id} to be ${want}` });
    } catch (err) {
      const m = await status(id).catch(() => null);
      const events = (m?.events ?? []).map((e: { status: string; detail?: string }) => e.status + (e.detail ? ` (${e.detail})` : '')).join(' → ');
      throw new Error(`${(err as Error).message}; it is ${m?.status}: ${events}\ngateway log (tail):\n${s.gatewayLog().slice(-6000)}`);
    }
  };

  test('an OTP started over HTTP arrives on the handset with the exact text and is approved', async () => {
    const v = await s.api('POST', '/v1/verifications', { to: '081234567890', channel: 'sms' });
    assert.equal(v.status, 201);
    // How fast is measured in bench/, not here: this waits for the event.
    const got = await waitForHandsetMessage(s.simState, '+6281234567890', { timeoutMs: 60_000 });
    const m = OTP_TEXT.exec(got.text);
    assert.ok(m, `exact OTP text, got ${JSON.stringify(got.text)}`);
    assert.equal(got.encoding, 'gsm7');
    assert.equal(got.parts, 1);
    const list = await s.api('GET', '/v1/messages?limit=5');
    const msg = list.body.data.find((x: { verification_id?: string }) => x.verification_id === v.body.id);
    const sent = await waitStatus(msg.id, 'sent');
    assert.deepEqual(sent.events.map((e: { status: string }) => e.status), ['queued', 'dispatched', 'spooled', 'sent']);
    assert.ok(!JSON.stringify(sent).includes(m[1]!), 'the stored message never shows the code');
    const check = await s.api('POST', '/v1/verifications/check', { to: '081234567890', code: m[1] });
    assert.equal(check.body.status, 'approved');
    await waitFor(() => hooks.events.find((e) => e.type === 'verification.approved' && e.data.id === v.body.id), { what: 'verification.approved webhook' });
    assert.ok(hooks.events.every((e) => e.valid), 'every webhook carries a valid signature');
  });

  test('a UCS-2 text and a 400-character text arrive intact; a delivery report makes the message delivered', async () => {
    const uni = 'Kode: 654321 — ✓ 😀 Terima kasih!';
    const long = Array.from({ length: 400 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz0123456789'[i % 36]).join('');
    const a = await s.api('POST', '/v1/messages', { to: '+6281111111111', channel: 'sms', text: uni });
    const b = await s.api('POST', '/v1/messages', { to: '+6281111111112', channel: 'sms', text: long });
    assert.equal(a.body.encoding, 'ucs2');
    assert.equal(b.body.segments, 3);
    const ga = await waitForHandsetMessage(s.simState, '+6281111111111', { timeoutMs: 30_000 });
    const gb = await waitForHandsetMessage(s.simState, '+6281111111112', { timeoutMs: 30_000 });
    assert.equal(ga.text, uni);
    assert.equal(ga.encoding, 'ucs2');
    assert.equal(gb.text, long);
    assert.equal(gb.parts, 3);
    assert.ok(gb.delivery_report_requested);
    await waitStatus(b.body.id, 'sent');
    // The network confirms every part: the message is delivered.
    for (const ref of gb.references) await injectStatusReport(s.simState, { reference: ref, status: 'delivered' }).applied(10_000);
    const delivered = await waitStatus(b.body.id, 'delivered', 40_000);
    assert.equal(delivered.status, 'delivered');
    await waitFor(() => hooks.events.find((e) => e.type === 'message.delivered' && e.data.id === b.body.id), { what: 'message.delivered webhook' });
  });

  test('inbound SMS, single and multipart, reach GET /v1/inbound and the webhook', async () => {
    const longReply = 'Balasan panjang: ' + 'x'.repeat(200);
    await injectSms(s.simState, { from: '+6281222223333', text: 'YA 123' }).applied(10_000);
    await injectSms(s.simState, { from: '+6281222224444', text: longReply }).applied(10_000);
    const inbound = await waitFor(async () => {
      const r = await s.api('GET', '/v1/inbound?limit=10');
      const a = r.body.data.find((x: { from: string }) => x.from === '+6281222223333');
      const b = r.body.data.find((x: { from: string }) => x.from === '+6281222224444');
      return a && b ? { a, b } : null;
    }, { timeoutMs: 40_000, what: 'inbound SMS' });
    assert.equal(inbound.a.text, 'YA 123');
    assert.equal(inbound.b.text, longReply);
    assert.equal(inbound.a.gateway, s.gatewayId);
    const hook = await waitFor(() => hooks.events.find((e) => e.type === 'message.received' && e.data.from === '+6281222224444'), { what: 'message.received webhook' });
    assert.equal(hook.data.text, longReply);
    assert.ok(hook.valid);

    // A national sender arrives in E.164 like every outbound `to`; an
    // operator's name stays a name. Both can be filtered on.
    const since = new Date(Date.now() - 1000).toISOString();
    await injectSms(s.simState, { from: '081222225555', text: 'dari nomor nasional' }).applied(10_000);
    await injectSms(s.simState, { from: 'TELKOMSEL', text: 'Info pulsa' }).applied(10_000);
    const national = await waitFor(async () => (await s.api('GET', '/v1/inbound?from=081222225555')).body.data[0], { timeoutMs: 40_000, what: 'the SMS from a national number' });
    assert.equal(national.from, '+6281222225555');
    assert.equal(national.text, 'dari nomor nasional');
    const named = await waitFor(async () => (await s.api('GET', `/v1/inbound?from=TELKOMSEL&since=${since}`)).body.data[0], { timeoutMs: 40_000, what: 'the SMS from TELKOMSEL' });
    assert.equal(named.text, 'Info pulsa');
  });

  test('messages leave in priority order: high before normal before low', async () => {
    await s.stopGateway();
    const low = await s.api('POST', '/v1/messages', { to: '+6281333330000', channel: 'sms', text: 'low', priority: 'low' });
    const normal = await s.api('POST', '/v1/messages', { to: '+6281333330000', channel: 'sms', text: 'normal', priority: 'normal' });
    const high = await s.api('POST', '/v1/messages', { to: '+6281333330000', channel: 'sms', text: 'high', priority: 'high' });
    s.startGateway();
    for (const m of [low, normal, high]) await waitStatus(m.body.id, 'sent');
    const got = readHandset(s.simState, '+6281333330000').map((m) => m.text);
    assert.deepEqual(got, ['high', 'normal', 'low']);
  });

  test('a send error fails the message with the reason and does not block the queue', async () => {
    await setFaults(s.simState, { cmsError: { code: 38, remaining: null } }).applied(10_000);
    try {
      const bad = await s.api('POST', '/v1/messages', { to: '+6281444440000', channel: 'sms', text: 'this one fails' });
      const failed = await waitStatus(bad.body.id, 'failed', 60_000);
      const last = failed.events[failed.events.length - 1];
      // gammu's reason (its wording depends on its debug level) and the agent's verdict.
      assert.match(last.detail, /^gammu: .+; gave up after 2 attempts$/);
    } finally {
      await clearFaults(s.simState).applied(10_000);
    }
    const good = await s.api('POST', '/v1/messages', { to: '+6281444440001', channel: 'sms', text: 'this one passes' });
    await waitStatus(good.body.id, 'sent', 30_000);
    assert.equal(readHandset(s.simState, '+6281444440000').length, 0);
    assert.equal(readHandset(s.simState, '+6281444440001')[0]?.text, 'this one passes');
    assert.equal(readdirSync(s.gammu.spool.outbox).filter((f) => f.startsWith('OUT')).length, 0, 'outbox drained');
  });

  test('an OTP whose gateway was offline past its expiry is expired and never reaches the handset', async () => {
    await s.stopGateway();
    const v = await s.api('POST', '/v1/verifications', { to: '+6281555550000', channel: 'sms' });
    // Shorten its lifetime to two seconds.
    const soon = Date.now() + 2_000;
    await s.server.store.db.updateTable('verifications').set({ expires_at: soon }).where('id', '=', v.body.id).execute();
    await s.server.store.db.updateTable('messages').set({ expires_at: soon }).where('verification_id', '=', v.body.id).execute();
    await waitFor(async () => (await s.api('GET', `/v1/verifications/${v.body.id}`)).body.status === 'expired', { what: 'the verification to be past its lifetime' });
    s.startGateway();
    const msgId = (await s.server.store.messagesOfVerification(v.body.id))[0]!.id;
    await waitStatus(msgId, 'expired', 10_000);
    assert.equal((await s.api('GET', `/v1/verifications/${v.body.id}`)).body.status, 'expired');
    // A message queued after it goes the whole way to its handset: had the
    // gateway (wrongly) written the code, gammu would have sent it first.
    await s.api('POST', '/v1/messages', { to: '+6281555550001', channel: 'sms', text: 'after the expired code', priority: 'high' });
    await waitForHandsetMessage(s.simState, '+6281555550001', { timeoutMs: 30_000 });
    assert.equal(readHandset(s.simState, '+6281555550000').length, 0);
  });

  test('gateway SIGKILLed during a burst, then restarted: every message reaches its handset exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await s.api('POST', '/v1/messages', { to: `+62816666600${String(i).padStart(2, '0')}`, channel: 'sms', text: `burst ${i}` });
      ids.push(r.body.id);
    }
    await waitFor(async () => (await Promise.all(ids.map(status))).some((m) => m.status === 'spooled' || m.status === 'sent'), { what: 'the first spool' });
    await s.stopGateway('SIGKILL');
    s.startGateway();
    // One deadline for the whole burst: a message leased but not yet written
    // when the gateway died waits for its lease to lapse, then for gammu.
    const deadline = Date.now() + 90_000;
    for (const id of ids) await waitStatus(id, 'sent', Math.max(1_000, deadline - Date.now()));
    for (let i = 0; i < 8; i++) {
      const got = readHandset(s.simState, `+62816666600${String(i).padStart(2, '0')}`);
      assert.deepEqual(got.map((m) => m.text), [`burst ${i}`], `handset ${i} got its message once`);
    }
  });

  test('the server restarts mid-run: reports made while it was down arrive afterwards', async () => {
    const r = await s.api('POST', '/v1/messages', { to: '+6281777770000', channel: 'sms', text: 'across a restart' });
    await waitStatus(r.body.id, 'spooled', 20_000).catch(() => null);
    await s.stopServer();
    const since = s.gatewayLog().length;
    try {
      await waitForHandsetMessage(s.simState, '+6281777770000', { timeoutMs: 30_000 });
      await waitFor(() => /"what":"reports".*"msg":"server unreachable/.test(s.gatewayLog().slice(since)), { what: 'the gateway to fail to report while the server is down' });
    } finally {
      await s.startServerAgain();
    }
    const m = await waitStatus(r.body.id, 'sent', 30_000);
    assert.equal(m.status, 'sent');
    assert.equal(readHandset(s.simState, '+6281777770000').length, 1);
  });

  test('a modem that stops answering is reported unhealthy by the heartbeat', async () => {
    await setFaults(s.simState, { networkLost: true }).applied(10_000);
    try {
      const health = await waitFor(async () => {
        const gw = await s.server.store.getGateway(s.gatewayId);
        const h = gw?.health ? JSON.parse(gw.health) : null;
        return h && h.modem.ok === false ? h : null;
      }, { timeoutMs: 60_000, what: 'an unhealthy heartbeat' });
      assert.equal(health.modem.ok, false);
      assert.ok(health.modem.error);
    } finally {
      await clearFaults(s.simState).applied(10_000);
    }
  });
});
