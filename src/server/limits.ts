/**
 * Abuse limits checked on the request path, all in this one place, before
 * anything is queued. Counters live in memory (one server); the shared
 * store-backed variant for several instances plugs in behind the same
 * interface.
 */
import { rateLimited } from './errors.js';

/** Sliding-window counter: at most `max` events per `windowMs` per key. */
export class WindowLimiter {
  private hits = new Map<string, number[]>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Records an event for `key`, or throws 429 with Retry-After when the window is full. */
  take(key: string, now: number, what: string): void {
    const since = now - this.windowMs;
    const list = (this.hits.get(key) ?? []).filter((t) => t > since);
    if (list.length >= this.max) {
      this.hits.set(key, list);
      throw rateLimited(`${what}: at most ${this.max} per ${Math.round(this.windowMs / 60_000)} minutes`, list[0]! + this.windowMs - now);
    }
    list.push(now);
    this.hits.set(key, list);
    // Keep memory bounded: drop idle keys now and then.
    if (this.hits.size > 100_000) for (const [k, v] of this.hits) if (v.every((t) => t <= since)) this.hits.delete(k);
  }
}

export interface Limits {
  /** New verifications (not resends) for one destination. */
  verificationStart(apiKeyId: string, to: string, now: number): void;
}

export function createLimits({ verificationsPerDestinationPerHour }: { verificationsPerDestinationPerHour: number }): Limits {
  const perDestination = new WindowLimiter(verificationsPerDestinationPerHour, 3_600_000);
  return {
    verificationStart(apiKeyId, to, now) {
      perDestination.take(`${apiKeyId}\0${to}`, now, 'new verifications for this destination');
    },
  };
}
