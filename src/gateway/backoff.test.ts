import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, wakeableSleep } from './backoff.js';

test('backoff doubles with jitter up to the cap and resets', () => {
  const low = new Backoff(100, 1000, () => 0);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => low.next()), [50, 100, 200, 400, 500, 500]);
  const high = new Backoff(100, 1000, () => 1);
  assert.deepEqual([1, 2, 3].map(() => high.next()), [100, 200, 400]);
  high.reset();
  assert.equal(high.next(), 100);
  assert.equal(high.failures, 1);
});

test('a wakeable sleep ends when woken, long before its time', async () => {
  let wake = () => {};
  const t0 = Date.now();
  const slept = wakeableSleep(60_000, (w) => (wake = w));
  wake();
  await slept;
  assert.ok(Date.now() - t0 < 1000);
});
