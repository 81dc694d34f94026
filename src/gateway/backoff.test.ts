import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.js';

test('backoff doubles with jitter up to the cap and resets', () => {
  const low = new Backoff(100, 1000, () => 0);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => low.next()), [50, 100, 200, 400, 500, 500]);
  const high = new Backoff(100, 1000, () => 1);
  assert.deepEqual([1, 2, 3].map(() => high.next()), [100, 200, 400]);
  high.reset();
  assert.equal(high.next(), 100);
  assert.equal(high.failures, 1);
});
