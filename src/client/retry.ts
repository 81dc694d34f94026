/**
 * When and how long the client waits before sending a creating POST again.
 *
 * Promises:
 * - only answers that say "nothing was done, or try again later" are
 *   retried: no answer at all (the request may or may not have arrived —
 *   the Idempotency-Key makes the retry safe either way), 503, 429 and 409
 *   `idempotency_conflict` (the first attempt still running);
 * - a 429/409 is retried only when it carries Retry-After, after exactly
 *   that wait; without it the error goes to the caller;
 * - at most `retries` more attempts, and never more than `maxWaitMs` of
 *   waiting in total: a wait that would pass the budget is not started,
 *   the last error goes to the caller instead.
 */
import { KirimError } from './errors.js';

export interface RetryPolicy {
  /** Attempts after the first (default 2). */
  retries: number;
  /** Total time spent waiting between attempts, at most (default 10 s). */
  maxWaitMs: number;
  /** First backoff for errors without Retry-After; doubles per attempt. */
  baseDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 2, maxWaitMs: 10_000, baseDelayMs: 250 };

/** Milliseconds to wait before retry number `attempt` (1-based), or undefined when the error is final. */
export function retryDelay(err: KirimError, attempt: number, policy: RetryPolicy): number | undefined {
  if (attempt > policy.retries) return undefined;
  const backoff = policy.baseDelayMs * 2 ** (attempt - 1);
  // Jitter spreads the retries of many clients after one outage.
  const jittered = backoff / 2 + Math.random() * (backoff / 2);
  if (err.code === 'network_error') return jittered;
  if (err.status === 503) return err.retryAfter !== undefined ? err.retryAfter * 1000 : jittered;
  if (err.status === 429 || (err.status === 409 && err.code === 'idempotency_conflict')) {
    return err.retryAfter !== undefined ? err.retryAfter * 1000 : undefined;
  }
  return undefined;
}

/**
 * Runs `attempt` until it succeeds or its KirimError is final. `attempt`
 * must send the same request each time (same Idempotency-Key).
 */
export async function withRetries<T>(policy: RetryPolicy, attempt: () => Promise<T>, sleep: (ms: number) => Promise<void> = defaultSleep): Promise<T> {
  let waited = 0;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof KirimError)) throw err;
      const delay = retryDelay(err, n, policy);
      if (delay === undefined || waited + delay > policy.maxWaitMs) throw err;
      waited += delay;
      await sleep(delay);
    }
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
