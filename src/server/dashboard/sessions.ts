/**
 * Dashboard sessions. The cookie carries a random 32-byte token; the store
 * keeps only its SHA-256, so a leaked database opens no session. A session
 * ends after 12 hours without a request or 7 days after sign-in, whichever
 * comes first, and at logout.
 *
 * The CSRF token is derived from the session (HMAC under the server
 * secret), so it needs no storage and dies with the session.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { ServerContext } from '../context.js';
import { hashToken } from '../crypto.js';
import { ApiError } from '../errors.js';
import type { OperatorRow, OperatorSessionRow } from '../store/index.js';

export const SESSION_COOKIE = 'kirim_session';
export const COOKIE_PATH = '/dashboard';
export const IDLE_TIMEOUT_MS = 12 * 3600_000;
export const ABSOLUTE_TIMEOUT_MS = 7 * 24 * 3600_000;
/** last_seen_at is written at most this often (not on every request). */
const TOUCH_EVERY_MS = 60_000;

export interface DashboardSession {
  /** SHA-256 of the token (the row's id). */
  id: string;
  session: OperatorSessionRow;
  operator: OperatorRow;
  csrfToken: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    dashboardSession?: DashboardSession;
  }
}

const CSRF_CONTEXT = 'dashboard-csrf';

export function createSessions(ctx: ServerContext) {
  const csrfFor = (id: string) => ctx.keyring.mac(CSRF_CONTEXT, id);

  /** True when the request reached us over https (through a trusted proxy too). */
  const secure = (req: FastifyRequest) => ctx.config.cookieSecure || req.protocol === 'https';

  const cookieOptions = (req: FastifyRequest) => ({ path: COOKIE_PATH, httpOnly: true, sameSite: 'strict' as const, secure: secure(req) });

  return {
    /** Starts a session for `operator` and sets its cookie; returns the CSRF token. */
    async start(req: FastifyRequest, reply: FastifyReply, operator: OperatorRow): Promise<string> {
      const token = randomBytes(32).toString('base64url');
      const id = hashToken(token);
      const now = ctx.now();
      await ctx.store.insertOperatorSession({ id, operator_id: operator.id, created_at: now, last_seen_at: now, expires_at: now + ABSOLUTE_TIMEOUT_MS });
      reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions(req), maxAge: ABSOLUTE_TIMEOUT_MS / 1000 });
      return csrfFor(id);
    },

    /** The request's live session, or undefined (expired sessions are removed). */
    async resolve(req: FastifyRequest): Promise<DashboardSession | undefined> {
      const token = req.cookies[SESSION_COOKIE];
      if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
      const id = hashToken(token);
      const found = await ctx.store.findOperatorSession(id);
      if (!found) return undefined;
      const now = ctx.now();
      if (found.session.expires_at <= now || found.session.last_seen_at + IDLE_TIMEOUT_MS <= now) {
        await ctx.store.deleteOperatorSession(id);
        return undefined;
      }
      if (now - found.session.last_seen_at >= TOUCH_EVERY_MS) await ctx.store.touchOperatorSession(id, now);
      return { id, ...found, csrfToken: csrfFor(id) };
    },

    /** 401 `unauthenticated` unless the request carries a live session. */
    async require(req: FastifyRequest): Promise<DashboardSession> {
      const s = req.dashboardSession ?? (await this.resolve(req));
      if (!s) throw new ApiError(401, 'unauthenticated', 'sign in to the dashboard first');
      req.dashboardSession = s;
      return s;
    },

    /** Still alive? (for long-lived streams, checked now and then). */
    async alive(id: string): Promise<boolean> {
      const found = await ctx.store.findOperatorSession(id);
      const now = ctx.now();
      return !!found && found.session.expires_at > now && found.session.last_seen_at + IDLE_TIMEOUT_MS > now;
    },

    async end(req: FastifyRequest, reply: FastifyReply, id?: string): Promise<void> {
      if (id) await ctx.store.deleteOperatorSession(id);
      reply.clearCookie(SESSION_COOKIE, cookieOptions(req));
    },

    /** Constant-time check of a CSRF token against the session's. */
    csrfMatches(id: string, token: string | undefined): boolean {
      return typeof token === 'string' && ctx.keyring.verifyMac(CSRF_CONTEXT, id, token);
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
