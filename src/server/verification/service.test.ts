/**
 * The verification rules a client cannot get around, through the HTTP API
 * on every store dialect, with the server's clock in the test's hand:
 *
 * - the right code after the verification's lifetime is refused;
 * - new verifications per destination are limited per hour;
 * - a verification is sent at most KIRIM_OTP_MAX_SENDS times;
 * - get, cancel and check answer only the API key that started it: another
 *   key gets 404 and changes nothing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';

const codeIn = (text: string) => /(\d{6})/.exec(text)?.[1];

/** A test server whose clock only moves when the test moves it. */
async function withClock(dialect: (typeof DIALECTS)[number], env: Record<string, string>, fn: (s: TestServer, clock: { now: number }) => Promise<void>) {
  const clock = { now: Date.parse('2026-03-02T08:00:00Z') };
  const s = await createTestServer({ dialect, transport: capturingTransport(), env, now: () => clock.now });
  try {
    await fn(s, clock);
  } finally {
    await s.close();
  }
}

/** The code the gateway is given for `to` (the SMS as it leaves the server). */
async function codeSentTo(s: TestServer, to: string): Promise<string> {
  const r = await s.gw('/lease', { max: 100, wait_ms: 0 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const sms = (r.body.messages as Array<{ to: string; text: string }>).filter((m) => m.to === to);
  assert.equal(sms.length, 1, `one SMS for ${to} leased`);
  const code = codeIn(sms[0]!.text);
  assert.ok(code, 'the SMS carries a code');
  return code;
}

for (const dialect of DIALECTS) {
  describe(`verification rules on ${dialect}`, () => {
    test('the right code is refused once the lifetime is over, and accepted up to its last millisecond', async () => {
      await withClock(dialect, { KIRIM_OTP_TTL_SECONDS: '120' }, async (s, clock) => {
        const late = (await s.api('POST', '/v1/verifications', { to: '+6281200000001', channel: 'sms' })).body;
        const lateCode = await codeSentTo(s, '+6281200000001');
        const inTime = (await s.api('POST', '/v1/verifications', { to: '+6281200000002', channel: 'sms' })).body;
        const inTimeCode = await codeSentTo(s, '+6281200000002');
        assert.equal(Date.parse(late.expires_at) - clock.now, 120_000);

        clock.now += 120_000 - 1;
        const ok = await s.api('POST', '/v1/verifications/check', { id: inTime.id, code: inTimeCode });
        assert.equal(ok.status, 200);
        assert.equal(ok.body.status, 'approved', 'one millisecond before the end the code still works');

        clock.now += 1;
        const refused = await s.api('POST', '/v1/verifications/check', { id: late.id, code: lateCode });
        assert.equal(refused.status, 200, JSON.stringify(refused.body));
        assert.equal(refused.body.status, 'expired');
        // It stays refused, by id or by destination (which finds nothing
        // pending to check, as for a destination never seen), and reads as expired.
        const byTo = await s.api('POST', '/v1/verifications/check', { to: '+6281200000001', code: lateCode });
        assert.equal(byTo.status, 404, JSON.stringify(byTo.body));
        assert.equal(byTo.body.code, 'not_found');
        assert.equal((await s.api('POST', '/v1/verifications/check', { id: late.id, code: lateCode })).body.status, 'expired');
        assert.equal((await s.api('GET', `/v1/verifications/${late.id}`)).body.status, 'expired');
        const row = await s.store.db.selectFrom('verifications').selectAll().where('id', '=', late.id).executeTakeFirstOrThrow();
        assert.equal(row.status, 'expired');
        assert.equal(row.code_enc, null, 'the code is erased when the verification expires');
      });
    });

    test('new verifications per destination are limited per hour (KIRIM_VERIFICATIONS_PER_DESTINATION_PER_HOUR)', async () => {
      await withClock(dialect, { KIRIM_VERIFICATIONS_PER_DESTINATION_PER_HOUR: '3' }, async (s, clock) => {
        const to = '+6281200000010';
        const start = () => s.api('POST', '/v1/verifications', { to, channel: 'sms' });
        const t0 = clock.now;
        for (let i = 0; i < 3; i++) {
          const v = await start();
          assert.equal(v.status, 201, `verification ${i + 1}: ${JSON.stringify(v.body)}`);
          // Ended, so the next start is a new verification rather than a resend.
          assert.equal((await s.api('POST', `/v1/verifications/${v.body.id}/cancel`)).status, 200);
          clock.now += 60_000;
        }
        const fourth = await start();
        assert.equal(fourth.status, 429, JSON.stringify(fourth.body));
        assert.equal(fourth.body.code, 'rate_limited');
        // The first of the three leaves the window an hour after it started.
        assert.equal(Number(fourth.headers['retry-after']), Math.ceil((t0 + 3_600_000 - clock.now) / 1000));
        assert.equal((await s.api('GET', '/v1/messages?limit=100')).body.data.filter((m: { to: string }) => m.to === to).length, 3, 'the refused start queued nothing');

        const elsewhere = await s.api('POST', '/v1/verifications', { to: '+6281200000011', channel: 'sms' });
        assert.equal(elsewhere.status, 201, 'another destination is not limited');

        clock.now = t0 + 3_600_000 - 1;
        assert.equal((await start()).status, 429, 'still within the hour');
        clock.now = t0 + 3_600_000 + 1;
        assert.equal((await start()).status, 201, 'a start leaves the window after an hour');
      });
    });

    test('a verification is sent at most KIRIM_OTP_MAX_SENDS times; resends past the cap queue nothing', async () => {
      await withClock(dialect, { KIRIM_OTP_MAX_SENDS: '3', KIRIM_OTP_RESEND_DELAYS: '10' }, async (s, clock) => {
        const to = '+6281200000020';
        const start = () => s.api('POST', '/v1/verifications', { to, channel: 'sms' });
        const first = await start();
        assert.equal(first.status, 201);
        for (const sends of [2, 3]) {
          clock.now += 10_000;
          const again = await start();
          assert.equal(again.status, 200, JSON.stringify(again.body));
          assert.equal(again.body.id, first.body.id);
          assert.equal(again.body.sends, sends);
        }
        for (let i = 0; i < 3; i++) {
          clock.now += 60_000;
          const over = await start();
          assert.equal(over.status, 429, JSON.stringify(over.body));
          assert.equal(over.body.code, 'rate_limited');
          assert.ok(Number(over.headers['retry-after']) >= 1);
        }
        const v = (await s.api('GET', `/v1/verifications/${first.body.id}`)).body;
        assert.equal(v.sends, 3);
        assert.equal(v.status, 'pending');
        const messages = (await s.api('GET', '/v1/messages?limit=100')).body.data.filter((m: { verification_id?: string }) => m.verification_id === first.body.id);
        assert.equal(messages.length, 3, 'three messages carried the code, no more');
      });
    });

    test('get, cancel and check answer only the API key that started the verification', async () => {
      await withClock(dialect, {}, async (s) => {
        const to = '+6281200000030';
        const v = (await s.api('POST', '/v1/verifications', { to, channel: 'sms' })).body;
        const code = await codeSentTo(s, to);
        const other = { authorization: `Bearer ${await s.newApiKey()}` };
        const wrong = code === '000000' ? '111111' : '000000';
        const before = (await s.api('GET', `/v1/verifications/${v.id}`)).body;
        const unchanged = async (what: string) => {
          assert.deepEqual((await s.api('GET', `/v1/verifications/${v.id}`)).body, before, `${what} changed nothing`);
        };

        const get = await s.api('GET', `/v1/verifications/${v.id}`, undefined, other);
        assert.equal(get.status, 404, JSON.stringify(get.body));
        assert.equal(get.body.code, 'not_found');
        assert.ok(!JSON.stringify(get.body).includes(to), 'the 404 does not reveal the destination');

        for (const [what, body] of [
          ['a wrong code by id', { id: v.id, code: wrong }],
          ['a wrong code by destination', { to, code: wrong }],
          ['the right code by id', { id: v.id, code }],
          ['the right code by destination', { to, code }],
        ] as const) {
          const check = await s.api('POST', '/v1/verifications/check', body, other);
          assert.equal(check.status, 404, `${what}: ${JSON.stringify(check.body)}`);
          assert.equal(check.body.code, 'not_found');
          await unchanged(what);
        }

        const cancel = await s.api('POST', `/v1/verifications/${v.id}/cancel`, undefined, other);
        assert.equal(cancel.status, 404, JSON.stringify(cancel.body));
        await unchanged('cancel');
        assert.equal(before.attempts_left, 5);
        assert.equal(before.status, 'pending');

        // The owner's verification still works as if nothing had happened.
        const mine = await s.api('POST', '/v1/verifications/check', { id: v.id, code });
        assert.equal(mine.body.status, 'approved');
        assert.equal(mine.body.attempts_left, 5);
      });
    });
  });
}
