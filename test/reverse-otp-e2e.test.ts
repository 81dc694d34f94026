/**
 * Reverse OTP end to end through real parts: the application starts a
 * reverse verification over HTTP, the person's SMS is injected into
 * `kirim modem-sim`, real gammu-smsd (files backend) saves it to its inbox,
 * `kirim gateway` uploads it, and the server approves the verification and
 * sends the signed `verification.approved` webhook. A wrong code costs an
 * attempt, the right code from another number approves nothing, and the
 * right code after the lifetime approves nothing. Made once on each store
 * dialect.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { injectSms } from '../src/modem-sim/control.js';
import { DIALECTS } from '../src/server/store/index.js';
import { startStack, webhookReceiver, type Stack } from './support/stack.js';
import { waitFor } from './support/process.js';

const GW_NUMBER = '+6281311112222';
const TTL_SECONDS = 30;

for (const dialect of DIALECTS) describe(`reverse OTP through gammu-smsd and modem-sim, on ${dialect}`, () => {
  let s: Stack;
  let hooks: Awaited<ReturnType<typeof webhookReceiver>>;

  before(async () => {
    s = await startStack({ dialect, serverEnv: { KIRIM_OTP_TTL_SECONDS: String(TTL_SECONDS) } });
    hooks = await webhookReceiver();
    const wh = await s.api('POST', '/v1/webhooks', { url: hooks.url, events: ['verification.approved', 'message.received'] });
    assert.equal(wh.status, 201, JSON.stringify(wh.body));
    hooks.setSecret(wh.body.secret);
    const n = await s.api('PUT', `/v1/gateways/${s.gatewayId}/number`, { number: GW_NUMBER });
    assert.equal(n.status, 200, JSON.stringify(n.body));
    // The number is offered once the gateway is heard from.
    await waitFor(async () => (await s.api('GET', '/v1/gateways')).body.data.find((g: { id: string; state: string }) => g.id === s.gatewayId && g.state === 'online'), { timeoutMs: 60_000, what: 'the gateway online' });
  });
  after(async () => {
    await s?.close();
    await hooks?.close();
  });

  const read = async (id: string) => (await s.api('GET', `/v1/verifications/${id}`)).body;
  /** Waits until the server stored an SMS from `from` whose text is `text` (as stored). */
  const stored = (from: string, text: string) =>
    waitFor(async () => (await s.api('GET', `/v1/inbound?from=${encodeURIComponent(from)}`)).body.data.find((m: { text: string }) => m.text === text), { timeoutMs: 60_000, what: `the SMS from ${from} stored as ${JSON.stringify(text)}` });

  test('the person texts the code: a wrong code costs an attempt, another sender approves nothing, the right one approves', async () => {
    const start = await s.api('POST', '/v1/verifications', { to: '081200000001', channel: 'sms', method: 'reverse' });
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const { id, reverse } = start.body;
    assert.equal(reverse.number, GW_NUMBER);
    assert.equal(reverse.text, `KIRIM ${reverse.code}`);
    const wrong = reverse.code === '000000' ? '111111' : '000000';

    await injectSms(s.simState, { from: '+6281200000001', text: `KIRIM ${wrong}` }).applied(10_000);
    const counted = await waitFor(async () => {
      const v = await read(id);
      return v.attempts_left === 4 ? v : null;
    }, { timeoutMs: 60_000, what: 'the wrong code counted' });
    assert.equal(counted.status, 'pending');

    await injectSms(s.simState, { from: '+6281200000099', text: reverse.text }).applied(10_000);
    // Stored as it came: from this sender it answers nothing pending.
    await stored('+6281200000099', reverse.text);
    const after = await read(id);
    assert.equal(after.status, 'pending', 'the right code from another number approves nothing');
    assert.equal(after.attempts_left, 4);

    // From a national number, in lower case, with a space: still the person and the code.
    await injectSms(s.simState, { from: '081200000001', text: `kirim ${reverse.code.slice(0, 3)} ${reverse.code.slice(3)}` }).applied(10_000);
    const approved = await waitFor(async () => {
      const v = await read(id);
      return v.status === 'approved' ? v : null;
    }, { timeoutMs: 60_000, what: 'the verification approved' });
    assert.equal(approved.method, 'reverse');
    const hook = await waitFor(() => hooks.events.find((e) => e.type === 'verification.approved' && e.data.id === id), { timeoutMs: 30_000, what: 'the verification.approved webhook' });
    assert.ok(hook.valid, 'signed');
    assert.equal(hook.data.to, '+6281200000001');
    await stored('+6281200000001', 'kirim *** ***');
  });

  test('the right code after the lifetime approves nothing', async () => {
    const start = await s.api('POST', '/v1/verifications', { to: '+6281200000002', channel: 'sms', method: 'reverse' });
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const { id, reverse } = start.body;
    await waitFor(async () => (await read(id)).status === 'expired', { timeoutMs: (TTL_SECONDS + 30) * 1000, intervalMs: 500, what: 'the verification expired' });
    await injectSms(s.simState, { from: '+6281200000002', text: reverse.text }).applied(10_000);
    // Stored as it came: it answered nothing pending.
    await stored('+6281200000002', reverse.text);
    assert.equal((await read(id)).status, 'expired');
    assert.equal(hooks.events.some((e) => e.type === 'verification.approved' && e.data.id === id), false);
  });
});
