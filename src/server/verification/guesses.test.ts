/**
 * The guess limit (guesses.ts), through the HTTP API on every store
 * dialect with the servers' clock in the test's hand:
 *
 * - the schedule and the bound it gives (20 guesses a day, 384 a year with
 *   the defaults), as docs/security.md derives them;
 * - failed checks count per destination across codes and API keys; the
 *   10th starts a cooling-off during which starts, resends and checks (even
 *   with the right code) get 429 with the exact Retry-After, and nothing
 *   is evaluated;
 * - a success resets the count; a user who mistypes a few times is never
 *   refused;
 * - racing checks on two instances cannot get past the count;
 * - an attacker with several API keys, against two instances that restart
 *   now and then, gets no more guesses evaluated in a simulated day and
 *   year than the bound, and exactly that many (the bound is tight).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type GuessSettings } from '../config.js';
import { DIALECTS, type Dialect } from '../store/index.js';
import { freshDbUrl } from '../store/testing.js';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';
import { cooloffAfter, maxGuessesIn } from './guesses.js';

const DAY = 86_400_000;
const YEAR = 365 * DAY;
const T0 = Date.parse('2026-03-02T08:00:00Z');
const DEFAULTS = loadConfig({ dataDir: tmpdir() }, {}).guesses;

/**
 * The sending budgets (limits.ts) off: the bound must hold by the guess
 * limit alone, and these tests start more verifications for one
 * destination than the budgets allow.
 */
const NO_BUDGETS: Record<string, string> = Object.fromEntries(
  ['DESTINATION_PER_HOUR', 'DESTINATION_PER_DAY', 'IP_PER_HOUR', 'IP_PER_DAY', 'PREFIX_PER_HOUR', 'KEY_PER_HOUR', 'KEY_PER_DAY', 'COUNTRY_PER_HOUR'].map((b) => [`KIRIM_BUDGET_${b}`, '0']),
);

/** The numbers docs/security.md states for the defaults. */
const DOCUMENTED = { perDay: 20, perYear: 384 };

test('the default schedule: 10 free failures, then 1 min doubling up to 24 h; at most 20 guesses a day and 384 a year', () => {
  assert.deepEqual(DEFAULTS, { freeFailures: 10, cooloffSeconds: 60, cooloffMaxSeconds: 86_400 });
  const minutes = Array.from({ length: 22 }, (_, i) => cooloffAfter(i + 1, DEFAULTS) / 60_000);
  assert.deepEqual(minutes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1440, 1440]);
  assert.equal(cooloffAfter(1000, DEFAULTS), DAY, 'no overflow far down the schedule');
  assert.equal(maxGuessesIn(DAY, DEFAULTS), DOCUMENTED.perDay);
  assert.equal(maxGuessesIn(YEAR, DEFAULTS), DOCUMENTED.perYear);
  // The 20th guess can come 1023 min after the first, the 21st only after 2047 min.
  assert.equal(maxGuessesIn(1023 * 60_000, DEFAULTS), 19);
  assert.equal(maxGuessesIn(1023 * 60_000 + 1, DEFAULTS), 20);
  assert.equal(maxGuessesIn(2047 * 60_000, DEFAULTS), 20);
  assert.equal(maxGuessesIn(2047 * 60_000 + 1, DEFAULTS), 21);
  // Worst-case success probability for a 6-digit code.
  assert.ok(DOCUMENTED.perDay / 1e6 <= 2e-5);
  // Another schedule, by brute force: the k-th guess's earliest time is the sum of the cooling-offs before it.
  const g: GuessSettings = { freeFailures: 3, cooloffSeconds: 7, cooloffMaxSeconds: 100 };
  for (const w of [1, 7_000, 7_001, 21_000, 21_001, 3_600_000, DAY]) {
    let k = 0;
    for (let at = 0; at < w; at += cooloffAfter(k, g)) k++;
    assert.equal(maxGuessesIn(w, g), k, `window ${w} ms`);
  }
});

