/**
 * Opens the store named by a `--db` value: `sqlite:<path>` (default
 * `sqlite:./data/kirim.db`), `sqlite::memory:`, or `postgres://...`.
 */
import { sql } from 'kysely';
import { resolve } from 'node:path';
import { migrateToLatest } from './migrations/index.js';
import { createRepo } from './repo.js';
import { connectPostgres } from './postgres/connect.js';
import { connectSqlite } from './sqlite/connect.js';
import type { Dialect, Store } from './types.js';

export * from './types.js';

/** Parses a `--db` value into a dialect and its target; throws a readable error when invalid. */
export function parseDbUrl(url: string): { dialect: Dialect; target: string } {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { dialect: 'postgres', target: url };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (!path) throw new Error(`--db ${url}: the SQLite path is empty (use sqlite:./data/kirim.db)`);
    return { dialect: 'sqlite', target: path === ':memory:' ? path : resolve(path) };
  }
  throw new Error(`--db ${url}: expected sqlite:<path> or postgres://user@host/db`);
}

/** Opens the database, runs migrations, and returns the store. */
export async function openStore(url: string, { migrate = true }: { migrate?: boolean } = {}): Promise<Store> {
  const { dialect, target } = parseDbUrl(url);
  const db = dialect === 'postgres' ? connectPostgres(target) : connectSqlite(target);
  try {
    if (migrate) await migrateToLatest(db, dialect);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const repo = createRepo(db, dialect);
  return {
    ...repo,
    dialect,
    db,
    transaction: (fn) => db.transaction().execute((trx) => fn(createRepo(trx, dialect))),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
