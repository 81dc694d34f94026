/**
 * A sliding-window limit per key, in memory: at most `max` events per
 * `windowMs`. Enough for one demo process (sign-ups and password attempts
 * per client address); keys with no recent events are forgotten.
 */
export class WindowLimiter {
  readonly #events = new Map<string, number[]>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    readonly now: () => number = Date.now,
  ) {}

  #recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.#events.get(key) ?? []).filter((t) => t > since);
    if (list.length) this.#events.set(key, list);
    else this.#events.delete(key);
    return list;
  }

  /** Seconds until `key` may act again, or 0 when it may now. */
  retryAfter(key: string): number {
    const list = this.#recent(key);
    if (list.length < this.max) return 0;
    return Math.max(1, Math.ceil((list[0]! + this.windowMs - this.now()) / 1000));
  }

  /** Counts one event for `key` unless over the limit; returns the seconds to wait (0 = counted, go ahead). */
  hit(key: string): number {
    const wait = this.retryAfter(key);
    if (wait) return wait;
    if (this.#events.size > 10_000) this.#sweep();
    this.#events.set(key, [...(this.#events.get(key) ?? []), this.now()]);
    return 0;
  }

  #sweep(): void {
    for (const key of [...this.#events.keys()]) this.#recent(key);
  }
}
