import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { backoffMs, nextAttemptAt, webhookRetryDelays } from './backoff.js';

test('the webhook schedule grows, starts at 5 s and spans about three days', () => {
  assert.equal(webhookRetryDelays[0], 5_000);
  for (let i = 1; i < webhookRetryDelays.length; i++) assert.ok((webhookRetryDelays[i] as number) > (webhookRetryDelays[i - 1] as number));
  const total = webhookRetryDelays.reduce((a, b) => a + b, 0);
  assert.ok(total > 2.5 * 86_400_000 && total < 4 * 86_400_000, `total ${total} ms`);
  assert.ok(Object.isFrozen(webhookRetryDelays));
});

test('nextAttemptAt follows the schedule with downward jitter of at most 20 %', () => {
  const now = 1_000_000;
  assert.equal(nextAttemptAt(1, now, () => 0), now + 5_000);
  assert.equal(nextAttemptAt(1, now, () => 0.999999), now + 4_000);
  assert.equal(nextAttemptAt(2, now, () => 0), now + 30_000);
  assert.equal(nextAttemptAt(6, now, () => 0.5), now + 0.9 * 2 * 3_600_000);
  // Past the end the last delay repeats; nonsense attempts clamp to the first.
  const last = webhookRetryDelays[webhookRetryDelays.length - 1] as number;
  assert.equal(nextAttemptAt(99, now, () => 0), now + last);
  assert.equal(nextAttemptAt(0, now, () => 0), now + 5_000);
  for (let i = 0; i < 200; i++) {
    const d = nextAttemptAt(3, now) - now;
    assert.ok(d >= 96_000 && d <= 120_000, `delay ${d}`);
  }
});

test('backoffMs doubles from the base, stops at the maximum and jitters downwards', () => {
  const o = { baseMs: 2_000, maxMs: 600_000, jitter: 0 };
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffMs(n, o)), [2_000, 4_000, 8_000, 16_000, 32_000]);
  assert.equal(backoffMs(9, o), 512_000);
  assert.equal(backoffMs(10, o), 600_000);
  assert.equal(backoffMs(10_000, o), 600_000, 'huge attempt counts stay finite');
  assert.equal(backoffMs(3, { baseMs: 1_000, maxMs: 60_000, jitter: 0.5, random: () => 1 }), 2_000);
  assert.equal(backoffMs(3, { baseMs: 1_000, maxMs: 60_000, random: () => 0.5 }), 3_600, 'default jitter is 20 %');
  for (let i = 0; i < 200; i++) {
    const d = backoffMs(20, { baseMs: 2_000, maxMs: 600_000 });
    assert.ok(d >= 480_000 && d <= 600_000, `delay ${d}`);
  }
});
