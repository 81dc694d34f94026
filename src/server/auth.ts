/**
 * Bearer authentication. API keys (`kk_...`) open /v1; gateway tokens
 * (`kg_...`) open /gateway/v1; neither opens the other's routes. Both are
 * looked up by their SHA-256, so the store never holds a usable token.
 *
 * Answers people can act on: a header that is not `Bearer <token>` is
 * "malformed"; a well-formed token that matches nothing is "unknown or
 * revoked". The scheme name is case-insensitive (RFC 9110 §11.1), so
 * `bearer` and `BEARER` work as `Bearer` does.
 *
 * Nothing is cached: every request reads its key or token from the store,
 * so a revocation, a rotation or an expiry holds at the next request on
 * every instance sharing that store. An API key past its `expires_at` is
 * refused with a 401 saying so; each route names the scope it needs and a
 * key without it gets 403 `forbidden` naming that scope.
 */
import type { FastifyRequest } from 'fastify';
import { ApiScope, DEFAULT_API_SCOPES } from '../protocol/api.js';
import { iso } from '../protocol/time.js';
import { hashToken } from './crypto.js';
import { ApiError } from './errors.js';
import type { ApiKeyRow, GatewayRow, Store } from './store/index.js';

export const API_KEY_PREFIX = 'kk';
export const GATEWAY_TOKEN_PREFIX = 'kg';

/** `<scheme> <token68>` (RFC 9110 §11.4; token68 as in RFC 6750's b64token). */
const CREDENTIALS = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +([A-Za-z0-9._~+/-]+=*) *$/;

/** The bearer token of a request, or 401 saying what is wrong with the header. */
export function bearerToken(header: string | undefined): string {
  if (!header) throw new ApiError(401, 'unauthorized', 'missing Authorization: Bearer <token> header');
  const m = CREDENTIALS.exec(header);
  if (!m || m[1]!.toLowerCase() !== 'bearer') throw new ApiError(401, 'unauthorized', 'malformed Authorization header: expected Bearer <token>');
  return m[2]!;
}

/** Resolves the API key of a /v1 request or throws 401. */
export async function authenticateApiKey(store: Store, req: FastifyRequest, now: number = Date.now()): Promise<ApiKeyRow> {
  return apiKeyOf(store, bearerToken(req.headers.authorization), now);
}

/** The API key whose value is `token`, or 401 saying why not (unknown, revoked, expired, a gateway token). */
export async function apiKeyOf(store: Store, token: string, now: number = Date.now()): Promise<ApiKeyRow> {
  if (token.startsWith(`${GATEWAY_TOKEN_PREFIX}_`)) throw new ApiError(401, 'unauthorized', 'a gateway token cannot use the application API; use an API key');
  const key = await store.findApiKeyByHash(hashToken(token));
  if (!key) throw new ApiError(401, 'unauthorized', 'unknown or revoked API key');
  if (key.expires_at !== null && now >= key.expires_at) {
    throw new ApiError(401, 'unauthorized', `this API key expired at ${iso(key.expires_at)}; create a new one with \`kirim keys create\``);
  }
  return key;
}

/**
 * The scopes an API key carries. A row written before scopes existed has
 * none stored and gets the default scopes (what every key could do then).
 */
export function scopesOf(key: Pick<ApiKeyRow, 'scopes'>): ApiScope[] {
  if (key.scopes.trim() === '') return [...DEFAULT_API_SCOPES];
  return key.scopes.split(' ').filter((s): s is ApiScope => ApiScope.safeParse(s).success);
}

export function hasScope(key: Pick<ApiKeyRow, 'scopes'>, scope: ApiScope): boolean {
  return scopesOf(key).includes(scope);
}

/**
 * Throws 403 `forbidden` unless the key carries one of `scopes` (the first
 * one is named: the one that opens the route fully).
 */
export function requireScope(key: ApiKeyRow, ...scopes: [ApiScope, ...ApiScope[]]): void {
  const have = scopesOf(key);
  if (scopes.some((s) => have.includes(s))) return;
  const also = scopes.length > 1 ? ` (or ${scopes.slice(1).join(' or ')})` : '';
  throw new ApiError(403, 'forbidden', `this API key lacks the ${scopes[0]} scope${also}; create a key with \`kirim keys create --name NAME --scope ${scopes[0]}\``);
}

/** Resolves the gateway of a /gateway/v1 request or throws 401. */
export async function authenticateGateway(store: Store, req: FastifyRequest): Promise<GatewayRow> {
  const token = bearerToken(req.headers.authorization);
  if (token.startsWith(`${API_KEY_PREFIX}_`)) throw new ApiError(401, 'unauthorized', 'an API key cannot use the gateway API; use a gateway token');
  const gw = await store.findGatewayByHash(hashToken(token));
  if (!gw) throw new ApiError(401, 'unauthorized', 'unknown or revoked gateway token');
  return gw;
}
