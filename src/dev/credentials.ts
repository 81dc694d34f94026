/**
 * The development stack's API key and gateway token, kept in
 * <data-dir>/dev-credentials.json (mode 0600) so that every `kirim dev` run
 * on one data dir prints the same key. The database holds only their hashes,
 * as for any key; a saved pair the database no longer knows is replaced.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken } from '../server/crypto.js';
import { createApiKey, createGateway } from '../server/credentials.js';
import type { Store } from '../server/store/index.js';

export interface DevCredentials {
  apiKey: string;
  gatewayToken: string;
}

export const DEV_CREDENTIALS_FILE = 'dev-credentials.json';

export async function devCredentials(store: Store, dataDir: string): Promise<DevCredentials> {
  const file = join(dataDir, DEV_CREDENTIALS_FILE);
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as DevCredentials;
    if ((await store.findApiKeyByHash(hashToken(saved.apiKey))) && (await store.findGatewayByHash(hashToken(saved.gatewayToken)))) return saved;
  }
  const creds = { apiKey: (await createApiKey(store, 'dev')).key, gatewayToken: (await createGateway(store, 'dev-modem-sim')).token };
  writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  return creds;
}
