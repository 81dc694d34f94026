/**
 * Flags shared by the commands that run or administer a server
 * (`server`, `keys`, `gateways`, `dev`): --port, --host, --db, --data-dir,
 * and how those commands open the configuration and the store.
 */
import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { ConfigError, loadConfig, resolveSecret, type ConfigFlags, type ServerConfig } from '../server/config.js';
import { openStore, StoreNotFoundError, storeUnavailableReason, type Store } from '../server/store/index.js';
import { noKirimData, prepareDataDir, requireDataDir } from './data-dir.js';
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

const errno = (err: unknown) => (err as { code?: string })?.code;

/**
 * Loads the server configuration; a bad value becomes a UserError (exit 1).
 * `create` (the default, for `server` and `dev`): prepares the data dir
 * (creating its own folder) and its secret. Administrative commands pass
 * `create: false` and get neither.
 */
export function configFrom(flags: ConfigFlags, { create = true }: { create?: boolean } = {}): ServerConfig {
  let config: ServerConfig;
  try {
    config = loadConfig(flags);
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(err.message);
    throw err;
  }
  if (!create) return config;
  prepareDataDir(config.dataDir);
  try {
    return resolveSecret(config);
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(err.message);
    if (errno(err) === 'EACCES' || errno(err) === 'EPERM') {
      throw new UserError(`cannot read ${join(config.dataDir, 'secret')}: permission denied; run as the data dir's owner (e.g. sudo -u kirim)`);
    }
    throw err;
  }
}

/** SQLite or the file system refusing this user (a read-only database, a folder it may not write). */
function isPermissionError(err: unknown): boolean {
  const code = errno(err) ?? '';
  return code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'EACCES' || code === 'EPERM';
}

/** The database URL with any password hidden. */
export const redactDb = (db: string) => db.replace(/:\/\/[^@/]*@/, '://***@');

/** True when the database is the default SQLite file inside the data dir. */
const inDataDir = (config: ServerConfig) => config.db === `sqlite:${join(config.dataDir, 'kirim.db')}`;

/** Turns the store's connection, permission and migration errors into one readable line with a fix. */
export function describeDbError(config: ServerConfig, err: unknown, { create = true }: { create?: boolean } = {}): UserError {
  const db = redactDb(config.db);
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  if (err instanceof StoreNotFoundError) {
    if (create) return new UserError(`cannot create the database ${db}: ${msg}; create it first or fix --db (kirim creates only the data dir's own folder)`);
    return new UserError(inDataDir(config) ? noKirimData(config.dataDir) : noKirimData(`${db} (${msg})`, '--db', `kirim server --db ${db}`));
  }
  const code = errno(err);
  if (code === '3D000') return new UserError(`cannot open the database ${db}: ${msg}; create it (createdb) or fix --db`);
  if (isPermissionError(err)) {
    return new UserError(`cannot write the database ${db}: ${msg}; run as the user that owns it (e.g. sudo -u kirim)`);
  }
  // The same reading of connection failures as the running server's (503 store_unavailable).
  const unavailable = storeUnavailableReason(err);
  if (unavailable) {
    return new UserError(config.db.startsWith('sqlite:') ? `cannot use the database ${db}: ${unavailable}` : `cannot reach the database ${db}: ${msg}; is PostgreSQL running there?`);
  }
  return new UserError(`cannot open the database ${db}: ${msg}`);
}

/**
 * For administrative commands: opens the existing store named by the flags
 * (migrating it), runs `fn`, and closes it. Never creates a data dir or a
 * database.
 */
export async function withStore<T>(flags: ConfigFlags, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = configFrom(flags, { create: false });
  if (inDataDir(config)) requireDataDir(config.dataDir);
  const store = await openStore(config.db, { create: false }).catch((err) => {
    throw describeDbError(config, err, { create: false });
  });
  try {
    return await fn(store);
  } catch (err) {
    if (isPermissionError(err)) throw describeDbError(config, err);
    throw err;
  } finally {
    await store.close();
  }
}
