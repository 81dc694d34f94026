/**
 * The gateway killed again and again while SMS flow through real gammu-smsd
 * and modem-sim: each round posts a burst, kills the gateway at a random
 * moment (SIGKILL or SIGTERM), starts it again, and in some rounds makes the
 * modem refuse one send first (`+CMS ERROR`, which gammu retries). Every
 * message must reach its handset exactly once and end `sent`; none may be
 * failed by something an earlier run of the agent saw.
 *
 *   npm test -- test/chaos-gateway.test.ts                          3 rounds (CI)
 *   KIRIM_CHAOS_ROUNDS=40 npm test -- test/chaos-gateway.test.ts    the long form
 *
 * KIRIM_CHAOS_SEED replays a run (the seed is printed when a round fails).
 * The rounds run once on each store dialect (SQLite, PostgreSQL in a fresh
 * schema).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setFaults } from '../src/modem-sim/control.js';
import { readHandset } from '../src/modem-sim/state.js';
import { DIALECTS } from '../src/server/store/index.js';
import { startStack, type Stack } from './support/stack.js';
import { waitFor } from './support/process.js';
import { seededRandom } from './support/random.js';

const ROUNDS = Number(process.env.KIRIM_CHAOS_ROUNDS ?? 3);
const PER_ROUND = 6;
const SEED = Number(process.env.KIRIM_CHAOS_SEED ?? Date.now() % 1_000_000);

const random = seededRandom;

for (const dialect of DIALECTS) describe(`chaos: the gateway killed during bursts, on ${dialect}`, () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ dialect, serverEnv: { KIRIM_LEASE_SECONDS: '10' } });
  });
  after(async () => {
    await s?.close();
  });

  const number = (round: number, i: number) => `+62817${String(round).padStart(4, '0')}${String(i).padStart(3, '0')}`;

  test(`${ROUNDS} rounds of ${PER_ROUND} SMS: each arrives exactly once and ends sent`, { timeout: 120_000 + ROUNDS * 120_000 }, async () => {
    const rnd = random(SEED);
    for (let round = 0; round < ROUNDS; round++) {
      const signal = rnd() < 0.5 ? 'SIGKILL' : 'SIGTERM';
      const fault = rnd() < 0.5;
      const killAfterMs = Math.floor(rnd() * 1200);
      const what = `${dialect}, seed ${SEED}, round ${round} (${signal} after ${killAfterMs} ms${fault ? ', one +CMS ERROR' : ''})`;
      if (fault) await setFaults(s.simState, { cmsError: { code: 38, remaining: 1 } }).applied(10_000);
      const ids: string[] = [];
      for (let i = 0; i < PER_ROUND; i++) {
        const r = await s.api('POST', '/v1/messages', { to: number(round, i), channel: 'sms', text: `chaos ${round}.${i}` });
        assert.equal(r.status, 202, JSON.stringify(r.body));
        ids.push(r.body.id);
      }
      await new Promise((r) => setTimeout(r, killAfterMs));
      await s.stopGateway(signal);
      s.startGateway();
      const deadline = Date.now() + 90_000;
      for (const id of ids) {
        const m = await waitFor(
          async () => {
            const got = (await s.api('GET', `/v1/messages/${id}`)).body;
            return got.status === 'sent' || got.status === 'delivered' || got.status === 'failed' || got.status === 'expired' ? got : null;
          },
          { timeoutMs: Math.max(1_000, deadline - Date.now()), what: `${id} to end (${what})` },
        );
        const history = m.events.map((e: { status: string; detail?: string }) => e.status + (e.detail ? ` (${e.detail})` : '')).join(' → ');
        assert.equal(m.status, 'sent', `${what}: ${id} is ${m.status}: ${history}\ngateway log:\n${s.gatewayLog().slice(-4000)}`);
      }
      for (let i = 0; i < PER_ROUND; i++) {
        assert.deepEqual(readHandset(s.simState, number(round, i)).map((m) => m.text), [`chaos ${round}.${i}`], `${what}: handset ${i}`);
      }
    }
  });
});
