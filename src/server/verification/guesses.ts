/**
 * The guess limit (NIST SP 800-63B-4 §3.2.2). Failed code checks are counted
 * per destination (the normalized `to`) in the store, so the count holds
 * across codes, API keys, restarts and instances; a new code does not reset
 * it, only a successful check does. After the `freeFailures`-th failure
 * every failure starts a cooling-off (`cooloffSeconds`, doubling with each
 * further failure, at most `cooloffMaxSeconds`) during which no check for
 * the destination is evaluated and no verification to it starts or is
 * resent: 429 `rate_limited` with the exact Retry-After.
 *
 * A check takes its guess before the code is compared: the failure is
 * counted and the cooling-off set by a compare-and-set in the check's own
 * transaction, and a right code deletes the count in that same transaction.
 * Two checks racing on two instances therefore cannot both be evaluated when
 * only one may be, and a check that rolls back leaves no count behind.
 *
 * {@link maxGuessesIn} computes the worst case the schedule allows in any
 * window; docs/security.md ("Guess limits") derives it by hand and
 * guesses.test.ts attacks a destination to show it holds.
 */
import type { GuessSettings } from '../config.js';
import type { ServerContext } from '../context.js';
import { rateLimited } from '../errors.js';
import type { Repo, Tx } from '../store/index.js';

/** The cooling-off (ms) that starts with the `n`-th consecutive failed check of a destination. */
export function cooloffAfter(n: number, g: GuessSettings): number {
  if (n < g.freeFailures) return 0;
  const doublings = n - g.freeFailures;
  // 2^40 × 1 s is far past any allowed maximum: no overflow, same answer.
  if (doublings > 40) return g.cooloffMaxSeconds * 1000;
  return Math.min(g.cooloffSeconds * 2 ** doublings, g.cooloffMaxSeconds) * 1000;
}

/**
 * The most checks that can be evaluated for one destination in any window
 * of `windowMs` (half-open) without a successful check inside it. The k-th
 * failure in a row cannot come before Σ_{j<k} cooloffAfter(j) after the
 * first, and starting the window with earlier failures on the count only
 * lengthens the gaps (the cooling-off never shrinks as the count grows), so
 * the attacker who starts from zero and guesses the moment each cooling-off
 * ends gets the most: the k with that sum below `windowMs`.
 */
export function maxGuessesIn(windowMs: number, g: GuessSettings): number {
  const cap = g.cooloffMaxSeconds * 1000;
  // `at`: the earliest time of the k-th guess, the first one at 0.
  for (let k = 1, at = 0; ; k++) {
    if (at >= windowMs) return k - 1;
    const gap = cooloffAfter(k, g);
    // From here on every gap is the maximum: count the rest at once.
    if (gap === cap) return k - 1 + Math.ceil((windowMs - at) / cap);
    at += gap;
  }
}

export interface GuessLimit {
  /** Throws 429 while the destination is cooling off (starts and resends). */
  refuseWhileCooling(repo: Repo, to: string, now: number): Promise<void>;
  /**
   * Takes one guess at `to` inside the check's transaction, counted as a
   * failure (and starting the cooling-off it earns); throws 429, counting
   * nothing, while the destination is cooling off.
   */
  take(tx: Tx, to: string, now: number): Promise<void>;
  /** A right code: the destination's failures are forgotten (same transaction as the approval). */
  succeeded(tx: Tx, to: string): Promise<void>;
}

export function createGuessLimit(ctx: ServerContext): GuessLimit {
  const g = ctx.config.guesses;

  function refuse(action: 'start' | 'check', lockedUntil: number, now: number): never {
    ctx.metrics.guessLimitRefusals.inc({ action });
    throw rateLimited('too many wrong codes for this destination; wait for the cooling-off to end (Retry-After)', lockedUntil - now);
  }

  return {
    async refuseWhileCooling(repo, to, now) {
      const row = await repo.getGuessFailures(to);
      if (row && row.locked_until > now) refuse('start', row.locked_until, now);
    },

    async take(tx, to, now) {
      // Compare-and-set: retried only when another check changed the count
      // in between (it committed first), so each round sees fresher state.
      for (let round = 0; round < 50; round++) {
        const row = await tx.getGuessFailures(to);
        if (row && row.locked_until > now) refuse('check', row.locked_until, now);
        const failures = (row?.failures ?? 0) + 1;
        const cooloff = cooloffAfter(failures, g);
        const next = { failures, locked_until: cooloff > 0 ? now + cooloff : 0, updated_at: now };
        if (row ? await tx.updateGuessFailures(to, row.failures, next) : await tx.insertGuessFailures({ to, ...next })) return;
      }
      throw rateLimited('too many checks for this destination at once; try again', 1000);
    },

    async succeeded(tx, to) {
      await tx.deleteGuessFailures(to);
    },
  };
}
