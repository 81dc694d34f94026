/**
 * The login throttle, kept in the store so it holds across restarts and
 * across several servers on one database: at most 5 failed sign-ins per
 * username and 20 per client address in 15 minutes. Past that, sign-in
 * answers 429 with the seconds until the oldest failure leaves the window,
 * before any password is checked (so it costs no scrypt work either).
 * A successful sign-in clears its username's failures, not its address's.
 */
import type { ServerContext } from '../context.js';
import { rateLimited } from '../errors.js';

export const LOGIN_WINDOW_MS = 15 * 60_000;
export const MAX_FAILURES_PER_USER = 5;
export const MAX_FAILURES_PER_IP = 20;

const userKey = (username: string) => `user:${username}`;
const ipKey = (ip: string) => `ip:${ip}`;

export function createLoginThrottle(ctx: ServerContext) {
  const { store } = ctx;
  return {
    /** Throws 429 `rate_limited` (with Retry-After) when either limit is reached. */
    async check(username: string, ip: string): Promise<void> {
      const now = ctx.now();
      const since = now - LOGIN_WINDOW_MS;
      for (const [key, max, what] of [
        [userKey(username), MAX_FAILURES_PER_USER, 'this username'],
        [ipKey(ip), MAX_FAILURES_PER_IP, 'this address'],
      ] as const) {
        const { count, oldest } = await store.loginFailures(key, since);
        if (count >= max) {
          throw rateLimited(`too many failed sign-ins for ${what}; try again later`, (oldest ?? now) + LOGIN_WINDOW_MS - now);
        }
      }
    },
    async failed(username: string, ip: string): Promise<void> {
      await store.recordLoginFailure([userKey(username), ipKey(ip)], ctx.now());
    },
    async succeeded(username: string): Promise<void> {
      await store.clearLoginFailures(userKey(username));
    },
    /** Forgets failures older than the window (a sweeper). */
    sweep: () => store.deleteLoginFailuresBefore(ctx.now() - LOGIN_WINDOW_MS),
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
