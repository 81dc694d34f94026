/**
 * Flags shared by the commands that run or administer a server
 * (`server`, `keys`, `gateways`, `dev`): --port, --host, --db, --data-dir.
 */
import { Option, type Command } from 'commander';
import { ConfigError, loadConfig, resolveSecret, type ConfigFlags, type ServerConfig } from '../server/config.js';
import { openStore, type Store } from '../server/store/index.js';
import { UserError } from './errors.js';

/** Adds --db and --data-dir (and --port/--host when `listen`). */
export function withServerOptions(cmd: Command, { listen = false }: { listen?: boolean } = {}): Command {
  if (listen) {
    cmd.addOption(new Option('--port <port>', 'port to listen on (env KIRIM_PORT, default 8080)'));
    cmd.addOption(new Option('--host <host>', 'address to listen on (env KIRIM_HOST, default 127.0.0.1)'));
  }
  cmd.addOption(new Option('--db <url>', 'sqlite:<path> or postgres://... (env KIRIM_DB, default sqlite:<data-dir>/kirim.db)'));
  cmd.addOption(new Option('--data-dir <dir>', 'folder for the database, secret and mailbox (env KIRIM_DATA_DIR, default ./data)'));
  return cmd;
}

/** Loads the server configuration; a bad value becomes a UserError (exit 1). */
export function configFrom(flags: ConfigFlags, { secret = true }: { secret?: boolean } = {}): ServerConfig {
  try {
    const config = loadConfig(flags);
    return secret ? resolveSecret(config) : config;
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(err.message);
    throw err;
  }
}

/** Turns the store's connection and migration errors into one readable line. */
export function describeDbError(db: string, err: unknown): UserError {
  const msg = err instanceof Error ? err.message : String(err);
  return new UserError(`cannot open the database ${db.replace(/:\/\/[^@/]*@/, '://***@')}: ${msg.split('\n')[0]}`);
}

/** Opens the store named by the flags (migrating it), runs `fn`, and closes it. */
export async function withStore<T>(flags: ConfigFlags, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = configFrom(flags, { secret: false });
  const store = await openStore(config.db).catch((err) => {
    throw describeDbError(config.db, err);
  });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
