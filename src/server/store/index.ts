/**
 * Opens the store named by a `--db` value: `sqlite:<path>` (default
 * `sqlite:./data/kirim.db`), `sqlite::memory:`, or `postgres://...`.
 */
import { sql, type Kysely } from 'kysely';
import { resolve } from 'node:path';
import { migrateToLatest } from './migrations/index.js';
import { createRepo } from './repo.js';
import { connectPostgres } from './postgres/connect.js';
import { connectSqlite } from './sqlite/connect.js';
import type { Database } from './schema.js';
import type { Dialect, Store, Tx } from './types.js';

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
    async transaction(fn) {
      const hooks: Array<() => void> = [];
      const result = await db.transaction().execute((trx) => fn(createTx(trx, dialect, hooks)));
      for (const hook of hooks) hook();
      return result;
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

/**
 * A repository bound to an open transaction. Nested `transaction` calls
 * become savepoints (portable SQL in both dialects), so a unit of work can
 * retry a part of itself, e.g. after a unique-constraint race, without
 * losing the rest; after-commit hooks registered inside a savepoint that
 * rolls back are dropped with it.
 */
function createTx(trx: Kysely<Database>, dialect: Dialect, hooks: Array<() => void>): Tx {
  let savepoints = 0;
  const tx: Tx = {
    ...createRepo(trx, dialect),
    afterCommit(fn) {
      hooks.push(fn);
    },
    async transaction(fn) {
      const name = sql.id(`kirim_sp_${++savepoints}`);
      const mark = hooks.length;
      await sql`savepoint ${name}`.execute(trx);
      try {
        const result = await fn(tx);
        await sql`release savepoint ${name}`.execute(trx);
        return result;
      } catch (err) {
        hooks.length = mark;
        await sql`rollback to savepoint ${name}`.execute(trx);
        await sql`release savepoint ${name}`.execute(trx);
        throw err;
      }
    },
  };
  return tx;
}
