/**
 * A check by destination does not tell whether the destination was ever
 * seen, on every store dialect: "never started" and every way a
 * verification can be over (approved, canceled, expired, out of attempts,
 * failed to deliver), or pending under another API key, get the same 404,
 * byte for byte, after the same work, so the time they take is alike too.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';

/** The sending budgets (limits.ts) off: the timing test starts 150 verifications in an hour. */
const NO_BUDGETS: Record<string, string> = Object.fromEntries(
  ['DESTINATION_PER_HOUR', 'DESTINATION_PER_DAY', 'IP_PER_HOUR', 'IP_PER_DAY', 'PREFIX_PER_HOUR', 'KEY_PER_HOUR', 'KEY_PER_DAY', 'COUNTRY_PER_HOUR'].map((b) => [`KIRIM_BUDGET_${b}`, '0']),
);

const T0 = Date.parse('2026-03-02T08:00:00Z');

/** The answer as a client sees it: status, the headers that carry meaning, and the raw body. */
async function checkRaw(s: TestServer, body: unknown, key = s.apiKey) {
  const res = await s.app.inject({
    method: 'POST',
    url: '/v1/verifications/check',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  return { status: res.statusCode, type: res.headers['content-type'], retryAfter: res.headers['retry-after'], body: res.body };
}

async function rightCode(s: TestServer, id: string): Promise<string> {
  const row = await s.store.getVerification(id);
  return s.services.ctx.keyring.decrypt(id, row!.code_enc!);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const dialect of DIALECTS) {
  describe(`enumeration by check on ${dialect}`, () => {
    test('never started, approved, canceled, expired, out of attempts, failed and another key\'s: the same 404 byte for byte', async () => {
      const clock = { now: T0 };
      const s = await createTestServer({ dialect, transport: capturingTransport(), now: () => clock.now, env: { KIRIM_OTP_TTL_SECONDS: '60' } });
      try {
        const start = async (to: string, key = s.apiKey) => (await s.api('POST', '/v1/verifications', { to, channel: 'sms' }, { authorization: `Bearer ${key}` })).body.id as string;
        const dest = (n: number) => `+62812000005${String(n).padStart(2, '0')}`;
        const approved = await start(dest(1));
        assert.equal((await s.api('POST', '/v1/verifications/check', { id: approved, code: await rightCode(s, approved) })).body.status, 'approved');
        const canceled = await start(dest(2));
        assert.equal((await s.api('POST', `/v1/verifications/${canceled}/cancel`)).body.status, 'canceled');
        const exhausted = await start(dest(3));
        const right = await rightCode(s, exhausted);
        const wrong = right === '000000' ? '111111' : '000000';
        for (let i = 0; i < 5; i++) await s.api('POST', '/v1/verifications/check', { id: exhausted, code: wrong });
        assert.equal((await s.api('GET', `/v1/verifications/${exhausted}`)).body.status, 'max_attempts_reached');
        const failed = await start(dest(4));
        const leased = (await s.gw('/lease', { max: 100, wait_ms: 0 })).body.messages as Array<{ id: string; to: string }>;
        const failedMsg = leased.find((m) => m.to === dest(4))!;
        await s.gw('/reports', { reports: [{ message_id: failedMsg.id, status: 'failed', at: new Date(clock.now).toISOString(), detail: 'modem error' }] });
        assert.equal((await s.api('GET', `/v1/verifications/${failed}`)).body.status, 'failed');
        const swept = await start(dest(7));
        clock.now += 60_000;
        await s.services.sweep();
        assert.equal((await s.store.getVerification(swept))?.status, 'expired');
        // Overdue, but still stored as pending: the check is the first to notice.
        const overdue = await start(dest(6));
        clock.now += 60_000;
        assert.equal((await s.store.getVerification(overdue))?.status, 'pending');
        await start(dest(5), await s.newApiKey());

        const never = await checkRaw(s, { to: dest(99), code: '123456' });
        assert.equal(never.status, 404);
        assert.equal(never.type, 'application/problem+json');
        assert.equal(JSON.parse(never.body).code, 'not_found');
        assert.ok(!never.body.includes('812000005'), 'the answer does not echo the destination');
        for (const [what, n] of [['approved', 1], ['canceled', 2], ['out of attempts', 3], ['failed', 4], ["another key's pending", 5], ['overdue', 6], ['expired', 7]] as const) {
          for (const code of [wrong, right, 'abc']) {
            assert.deepEqual(await checkRaw(s, { to: dest(n), code }), never, `${what} with code ${code}`);
          }
        }
        // By id the key sees its own verification's state: that is its own object (GET shows it too).
        assert.equal((await s.api('POST', '/v1/verifications/check', { id: failed, code: wrong })).body.status, 'failed');
        // Nothing above counted as a guess: only the five wrong codes of the exhausted one did.
        assert.equal((await s.store.getGuessFailures(dest(3)))?.failures, 5);
        for (const n of [1, 2, 4, 5, 6, 7, 99]) assert.equal(await s.store.getGuessFailures(dest(n)), undefined, `no count for ${dest(n)}`);
      } finally {
        await s.close();
      }
    });

    test('the 404 for a destination never seen and for one whose verification is over take alike time (no write on either)', async () => {
      const clock = { now: T0 };
      const s = await createTestServer({ dialect, transport: capturingTransport(), now: () => clock.now, env: { KIRIM_OTP_TTL_SECONDS: '60', ...NO_BUDGETS } });
      try {
        const n = 150;
        const time = async (to: string) => {
          const t = process.hrtime.bigint();
          const r = await checkRaw(s, { to, code: '123456' });
          assert.equal(r.status, 404);
          return Number(process.hrtime.bigint() - t) / 1e6;
        };
        for (let i = 0; i < 20; i++) await time(`+6281500${String(i).padStart(5, '0')}`); // warm up
        // Other tests load the machine in bursts: a round whose medians differ
        // is measured again on fresh destinations, up to three times. A real
        // difference (a write on one path) shows in every round.
        const seen: string[] = [];
        let alike = false;
        for (let round = 0; round < 3; round++) {
          const over = Array.from({ length: n }, (_, i) => `+628130${round}${String(i).padStart(5, '0')}`);
          const never = Array.from({ length: n }, (_, i) => `+628140${round}${String(i).padStart(5, '0')}`);
          for (const to of over) await s.api('POST', '/v1/verifications', { to, channel: 'sms' });
          // Their lifetime is over; nothing has marked them expired yet, so the check is the first to notice.
          clock.now += 60_000;
          const a: number[] = [];
          const b: number[] = [];
          for (let i = 0; i < n; i++) {
            // Interleaved, so load on the machine falls on both alike.
            a.push(await time(never[i]!));
            b.push(await time(over[i]!));
          }
          const pending = await s.store.db.selectFrom('verifications').select('id').where('status', '=', 'pending').where('to', 'in', over).execute();
          assert.equal(pending.length, n, 'the checks wrote nothing (the sweeper marks them expired)');
          const [ma, mb] = [median(a), median(b)];
          seen.push(`${ma.toFixed(3)} ms (never seen) vs ${mb.toFixed(3)} ms (over)`);
          alike = mb < ma * 1.5 && ma < mb * 1.5;
          if (alike) break;
        }
        assert.ok(alike, `medians in three rounds: ${seen.join('; ')}`);
      } finally {
        await s.close();
      }
    });
  });
}
