/**
 * Cross-site request forgery defences for the dashboard's changes:
 * - every non-GET request under /dashboard/api (but /login) carries the
 *   session's CSRF token in `X-CSRF-Token` (checked in constant time);
 * - an `Origin` header, when the browser sends one, must be this server's
 *   own origin (scheme, host and port as the request reached us, through a
 *   trusted proxy too). /login checks it as well, against login CSRF.
 * The session cookie is SameSite=Strict besides; these hold even where
 * that is not enough (an old browser, a sibling subdomain).
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import type { DashboardSession, Sessions } from './sessions.js';

export const CSRF_HEADER = 'x-csrf-token';

const refuse = (detail: string) => new ApiError(403, 'csrf_failed', detail);

/** An origin in its serialized form (default ports dropped), or undefined when it is not one. */
function normalize(origin: string): string | undefined {
  try {
    const o = new URL(origin).origin;
    return o === 'null' ? undefined : o;
  } catch {
    return undefined;
  }
}

/** The origin the request was addressed to. */
export function ownOrigin(req: FastifyRequest): string | undefined {
  return normalize(`${req.protocol}://${req.host}`);
}

/** Throws 403 `csrf_failed` when an Origin header names another site (or is `null`). */
export function checkOrigin(req: FastifyRequest): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  const own = ownOrigin(req);
  if (!own || normalize(origin) !== own) throw refuse(`the request came from another site (Origin ${origin.slice(0, 100)})`);
}

/** Throws 403 `csrf_failed` unless the request carries the session's CSRF token (and no foreign Origin). */
export function checkCsrf(sessions: Sessions, req: FastifyRequest, session: DashboardSession): void {
  checkOrigin(req);
  const header = req.headers[CSRF_HEADER];
  const token = Array.isArray(header) ? undefined : header;
  if (!token) throw refuse('missing X-CSRF-Token header (take csrf_token from GET /dashboard/api/session)');
  if (!sessions.csrfMatches(session.id, token)) throw refuse('the X-CSRF-Token header does not match this session');
}
