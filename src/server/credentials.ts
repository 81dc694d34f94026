/**
 * Issuing credentials: API keys for applications and tokens for gateways.
 * The clear value is returned once; the store keeps only its SHA-256.
 */
import { API_KEY_PREFIX, GATEWAY_TOKEN_PREFIX } from './auth.js';
import { generateToken, hashToken } from './crypto.js';
import { newId } from './ids.js';
import type { ApiScope } from '../protocol/api.js';
import type { Repo } from './store/index.js';

/**
 * Creates an API key named `name`, with `scopes` beyond the application API
 * (none: a plain application key); returns the key (shown once) and its id.
 */
export async function createApiKey(store: Repo, name: string, { scopes = [] }: { scopes?: ApiScope[] } = {}): Promise<{ id: string; key: string }> {
  const key = generateToken(API_KEY_PREFIX);
  const id = newId('key');
  await store.insertApiKey({ id, name, key_hash: hashToken(key), prefix: key.slice(0, 7), created_at: Date.now(), revoked_at: null, scopes: [...new Set(scopes)].join(' ') });
  return { id, key };
}

/** Registers a gateway named `name`; returns its token (shown once) and its id. */
export async function createGateway(store: Repo, name: string): Promise<{ id: string; token: string }> {
  const token = generateToken(GATEWAY_TOKEN_PREFIX);
  const id = newId('gw');
  await store.insertGateway({ id, name, token_hash: hashToken(token), prefix: token.slice(0, 7), created_at: Date.now(), revoked_at: null, last_seen_at: null, state: 'new', health: null });
  return { id, token };
}
