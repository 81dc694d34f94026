/**
 * The development stack's API key, gateway token and dashboard login
 * (operator `dev`), kept in
 * <data-dir>/dev-credentials.json (mode 0600) so that every `kirim dev` run
 * on one data dir prints the same key and password. The database holds
 * only their hashes, as for any key; a saved value the database no longer
 * knows is replaced. The development key carries every scope (the local
 * stack has one tenant: its developer, who also watches the gateway and
 * every inbound SMS).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken } from '../server/crypto.js';
import { ApiScope } from '../protocol/api.js';
import { createApiKey, createGateway } from '../server/credentials.js';
import { createOperator, generatePassword, verifyPassword } from '../server/dashboard/operators.js';
import type { Store } from '../server/store/index.js';

export interface DevCredentials {
  apiKey: string;
  gatewayToken: string;
  /** Operator `dev`'s dashboard password. */
  operatorPassword: string;
}

export const DEV_OPERATOR = 'dev';

/** Keeps operator `dev` signing in with `password`; returns the password that works (a new one if needed). */
async function devOperator(store: Store, password: string | undefined): Promise<string> {
  const op = await store.findOperatorByUsername(DEV_OPERATOR);
  if (op && password && op.disabled_at === null && (await verifyPassword(password, op.password_hash))) return password;
  if (op) await store.deleteOperator(DEV_OPERATOR);
  const fresh = generatePassword();
  await createOperator(store, DEV_OPERATOR, fresh);
  return fresh;
}

export const DEV_CREDENTIALS_FILE = 'dev-credentials.json';

export async function devCredentials(store: Store, dataDir: string): Promise<DevCredentials> {
  const file = join(dataDir, DEV_CREDENTIALS_FILE);
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DevCredentials>) : {};
  const keep = !!saved.apiKey && !!saved.gatewayToken && !!(await store.findApiKeyByHash(hashToken(saved.apiKey))) && !!(await store.findGatewayByHash(hashToken(saved.gatewayToken)));
  const creds: DevCredentials = {
    ...(keep ? { apiKey: saved.apiKey!, gatewayToken: saved.gatewayToken! } : { apiKey: (await createApiKey(store, 'dev', { scopes: ApiScope.options })).key, gatewayToken: (await createGateway(store, 'dev-modem-sim')).token }),
    operatorPassword: await devOperator(store, saved.operatorPassword),
  };
  if (!keep || creds.operatorPassword !== saved.operatorPassword) writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  return creds;
}
