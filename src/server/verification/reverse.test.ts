/**
 * Reverse OTP through the HTTP API and the gateway's inbound upload, on
 * every store dialect, with the server's clock in the test's hand:
 *
 * - the start sends nothing and answers the code, the gateway's number,
 *   the text and the sms: links; the code is stored only as HMAC and
 *   ciphertext; a repeated start shows the same code;
 * - an SMS from `to` with the code approves it once (the verification.approved
 *   webhook is queued) and is stored masked; a repeated upload changes nothing;
 * - a wrong code from `to` costs an attempt and a guess; the right code from
 *   another number approves nothing; after expiry, after the last attempt
 *   or while the sender cools off nothing is approved;
 * - no gateway number, no gateway online, a check by code, and a start of the
 *   other method are refused precisely; SMS budgets do not apply, the
 *   destination budget does.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';

const GW_NUMBER = '+6281311112222';

async function withClock(dialect: (typeof DIALECTS)[number], env: Record<string, string>, fn: (s: TestServer, clock: { now: number }) => Promise<void>) {
  const clock = { now: Date.parse('2026-03-02T08:00:00Z') };
  const s = await createTestServer({ dialect, transport: capturingTransport(), env, now: () => clock.now, apiKeyScopes: ['verify', 'messages', 'webhooks', 'inbound', 'admin'] });
  try {
    await fn(s, clock);
  } finally {
    await s.close();
  }
}

/** The test gateway with its number set, heard from now. */
async function numbered(s: TestServer, clock: { now: number }) {
  const r = await s.api('PUT', `/v1/gateways/${s.gatewayId}/number`, { number: '081311112222' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.number, GW_NUMBER, 'answered in E.164');
  await s.store.updateGateway(s.gatewayId, { last_seen_at: clock.now });
}

let serial = 0;
/** The gateway uploads an SMS from `from`; answers the upload's counts. */
async function sms(s: TestServer, clock: { now: number }, from: string, text: string, key = `IN-${++serial}`) {
  const r = await s.gw('/inbound', { messages: [{ key, from, text, received_at: new Date(clock.now).toISOString() }] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as { accepted: number; duplicates: number };
}

const start = (s: TestServer, to: string, extra: Record<string, unknown> = {}) => s.api('POST', '/v1/verifications', { to, channel: 'sms', method: 'reverse', ...extra });
const read = async (s: TestServer, id: string) => (await s.api('GET', `/v1/verifications/${id}`)).body;

for (const dialect of DIALECTS) {
  describe(`reverse OTP on ${dialect}`, () => {
    test('start sends nothing and shows what to send; the SMS from `to` with the code approves it once', async () => {
      await withClock(dialect, {}, async (s, clock) => {
        await numbered(s, clock);
        const hook = await s.api('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/events', events: ['verification.approved'] });
        assert.equal(hook.status, 201, JSON.stringify(hook.body));
        const to = '+6281200000001';
        const r = await start(s, '081200000001');
        assert.equal(r.status, 201, JSON.stringify(r.body));
        const { reverse, ...v } = r.body;
        assert.equal(v.method, 'reverse');
        assert.equal(v.status, 'pending');
        assert.equal(v.to, to);
        assert.equal(v.sends, 0);
        assert.match(reverse.code, /^[0-9]{6}$/);
        assert.equal(reverse.number, GW_NUMBER);
        assert.equal(reverse.text, `KIRIM ${reverse.code}`);
        assert.equal(reverse.sms_uri, `sms:${GW_NUMBER}?body=KIRIM%20${reverse.code}`);
        assert.equal(reverse.sms_uri_ios, `sms:${GW_NUMBER}&body=KIRIM%20${reverse.code}`);
        assert.equal(await s.store.db.selectFrom('messages').select('id').executeTakeFirst(), undefined, 'no SMS is queued');
        const row = await s.store.db.selectFrom('verifications').selectAll().where('id', '=', v.id).executeTakeFirstOrThrow();
        assert.ok(!JSON.stringify(row).includes(reverse.code), 'the code is not stored in clear');
        assert.equal(JSON.stringify(await read(s, v.id)).includes(reverse.code), false, 'GET never shows the code');

        const again = await start(s, to);
        assert.equal(again.status, 200, JSON.stringify(again.body));
        assert.equal(again.body.id, v.id);
        assert.equal(again.body.reverse.code, reverse.code, 'a repeated start shows the same code');

        const spaced = `kirim ${reverse.code.slice(0, 3)} ${reverse.code.slice(3)}`;
        assert.deepEqual(await sms(s, clock, '081200000001', spaced, 'IN-approve'), { accepted: 1, duplicates: 0 });
        const approved = await read(s, v.id);
        assert.equal(approved.status, 'approved');
        const deliveries = await s.store.db.selectFrom('webhook_deliveries').selectAll().where('type', '=', 'verification.approved').execute();
        assert.equal(deliveries.length, 1, 'verification.approved is queued');
        assert.equal(JSON.parse(deliveries[0]!.payload).id, v.id);
        const inbound = (await s.api('GET', '/v1/inbound')).body.data;
        assert.equal(inbound.length, 1);
        assert.equal(inbound[0].text, 'kirim *** ***', 'the evaluated reply is stored masked');

        // The agent may upload the same SMS again: stored once, evaluated once.
        assert.deepEqual(await sms(s, clock, '081200000001', spaced, 'IN-approve'), { accepted: 0, duplicates: 1 });
        assert.equal((await s.store.db.selectFrom('webhook_deliveries').selectAll().where('type', '=', 'verification.approved').execute()).length, 1);
        // A new one starts with a new code; the old text does not approve it.
        const next = await start(s, to);
        assert.equal(next.status, 201, JSON.stringify(next.body));
        assert.notEqual(next.body.id, v.id);
      });
    });

    test('a wrong code from `to` costs an attempt; the right code from another number approves nothing', async () => {
      await withClock(dialect, {}, async (s, clock) => {
        await numbered(s, clock);
        const to = '+6281200000002';
        const { reverse, id } = (await start(s, to)).body;
        const wrong = reverse.code === '000000' ? '111111' : '000000';

        await sms(s, clock, to, `KIRIM ${wrong}`);
        let v = await read(s, id);
        assert.equal(v.status, 'pending');
        assert.equal(v.attempts_left, 4, 'the wrong code cost one attempt');
        const guesses = await s.store.getGuessFailures(to);
        assert.equal(guesses?.failures, 1, 'and one guess of the destination');

        await sms(s, clock, '+6281200000099', reverse.text);
        await sms(s, clock, 'TELKOMSEL', reverse.text);
        v = await read(s, id);
        assert.equal(v.status, 'pending', 'the right code from another sender approves nothing');
        assert.equal(v.attempts_left, 4, 'nor costs an attempt');

        await sms(s, clock, to, 'who is this?');
        assert.equal((await read(s, id)).attempts_left, 4, 'a text that is not a reply costs nothing');

        // The application holds the code: a check cannot approve a reverse verification.
        const check = await s.api('POST', '/v1/verifications/check', { id, code: reverse.code });
        assert.equal(check.status, 409, JSON.stringify(check.body));
        assert.equal(check.body.code, 'reverse_verification');
        // Nor does the other method start (its code would then be sent).
        const send = await s.api('POST', '/v1/verifications', { to, channel: 'sms' });
        assert.equal(send.status, 409, JSON.stringify(send.body));
        assert.equal(send.body.code, 'verification_pending');

        await sms(s, clock, to, reverse.code);
        assert.equal((await read(s, id)).status, 'approved');
        assert.equal(await s.store.getGuessFailures(to), undefined, 'the right code forgets the failures');
      });
    });

    test('wrong codes run out the attempts; while the sender cools off, even the right code is not evaluated', async () => {
      await withClock(dialect, { KIRIM_OTP_MAX_ATTEMPTS: '2', KIRIM_GUESS_FREE_FAILURES: '3', KIRIM_GUESS_COOLOFF_SECONDS: '60' }, async (s, clock) => {
        await numbered(s, clock);
        const to = '+6281200000007';
        const first = (await start(s, to)).body;
        const wrong = (code: string) => (code === '000000' ? '111111' : '000000');
        await sms(s, clock, to, wrong(first.reverse.code));
        await sms(s, clock, to, wrong(first.reverse.code));
        const ended = await read(s, first.id);
        assert.equal(ended.status, 'max_attempts_reached');
        assert.equal(ended.attempts_left, 0);
        await sms(s, clock, to, first.reverse.code);
        assert.equal((await read(s, first.id)).status, 'max_attempts_reached', 'an ended verification is not approved');

        // The third failure of the destination starts its cooling-off.
        const second = (await start(s, to)).body;
        await sms(s, clock, to, wrong(second.reverse.code));
        assert.equal((await s.store.getGuessFailures(to))?.failures, 3);
        await sms(s, clock, to, second.reverse.text);
        let v = await read(s, second.id);
        assert.equal(v.status, 'pending', 'not evaluated while cooling off');
        assert.equal(v.attempts_left, 1);
        clock.now += 60_000;
        await s.store.updateGateway(s.gatewayId, { last_seen_at: clock.now });
        await sms(s, clock, to, second.reverse.text);
        v = await read(s, second.id);
        assert.equal(v.status, 'approved', 'after the cooling-off the right code approves');
      });
    });

    test('the right code after the lifetime approves nothing', async () => {
      await withClock(dialect, { KIRIM_OTP_TTL_SECONDS: '120' }, async (s, clock) => {
        await numbered(s, clock);
        const to = '+6281200000003';
        const { reverse, id } = (await start(s, to)).body;
        clock.now += 120_000;
        await s.store.updateGateway(s.gatewayId, { last_seen_at: clock.now });
        await sms(s, clock, to, reverse.text);
        assert.equal((await read(s, id)).status, 'expired');
        const row = await s.store.db.selectFrom('verifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        assert.notEqual(row.status, 'approved');
        assert.equal((await s.api('GET', '/v1/inbound')).body.data[0].text, reverse.text, 'an SMS that answered nothing is stored as it came');
      });
    });

    test('no number or no gateway online: 409 naming it; SMS budgets do not apply, the destination budget does', async () => {
      await withClock(dialect, { KIRIM_BUDGET_PREFIX_PER_HOUR: '1', KIRIM_BUDGET_DESTINATION_PER_HOUR: '2' }, async (s, clock) => {
        const none = await start(s, '+6281200000004');
        assert.equal(none.status, 409, JSON.stringify(none.body));
        assert.equal(none.body.code, 'no_reverse_number');
        await s.api('PUT', `/v1/gateways/${s.gatewayId}/number`, { number: GW_NUMBER });
        const offline = await start(s, '+6281200000004');
        assert.equal(offline.status, 409, JSON.stringify(offline.body));
        assert.equal(offline.body.code, 'no_reverse_gateway');
        const bad = await s.api('PUT', `/v1/gateways/${s.gatewayId}/number`, { number: '12' });
        assert.equal(bad.status, 422, JSON.stringify(bad.body));
        assert.equal(bad.body.code, 'invalid_number');
        const email = await s.api('POST', '/v1/verifications', { to: 'a@example.com', channel: 'email', method: 'reverse' });
        assert.equal(email.status, 400, JSON.stringify(email.body));

        await numbered(s, clock);
        // Same 7-digit prefix, two numbers: the prefix budget (1) would refuse the second if it applied.
        assert.equal((await start(s, '+6281200000004')).status, 201);
        assert.equal((await start(s, '+6281200000005')).status, 201);
        assert.equal((await start(s, '+6281200000004')).status, 200);
        const third = await start(s, '+6281200000004');
        assert.equal(third.status, 429, JSON.stringify(third.body));
        assert.match(third.body.detail, /destination_per_hour/);
      });
    });

    test('an idempotent replay shows the code again from the ciphertext, never from the replay record', async () => {
      await withClock(dialect, {}, async (s, clock) => {
        await numbered(s, clock);
        const first = await s.api('POST', '/v1/verifications', { to: '+6281200000006', channel: 'sms', method: 'reverse' }, { 'idempotency-key': 'rev-1' });
        assert.equal(first.status, 201);
        const replay = await s.api('POST', '/v1/verifications', { to: '+6281200000006', channel: 'sms', method: 'reverse' }, { 'idempotency-key': 'rev-1' });
        assert.equal(replay.status, 201);
        assert.equal(replay.headers['idempotent-replayed'], 'true');
        assert.deepEqual(replay.body, first.body);
        const records = await s.store.db.selectFrom('idempotency_keys').select('body').execute();
        assert.ok(records.every((r) => !r.body.includes(first.body.reverse.code)), 'the replay record holds no code');
      });
    });
  });
}
