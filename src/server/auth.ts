/**
 * Bearer authentication. API keys (`kk_...`) open /v1; gateway tokens
 * (`kg_...`) open /gateway/v1; neither opens the other's routes. Both are
 * looked up by their SHA-256, so the store never holds a usable token.
 */
import type { FastifyRequest } from 'fastify';
import { hashToken } from './crypto.js';
import { ApiError } from './errors.js';
import type { ApiKeyRow, GatewayRow, Store } from './store/index.js';

export const API_KEY_PREFIX = 'kk';
export const GATEWAY_TOKEN_PREFIX = 'kg';

function bearer(req: FastifyRequest): string {
  const h = req.headers.authorization;
  if (!h) throw new ApiError(401, 'unauthorized', 'missing Authorization: Bearer <token> header');
  const m = /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(h);
  if (!m) throw new ApiError(401, 'unauthorized', 'malformed Authorization header: expected Bearer <token>');
  return m[1]!;
}

/** Resolves the API key of a /v1 request or throws 401. */
export async function authenticateApiKey(store: Store, req: FastifyRequest): Promise<ApiKeyRow> {
  const token = bearer(req);
  if (token.startsWith(`${GATEWAY_TOKEN_PREFIX}_`)) throw new ApiError(401, 'unauthorized', 'a gateway token cannot use the application API; use an API key');
  const key = await store.findApiKeyByHash(hashToken(token));
  if (!key) throw new ApiError(401, 'unauthorized', 'unknown or revoked API key');
  return key;
}

/** Resolves the gateway of a /gateway/v1 request or throws 401. */
export async function authenticateGateway(store: Store, req: FastifyRequest): Promise<GatewayRow> {
  const token = bearer(req);
  if (token.startsWith(`${API_KEY_PREFIX}_`)) throw new ApiError(401, 'unauthorized', 'an API key cannot use the gateway API; use a gateway token');
  const gw = await store.findGatewayByHash(hashToken(token));
  if (!gw) throw new ApiError(401, 'unauthorized', 'unknown or revoked gateway token');
  return gw;
}
