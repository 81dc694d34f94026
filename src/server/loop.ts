/**
 * The one way the server runs background work (email, webhooks, seed
 * outbox, sweepers). Each worker is a `run` function; the loop decides when
 * it runs and what happens when it fails.
 *
 * Promises kept here:
 * - one run at a time: a run never overlaps the previous one;
 * - no wake-up is lost: `wake()` during a run causes one more run right
 *   after it (several wake-ups during one run cause exactly one);
 * - a failing run never escapes: it is caught, counted in
 *   `kirim_background_errors_total{loop}`, logged once per outage (the
 *   first failure with its error, the recovery with how long it lasted;
 *   nothing in between), and retried with exponential backoff instead of
 *   on every tick, so a database outage neither crashes the process nor
 *   floods the log;
 * - `stop()` is prompt: it cancels the pending timer, aborts the run's
 *   signal (runs pass it to whatever may wait, e.g. an HTTP call), and
 *   resolves when the run in flight has returned.
 */
import type { ServerContext } from './context.js';
import { storeUnavailableReason } from './store/index.js';

/** Minimal logger surface (pino and Fastify's logger both fit). */
export interface LoopLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface LoopOptions {
  /** Short name for logs and the metric label, e.g. `webhooks`. */
  name: string;
  /** The work. Resolves when done; throws on failure. */
  run: (signal: AbortSignal) => Promise<unknown>;
  /** Pause between runs when nobody wakes the loop. */
  intervalMs: number;
  log: LoopLog;
  /** Called once per failed run (a Prometheus counter in the server). */
  onError?: (name: string) => void;
  /** First retry delay after a failure; doubles per failure up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
}

export interface Loop {
  readonly name: string;
  /** Starts the loop with an immediate run. */
  start(): void;
  /** Asks for a run as soon as possible (after the current one, or after the backoff while failing). */
  wake(): void;
  /** Stops the loop: no run starts after this; resolves once the run in flight has returned. */
  stop(): Promise<void>;
  /** Consecutive failed runs (0 while healthy). */
  readonly failures: number;
}

export function createLoop({ name, run, intervalMs, log, onError, backoffMs = 500, maxBackoffMs = 30_000, now = Date.now }: LoopOptions): Loop {
  let started = false;
  let stopped = false;
  let current: Promise<void> | null = null;
  let wanted = false;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let outageSince = 0;
  const controller = new AbortController();

  function schedule(ms: number) {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(runNow, ms);
    timer.unref();
  }

  function runNow() {
    clearTimeout(timer);
    if (stopped || current) return;
    wanted = false;
    current = (async () => {
      try {
        await run(controller.signal);
        if (failures > 0) {
          log.info({ loop: name, failures, outage_ms: now() - outageSince }, `${name}: working again after ${failures} failed run${failures === 1 ? '' : 's'}`);
        }
        failures = 0;
      } catch (err) {
        if (stopped && controller.signal.aborted) return;
        failures++;
        onError?.(name);
        if (failures === 1) {
          outageSince = now();
          const reason = storeUnavailableReason(err);
          // Logged once; the recovery line closes the outage.
          if (reason) log.warn({ loop: name, reason }, `${name}: ${reason}; retrying with backoff until it answers`);
          else log.error({ loop: name, err }, `${name}: run failed; retrying with backoff`);
        }
      }
    })().finally(() => {
      current = null;
      if (stopped) return;
      if (failures > 0) schedule(Math.min(maxBackoffMs, backoffMs * 2 ** (failures - 1)));
      else if (wanted) schedule(0);
      else schedule(intervalMs);
    });
  }

  return {
    name,
    get failures() {
      return failures;
    },
    start() {
      if (started) return;
      started = true;
      schedule(0);
    },
    wake() {
      if (!started || stopped) return;
      wanted = true;
      // While failing, the backoff timer decides; the wish is kept for it.
      if (!current && failures === 0) schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      controller.abort();
      await current;
    },
  };
}

/** A loop of the server's: logs to its logger and counts failed runs in `kirim_background_errors_total{loop}`. */
export function createServerLoop(ctx: Pick<ServerContext, 'log' | 'metrics'>, name: string, intervalMs: number, run: LoopOptions['run']): Loop {
  return createLoop({ name, intervalMs, run, log: ctx.log, onError: (n) => ctx.metrics.backgroundErrors.inc({ loop: n }) });
}
