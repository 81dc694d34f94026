/**
 * Issuing, rotating and revoking credentials: API keys for applications and
 * tokens for gateways. The clear value is returned once; the store keeps
 * only its SHA-256. A rotation replaces the stored hash, so the old value
 * stops matching at the next lookup (every request looks up; nothing is
 * cached). Called from the CLI (a separate process: the server sees the
 * change at its next store read) or from the server, which then announces
 * it on the bus so its own open gateway long-polls end at once.
 */
import { API_KEY_PREFIX, GATEWAY_TOKEN_PREFIX } from './auth.js';
import { generateToken, hashToken } from './crypto.js';
import { newId } from './ids.js';
import { DEFAULT_API_SCOPES, type ApiScope } from '../protocol/api.js';
import { pinColumns, type Pins } from './routing/pins.js';
import type { ApiKeyRow, GatewayRow, Repo } from './store/index.js';

/**
 * Creates an API key named `name` with `scopes` (none given: the default
 * scopes, verify messages webhooks) and an optional expiry; returns the key
 * (shown once) and its id.
 */
export async function createApiKey(
  store: Repo,
  name: string,
  { scopes = [], expiresAt = null }: { scopes?: readonly ApiScope[]; expiresAt?: number | null } = {},
): Promise<{ id: string; key: string }> {
  const key = generateToken(API_KEY_PREFIX);
  const id = newId('key');
  const granted = scopes.length > 0 ? scopes : DEFAULT_API_SCOPES;
  await store.insertApiKey({ id, name, key_hash: hashToken(key), prefix: key.slice(0, 7), created_at: Date.now(), revoked_at: null, scopes: [...new Set(granted)].join(' '), expires_at: expiresAt });
  return { id, key };
}

/** A new value for an unrevoked API key (same id, scopes and expiry); the old value is refused from now on. */
export async function rotateApiKey(store: Repo, id: string): Promise<{ row: ApiKeyRow; key: string } | undefined> {
  const key = generateToken(API_KEY_PREFIX);
  const row = await store.rotateApiKey(id, hashToken(key), key.slice(0, 7));
  return row ? { row, key } : undefined;
}

/** A new token for an unrevoked gateway (same id and history); the old token is refused from now on. */
export async function rotateGatewayToken(store: Repo, id: string): Promise<{ row: GatewayRow; token: string } | undefined> {
  const token = generateToken(GATEWAY_TOKEN_PREFIX);
  const row = await store.rotateGatewayToken(id, hashToken(token), token.slice(0, 7));
  return row ? { row, token } : undefined;
}

/** Registers a gateway named `name` (pinned to `pins`, routing/pins.ts, when given); returns its token (shown once) and its id. */
export async function createGateway(store: Repo, name: string, pins?: Pins, number?: string): Promise<{ id: string; token: string }> {
  const token = generateToken(GATEWAY_TOKEN_PREFIX);
  const id = newId('gw');
  await store.insertGateway({ id, name, token_hash: hashToken(token), prefix: token.slice(0, 7), created_at: Date.now(), revoked_at: null, last_seen_at: null, state: 'new', health: null, ...(pins ? pinColumns(pins) : {}), ...(number ? { number } : {}) });
  return { id, token };
}