/** Several servers on one database, one clock; each has its own API key, and keys stay valid across restarts. */
async function cluster(dialect: Dialect, env: Record<string, string> = NO_BUDGETS) {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-guesses-'));
  const { url, drop } = await freshDbUrl(dialect, join(dir, 'kirim.db'));
  const clock = { now: T0 };
  const open = () => createTestServer({ dialect, transport: capturingTransport(), env, now: () => clock.now, dbUrl: url });
  const servers: TestServer[] = [await open(), await open()];
  const keys = [servers[0]!.apiKey, servers[1]!.apiKey, await servers[0]!.newApiKey(), await servers[1]!.newApiKey()];
  let restarts = 0;
  return {
    clock,
    servers,
    keys,
    get restarts() {
      return restarts;
    },
    /** Stops instance `i` and starts a new one on the same database (what is in memory is gone). */
    async restart(i: number) {
      await servers[i]!.close();
      servers[i] = await open();
      restarts++;
    },
    call(i: number, key: string, method: string, url: string, body?: unknown) {
      return servers[i % servers.length]!.api(method, url, body, { authorization: `Bearer ${key}` });
    },
    async close() {
      for (const s of servers) await s.close();
      await drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
type Cluster = Awaited<ReturnType<typeof cluster>>;

/** A code that is not this verification's (the server's keyring tells), so every evaluated guess is a failure. */
async function wrongCode(s: TestServer, id: string): Promise<string> {
  const row = await s.store.getVerification(id);
  assert.ok(row, `verification ${id} exists`);
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!s.services.ctx.keyring.verifyMac(id, code, row.code_hash)) return code;
  }
}

/** The right code, from the encrypted copy the server keeps while the verification is pending. */
async function rightCode(s: TestServer, id: string): Promise<string> {
  const row = await s.store.getVerification(id);
  assert.ok(row?.code_enc, `verification ${id} is pending`);
  return s.services.ctx.keyring.decrypt(id, row.code_enc);
}

/** Checks evaluated against `to`, from the store: attempts used up over all its verifications. */
async function attemptsUsed(s: TestServer, to: string): Promise<number> {
  const rows = await s.store.db.selectFrom('verifications').select('attempts_left').where('to', '=', to).execute();
  return rows.reduce((n, r) => n + (s.config.otp.maxAttempts - r.attempts_left), 0);
}

const retryAfter = (r: { headers: Record<string, unknown> }) => Number(r.headers['retry-after']);

for (const dialect of DIALECTS) {
  describe(`guess limit on ${dialect}`, () => {
    test('failures count per destination across codes and API keys; the 10th starts a cooling-off that refuses starts, resends and checks with the exact Retry-After', async () => {
      const c = await cluster(dialect);
      try {
        const to = '+6281200000101';
        const [a, b] = c.keys as [string, string];
        const s = c.servers[0]!;
        // Five wrong codes with key a end its first verification; a new code (key b) does not reset the count.
        const va = (await c.call(0, a, 'POST', '/v1/verifications', { to, channel: 'sms' })).body;
        for (let i = 0; i < 5; i++) assert.equal((await c.call(0, a, 'POST', '/v1/verifications/check', { id: va.id, code: await wrongCode(s, va.id) })).status, 200);
        const vb = (await c.call(1, b, 'POST', '/v1/verifications', { to, channel: 'sms' })).body;
        assert.equal(vb.attempts_left, 5);
        for (let i = 0; i < 4; i++) {
          const r = await c.call(1, b, 'POST', '/v1/verifications/check', { to, code: await wrongCode(s, vb.id) });
          assert.equal(r.status, 200, `failure ${6 + i}: ${JSON.stringify(r.body)}`);
        }
        // A pending verification of key a's for the same destination, started before the 10th failure.
        const va2 = (await c.call(0, a, 'POST', '/v1/verifications', { to, channel: 'sms' })).body;
        const tenth = await c.call(0, b, 'POST', '/v1/verifications/check', { id: vb.id, code: await wrongCode(s, vb.id) });
        assert.equal(tenth.status, 200);
        assert.equal(tenth.body.status, 'max_attempts_reached');
        assert.equal(await attemptsUsed(s, to), 10);

        // Cooling off for 60 s: a new start (any key, any instance), a resend, and checks, the right code included.
        const refusedStart = await c.call(1, c.keys[2]!, 'POST', '/v1/verifications', { to, channel: 'sms' });
        assert.equal(refusedStart.status, 429, JSON.stringify(refusedStart.body));
        assert.equal(refusedStart.body.code, 'rate_limited');
        assert.equal(retryAfter(refusedStart), 60);
        c.clock.now += 31_000;
        const resend = await c.call(0, a, 'POST', '/v1/verifications', { to, channel: 'sms' });
        assert.equal(resend.status, 429, 'a resend of the pending one is refused too');
        assert.equal(retryAfter(resend), 29);
        c.clock.now += 500;
        const right = await c.call(1, a, 'POST', '/v1/verifications/check', { id: va2.id, code: await rightCode(s, va2.id) });
        assert.equal(right.status, 429, 'even the right code is not evaluated while cooling off');
        assert.equal(retryAfter(right), 29, 'Retry-After rounds up');
        const byTo = await c.call(0, a, 'POST', '/v1/verifications/check', { to, code: await wrongCode(s, va2.id) });
        assert.equal(byTo.status, 429);
        assert.equal(await attemptsUsed(s, to), 10, 'nothing was evaluated while cooling off');
        assert.equal((await c.call(0, a, 'GET', `/v1/verifications/${va2.id}`)).body.attempts_left, 5);
        const queued = await s.store.db.selectFrom('messages').select('id').where('to', '=', to).execute();
        assert.equal(queued.length, 3, 'no SMS was queued for the refused start and resend');

        // Another destination is not affected.
        assert.equal((await c.call(0, a, 'POST', '/v1/verifications', { to: '+6281200000102', channel: 'sms' })).status, 201);

        // One millisecond before the end: still refused; at the end: evaluated. The 11th failure earns 2 min.
        c.clock.now = T0 + 60_000 - 1;
        assert.equal((await c.call(0, a, 'POST', '/v1/verifications/check', { id: va2.id, code: '000000' })).status, 429);
        c.clock.now = T0 + 60_000;
        const eleventh = await c.call(0, a, 'POST', '/v1/verifications/check', { id: va2.id, code: await wrongCode(s, va2.id) });
        assert.equal(eleventh.status, 200);
        assert.equal(eleventh.body.attempts_left, 4);
        const next = await c.call(1, b, 'POST', '/v1/verifications', { to, channel: 'sms' });
        assert.equal(next.status, 429);
        assert.equal(retryAfter(next), 120);

        // The refusals are counted in the metrics (per instance).
        const text = (await c.servers[0]!.app.inject({ url: '/metrics' })).body + (await c.servers[1]!.app.inject({ url: '/metrics' })).body;
        const count = (action: string) =>
          [...text.matchAll(new RegExp(`^kirim_guess_limit_refusals_total\\{action="${action}"\\} (\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
        assert.equal(count('start'), 3);
        assert.equal(count('check'), 3);
      } finally {
        await c.close();
      }
    });

    test('a success resets the count; a user who mistypes a few times is never refused, and after ten waits a minute', async () => {
      const c = await cluster(dialect);
      try {
        const to = '+6281200000201';
        const key = c.keys[0]!;
        const s = c.servers[0]!;
        const wrongs = async (id: string, n: number) => {
          for (let i = 0; i < n; i++) {
            const r = await c.call(i, key, 'POST', '/v1/verifications/check', { id, code: await wrongCode(s, id) });
            assert.equal(r.status, 200, JSON.stringify(r.body));
          }
        };
        // Four sessions, each with a few typos then the right code: never refused.
        for (let session = 0; session < 4; session++) {
          const v = (await c.call(session, key, 'POST', '/v1/verifications', { to, channel: 'sms' })).body;
          await wrongs(v.id, 4);
          const ok = await c.call(session + 1, key, 'POST', '/v1/verifications/check', { id: v.id, code: await rightCode(s, v.id) });
          assert.equal(ok.body.status, 'approved', `session ${session}`);
          assert.equal(await s.store.getGuessFailures(to), undefined, 'the success forgot the failures');
          c.clock.now += 60_000;
        }
        // Ten failures in a row (two codes): a minute's wait, then a new code works and resets the count.
        const v1 = (await c.call(0, key, 'POST', '/v1/verifications', { to, channel: 'sms' })).body;
        await wrongs(v1.id, 5);
        const v2 = (await c.call(1, key, 'POST', '/v1/verifications', { to, channel: 'sms' })).body;
        await wrongs(v2.id, 5);
        const wait = await c.call(0, key, 'POST', '/v1/verifications', { to, channel: 'sms' });
        assert.equal(wait.status, 429);
        assert.equal(retryAfter(wait), 60);
        c.clock.now += 60_000;
        const v3 = await c.call(0, key, 'POST', '/v1/verifications', { to, channel: 'sms' });
        assert.equal(v3.status, 201);
        const ok = await c.call(1, key, 'POST', '/v1/verifications/check', { id: v3.body.id, code: await rightCode(s, v3.body.id) });
        assert.equal(ok.body.status, 'approved');
        assert.equal(await s.store.getGuessFailures(to), undefined);
        // Counting starts again from zero: nine failures pass without a wait.
        const v4 = (await c.call(0, key, 'POST', '/v1/verifications', { to, channel: 'sms' })).body;
        await wrongs(v4.id, 5);
        const v5 = (await c.call(0, key, 'POST', '/v1/verifications', { to, channel: 'sms' })).body;
        await wrongs(v5.id, 4);
        assert.equal((await s.store.getGuessFailures(to))?.locked_until, 0);
      } finally {
        await c.close();
      }
    });

    test('racing wrong checks from several keys on two instances: exactly the free ten are evaluated, the rest get 429', async () => {
      const c = await cluster(dialect);
      try {
        const to = '+6281200000301';
        // Twelve keys, each with its own pending verification for the destination.
        const keys = [...c.keys];
        while (keys.length < 12) keys.push(await c.servers[keys.length % 2]!.newApiKey());
        const vs: Array<{ key: string; id: string }> = [];
        for (const key of keys) vs.push({ key, id: (await c.call(0, key, 'POST', '/v1/verifications', { to, channel: 'sms' })).body.id });
        const codes = await Promise.all(vs.map((v) => wrongCode(c.servers[0]!, v.id)));
        // SQLite serves one server per database file; PostgreSQL takes both instances at once.
        const results = await Promise.all(vs.map((v, i) => c.call(dialect === 'postgres' ? i : 0, v.key, 'POST', '/v1/verifications/check', { id: v.id, code: codes[i] })));
        const statuses = results.map((r) => r.status).sort();
        assert.deepEqual(statuses, [...Array(10).fill(200), 429, 429], JSON.stringify(results.map((r) => r.body)));
        assert.equal(await attemptsUsed(c.servers[0]!, to), 10);
        assert.equal((await c.servers[1]!.store.getGuessFailures(to))?.failures, 10);
      } finally {
        await c.close();
      }
    });

    test('an attacker with four API keys against two restarting instances gets exactly the bound: 20 guesses in a day, 384 in a year', async () => {
      const c = await cluster(dialect);
      try {
        const to = '+6281200000401';
        const day = await attack(c, to, T0 + DAY, 7);
        assert.ok(day.evaluated <= DOCUMENTED.perDay, `${day.evaluated} guesses in a day`);
        assert.equal(day.evaluated, maxGuessesIn(DAY, DEFAULTS), 'the bound is reached: the attacker was as fast as allowed');
        assert.equal(await attemptsUsed(c.servers[0]!, to), day.evaluated, 'the store agrees on what was evaluated');
        assert.ok(day.keysUsed >= 4, 'every key took part');
        const year = await attack(c, to, T0 + YEAR, 97, day);
        assert.ok(year.evaluated <= DOCUMENTED.perYear, `${year.evaluated} guesses in a year`);
        assert.equal(year.evaluated, maxGuessesIn(YEAR, DEFAULTS));
        assert.equal(await attemptsUsed(c.servers[0]!, to), year.evaluated);
        assert.ok(c.restarts >= 10, `${c.restarts} restarts`);
      } finally {
        await c.close();
      }
    });
  });
}

/**
 * The fastest attacker the API allows: keeps a pending verification per
 * key, sends a wrong code as soon as it may, rotates keys and instances,
 * checks by id and by destination, and restarts an instance every
 * `restartEvery` rounds. A 429 sends it to the next key; once every key was
 * refused it waits exactly the shortest Retry-After. Runs until the clock
 * reaches `until`; counts the checks that were evaluated (200 with one
 * attempt fewer).
 */
async function attack(c: Cluster, to: string, until: number, restartEvery: number, so = { evaluated: 0, keysUsed: 0, round: 0 }) {
  const pending = new Map<string, string>();
  const waits = new Map<string, number>();
  const used = new Set<string>();
  let { evaluated, round } = so;
  const refused = (key: string, r: { headers: Record<string, unknown> }) => {
    waits.set(key, retryAfter(r) * 1000);
    if (waits.size < c.keys.length) return;
    c.clock.now += Math.min(...waits.values());
    waits.clear();
  };
  while (c.clock.now < until) {
    round++;
    if (round % restartEvery === 0) await c.restart(round % 2);
    const key = c.keys[round % c.keys.length]!;
    const inst = Math.floor(round / 2);
    let id = pending.get(key);
    if (!id) {
      const r = await c.call(inst, key, 'POST', '/v1/verifications', { to, channel: 'sms' });
      if (r.status === 429) {
        refused(key, r);
        continue;
      }
      assert.ok(r.status === 201 || r.status === 200, JSON.stringify(r.body));
      id = r.body.id as string;
      pending.set(key, id);
    }
    const code = await wrongCode(c.servers[0]!, id);
    const r = await c.call(inst + 1, key, 'POST', '/v1/verifications/check', round % 3 ? { id, code } : { to, code });
    if (r.status === 429) {
      refused(key, r);
      continue;
    }
    waits.clear();
    if (r.status === 200 && (r.body.status === 'pending' || r.body.status === 'max_attempts_reached')) {
      evaluated++;
      used.add(key);
      if (r.body.status === 'max_attempts_reached') pending.delete(key);
      continue;
    }
    // Expired while cooling off (200 expired by id, 404 by destination): start another.
    assert.ok(r.status === 404 || r.body.status === 'expired', JSON.stringify(r.body));
    pending.delete(key);
  }
  return { evaluated, keysUsed: Math.max(so.keysUsed, used.size), round };
}
