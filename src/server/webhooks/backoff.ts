/**
 * Retry timing for webhook deliveries and, through {@link backoffMs}, the
 * email queue. Jitter spreads retries out so that endpoints which failed
 * together (one outage) are not hit again all at the same instant.
 */

const S = 1_000;
const M = 60 * S;
const H = 60 * M;

/**
 * Delay before each retry of a webhook delivery, in ms: entry `i` is the
 * wait after attempt `i + 1` failed. Close to the Standard Webhooks example
 * schedule, spanning about three days in total, so an endpoint that is down
 * over a weekend still gets its events.
 */
export const webhookRetryDelays: readonly number[] = Object.freeze([
  5 * S, 30 * S, 2 * M, 10 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H,
]);

/** Share of a delay that jitter may take off (0.2 = the wait lies in [80 %, 100 %]). */
const DEFAULT_JITTER = 0.2;

/**
 * Applies jitter downwards only, so a delay never exceeds its nominal value
 * (nor a configured maximum) and never drops below `(1 - jitter)` of it.
 */
function jittered(ms: number, jitter: number, random: () => number): number {
  const j = Math.min(1, Math.max(0, jitter));
  return Math.round(ms * (1 - j * random()));
}

/**
 * When to make the next webhook attempt, as epoch ms, after `attempt`
 * attempts (1-based) have failed at `now`. Past the end of the schedule the
 * last delay repeats; the caller decides when to give up
 * (`attempt > webhookRetryDelays.length`).
 */
export function nextAttemptAt(attempt: number, now: number, random: () => number = Math.random): number {
  const index = Math.min(Math.max(1, Math.floor(attempt)), webhookRetryDelays.length) - 1;
  return now + jittered(webhookRetryDelays[index] as number, DEFAULT_JITTER, random);
}

/** Options for {@link backoffMs}. */
export interface BackoffOptions {
  /** Delay after the first failed attempt. */
  baseMs: number;
  /** Upper bound for any delay. */
  maxMs: number;
  /** Share of the delay jitter may take off, 0..1 (default 0.2; 0 = none). */
  jitter?: number;
  /** Random source in [0, 1) (tests pin it). */
  random?: () => number;
}

/**
 * Exponential backoff: `baseMs * 2^(attempt - 1)`, capped at `maxMs`, with
 * downward jitter. `attempt` is the number of attempts that have failed (1 for
 * the first retry).
 */
export function backoffMs(attempt: number, options: BackoffOptions): number {
  const n = Math.max(1, Math.floor(attempt));
  // Cap the exponent before Math.pow so huge attempt counts cannot overflow to Infinity.
  const raw = options.baseMs * 2 ** Math.min(n - 1, 40);
  return jittered(Math.min(raw, options.maxMs), options.jitter ?? DEFAULT_JITTER, options.random ?? Math.random);
}
