/**
 * The gateway long polls waiting on this server for an SMS, and who wakes
 * when one is queued.
 *
 * Why not every waiting poll: with a hundred gateways waiting, a queued SMS
 * that wakes all of them starts a hundred lease queries for one message
 * (a thundering herd); ninety-nine find nothing, and under load the one
 * that matters waits behind them. So a queued SMS wakes one poll: the one
 * that has waited longest among those that lease its route (router.ts
 * `leaseRoutes`). Another server instance hears of the same SMS and wakes
 * one of its own (cluster.ts), so at most one poll per instance runs for it.
 *
 * Promises kept here:
 * - a wake-up without a route (a catch-up after a reconnection, SMS moved
 *   by the router, the server closing) wakes every waiting poll, as before;
 * - a wake-up is not lost to a poll between two waits: a wake-up that found
 *   no poll waiting for its route is kept, and the first poll that asks to
 *   wait after it (having last looked at the queue before it, `mark`) takes
 *   it and looks again instead of waiting. A wake-up that did wake a poll
 *   is not kept: the other polls have nothing to look again for (keeping
 *   those made every busy poll spin through empty leases);
 * - a woken poll that leases nothing because it could not try (its client
 *   hung up, its token was revoked, the server is closing) or may not take
 *   work now (its SIM budget is spent) hands its wake-up on (`relay`) to
 *   the next poll for that route whose gateway has not had it, so a
 *   wake-up visits each gateway at most once;
 * - every poll still re-checks on its own every KIRIM_POLL_RECHECK_MS, so a
 *   route that changed while it waited costs at most that long.
 */
import type { SmsWake } from '../../context.js';
import type { Metrics } from '../../metrics.js';

export type { SmsWake };

/** Why a wait ended. `woken` carries the wake-up, to relay if the poll could not use it. */
export type WaitEnd = { woken: SmsWake | null } | { timeout: true };

interface Waiter {
  gatewayId: string;
  routes: ReadonlySet<string | null>;
  end(e: WaitEnd): void;
}

export type PollWaiters = ReturnType<typeof createPollWaiters>;

export function createPollWaiters(metrics?: Pick<Metrics, 'gatewayPollsWaiting'>) {
  /** Insertion order is waiting order: the first match has waited longest. */
  const waiting = new Set<Waiter>();
  /** Counts wake-ups, so a poll can tell which came after it last looked. */
  let seq = 0;
  /** The last wake-ups that found nobody waiting, oldest first; `taken` once a poll had it. */
  const unheard: Array<{ seq: number; wake: SmsWake | null; taken: boolean }> = [];
  /** Wake-ups up to this number may have been dropped from `unheard`. */
  let forgotten = 0;
  const KEEP = 1024;
  /** The gateways each wake-up went to (a relay skips them). */
  const had = new WeakMap<SmsWake, Set<string>>();

  function keep(wake: SmsWake | null) {
    unheard.push({ seq, wake, taken: false });
    if (unheard.length > KEEP) forgotten = unheard.shift()!.seq;
  }

  function remove(w: Waiter) {
    if (waiting.delete(w)) metrics?.gatewayPollsWaiting.dec();
  }

  /** Wakes one poll for `wake`'s route (every poll for null); false when none waited. */
  function deliver(wake: SmsWake | null): boolean {
    const went = wake === null ? undefined : (had.get(wake) ?? new Set<string>());
    if (wake !== null) had.set(wake, went!);
    let woke = false;
    for (const w of waiting) {
      if (wake !== null && (!w.routes.has(wake.route) || went!.has(w.gatewayId))) continue;
      remove(w);
      went?.add(w.gatewayId);
      w.end({ woken: wake });
      woke = true;
      if (wake !== null) break;
    }
    return woke;
  }

  return {
    /** The current position, to pass to `wait` after looking at the queue. */
    mark(): number {
      return seq;
    },

    /** Wakes one poll for `wake`'s route, or every poll when `wake` is absent. */
    wake(wake?: SmsWake): void {
      seq++;
      if (!deliver(wake ?? null)) keep(wake ?? null);
    },

    /** Hands a wake-up a poll could not use to the next poll for its route that has not had it. */
    relay(wake: SmsWake): void {
      seq++;
      if (!deliver(wake)) keep(wake);
    },

    /**
     * Gateway `gatewayId`'s poll waits for a wake-up on one of `routes` (or
     * every poll's), at most `ms`.
     * `since`: the `mark()` taken before the poll last looked at the queue;
     * a matching wake-up after it ends the wait at once.
     */
    wait({ gatewayId, routes, ms, since, signal }: { gatewayId: string; routes: Iterable<string | null>; ms: number; since: number; signal?: AbortSignal }): Promise<WaitEnd> {
      const set = new Set(routes);
      if (seq !== since) {
        // Older than what is kept: look again rather than risk a lost wake-up.
        if (since < forgotten) return Promise.resolve({ woken: null });
        const missed = unheard.find((u) => u.seq > since && (u.wake === null || (!u.taken && set.has(u.wake.route) && !had.get(u.wake)?.has(gatewayId))));
        if (missed) {
          if (missed.wake !== null) {
            missed.taken = true;
            const went = had.get(missed.wake) ?? new Set<string>();
            went.add(gatewayId);
            had.set(missed.wake, went);
          }
          return Promise.resolve({ woken: missed.wake });
        }
      }
      return new Promise<WaitEnd>((resolve) => {
        const w: Waiter = {
          gatewayId,
          routes: set,
          end(e) {
            clearTimeout(timer);
            signal?.removeEventListener('abort', abort);
            resolve(e);
          },
        };
        const abort = () => {
          remove(w);
          w.end({ woken: null });
        };
        const timer = setTimeout(() => {
          remove(w);
          w.end({ timeout: true });
        }, ms);
        signal?.addEventListener('abort', abort, { once: true });
        waiting.add(w);
        metrics?.gatewayPollsWaiting.inc();
      });
    },

    /** How many polls wait now. */
    get size(): number {
      return waiting.size;
    },
  };
}
