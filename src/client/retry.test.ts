/**
 * The retry rules, with a recorded sleep: what is retried, after how long,
 * and the bounds on attempts and total wait. (Retries against the live
 * server, with the same Idempotency-Key: index.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KirimError } from './errors.js';
import { withRetries, type RetryPolicy } from './retry.js';

const policy: RetryPolicy = { retries: 3, maxWaitMs: 10_000, baseDelayMs: 100 };
const problem = (status: number, code: string, retryAfter?: number) => new KirimError({ status, code, detail: code, ...(retryAfter !== undefined ? { retryAfter } : {}) });

/** Runs withRetries over a scripted list of outcomes; returns the result (or error), the attempts and the waits. */
async function run(outcomes: Array<KirimError | 'ok'>, p = policy) {
  const waits: number[] = [];
  let attempts = 0;
  const result = await withRetries(
    p,
    async () => {
      const o = outcomes[attempts++] ?? 'ok';
      if (o !== 'ok') throw o;
      return 'done';
    },
    async (ms) => {
      waits.push(ms);
    },
  ).catch((e: unknown) => e);
  return { result, attempts, waits };
}

test('no answer and 503 are retried with growing backoff until an answer', async () => {
  const r = await run([problem(0, 'network_error'), problem(503, 'store_unavailable'), 'ok']);
  assert.equal(r.result, 'done');
  assert.equal(r.attempts, 3);
  assert.ok(r.waits[0]! >= 50 && r.waits[0]! <= 100, `first wait ${r.waits[0]}`);
  assert.ok(r.waits[1]! >= 100 && r.waits[1]! <= 200, `second wait ${r.waits[1]}`);
});

test('429 and 409 idempotency_conflict wait exactly Retry-After; without it they are final', async () => {
  assert.deepEqual((await run([problem(429, 'rate_limited', 2), problem(409, 'idempotency_conflict', 1), 'ok'])).waits, [2000, 1000]);
  const r = await run([problem(429, 'rate_limited')]);
  assert.equal(r.attempts, 1);
  assert.equal((r.result as KirimError).code, 'rate_limited');
});

test('other errors are never retried', async () => {
  for (const e of [problem(400, 'validation_failed'), problem(401, 'unauthorized'), problem(404, 'not_found'), problem(409, 'other_conflict'), problem(422, 'idempotency_key_reused')]) {
    const r = await run([e]);
    assert.equal(r.attempts, 1, e.code);
    assert.equal(r.result, e);
  }
});

test('attempts are bounded by retries, waiting by maxWaitMs; the last error goes to the caller', async () => {
  const down = problem(0, 'network_error');
  const r = await run([down, down, down, down, down]);
  assert.equal(r.attempts, 4, '1 + 3 retries');
  assert.equal(r.result, down);
  const slow = await run([problem(429, 'rate_limited', 8), problem(429, 'rate_limited', 8), 'ok']);
  assert.deepEqual(slow.waits, [8000], 'a second 8 s wait would pass the 10 s budget');
  assert.equal(slow.attempts, 2);
  assert.equal((await run([down, 'ok'], { ...policy, retries: 0 })).attempts, 1, 'retries: 0 sends once');
});

test('an error that is not a KirimError (a bug) is not retried', async () => {
  let attempts = 0;
  await assert.rejects(
    withRetries(policy, async () => {
      attempts++;
      throw new RangeError('bug');
    }),
    RangeError,
  );
  assert.equal(attempts, 1);
});
