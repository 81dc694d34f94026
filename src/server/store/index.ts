/**
 * Opens the store named by a `--db` value: `sqlite:<path>` (default
 * `sqlite:./data/kirim.db`), `sqlite::memory:`, or `postgres://...`.
 */
import { sql, type Kysely } from 'kysely';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { migrateToLatest } from './migrations/index.js';
import { groupCommit } from './group-commit.js';
import { createRepo } from './repo.js';
import { randomBytes } from 'node:crypto';
import { connectPostgres } from './postgres/connect.js';
import { channelFor, listen, type Listener, type NotifyTarget } from './postgres/notify.js';
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

/**
 * The database a `--db` value names is not there (no SQLite file, no folder
 * for it, or no Kirim tables in it): almost always a typo. Only `kirim
 * server` creates a database, and never the folders above a SQLite file.
 */
export class StoreNotFoundError extends Error {
  override name = 'StoreNotFoundError';
}

/** True when the database carries Kirim's migration table (in the current schema on PostgreSQL). */
async function hasKirimTables(db: Kysely<any>, dialect: Dialect): Promise<boolean> {
  const q =
    dialect === 'postgres'
      ? sql<{ t: string | null }>`select to_regclass('kirim_migrations')::text as t`
      : sql<{ t: string | null }>`select name as t from sqlite_master where type = 'table' and name = 'kirim_migrations'`;
  const rows = (await q.execute(db)).rows;
  return !!rows[0]?.t;
}

/**
 * Opens the database, runs migrations, and returns the store. `create`
 * (the server): a missing SQLite file is created, but its folder must
 * exist. Without it (administrative commands) a database without Kirim's
 * tables is refused with {@link StoreNotFoundError}.
 */
export async function openStore(url: string, { migrate = true, create = true }: { migrate?: boolean; create?: boolean } = {}): Promise<Store> {
  const { dialect, target } = parseDbUrl(url);
  if (dialect === 'sqlite' && target !== ':memory:') {
    const folder = dirname(target);
    if (!existsSync(folder)) throw new StoreNotFoundError(`folder ${folder} does not exist`);
    if (!statSync(folder).isDirectory()) throw new StoreNotFoundError(`${folder} is not a folder`);
    if (!create && !existsSync(target)) throw new StoreNotFoundError(`no database file ${target}`);
  }
  const db = dialect === 'postgres' ? connectPostgres(target) : connectSqlite(target);
  try {
    if (!create && !(await hasKirimTables(db, dialect))) throw new StoreNotFoundError('it holds no Kirim tables');
    if (migrate) await migrateToLatest(db, dialect);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const instanceId = randomBytes(8).toString('hex');
  let notify: NotifyTarget | undefined;
  if (dialect === 'postgres') {
    try {
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s ?? 'public';
      notify = { channel: channelFor(schema), instance: instanceId };
    } catch (err) {
      await db.destroy();
      throw err;
    }
  }
  const repo = createRepo(db, dialect, notify);
  const listeners = new Set<Listener>();
  // SQLite's one writer: transactions waiting for it share a commit
  // (group-commit.ts). PostgreSQL runs them side by side on its pool.
  const grouped = dialect === 'sqlite' ? groupCommit(db, (trx, hooks) => createTx(trx, dialect, hooks, notify)) : undefined;
  return {
    ...repo,
    dialect,
    db,
    instanceId,
    async transaction(fn) {
      if (grouped) return grouped(fn);
      const hooks: Array<() => void> = [];
      const result = await db.transaction().execute((trx) => fn(createTx(trx, dialect, hooks, notify)));
      for (const hook of hooks) hook();
      return result;
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    listen(handlers) {
      if (!notify) return undefined;
      const l = listen(target, notify, handlers);
      listeners.add(l);
      return {
        get listening() {
          return l.listening;
        },
        close: () => {
          listeners.delete(l);
          return l.close();
        },
      };
    },
    async close() {
      await Promise.all([...listeners].map((l) => l.close()));
      listeners.clear();
      await db.destroy();
    },
  };
}

/**
 * A repository bound to an open transaction. Nested `transaction` calls
 * become savepoints (portable SQL in both dialects), so a unit of work can
 * retry a part of itself, e.g. after a unique-constraint race, without
 * losing the rest; after-commit hooks registered inside a savepoint that
 * rolls back are dropped with it.
 */
function createTx(trx: Kysely<Database>, dialect: Dialect, hooks: Array<() => void>, notify: NotifyTarget | undefined): Tx {
  let savepoints = 0;
  const tx: Tx = {
    ...createRepo(trx, dialect, notify),
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
        // When the database already rolled back the whole transaction (SQLite
        // on a full disk), the savepoint is gone too: the error that caused
        // it is the one to report, and the outer rollback ends the rest.
        await sql`rollback to savepoint ${name}`.execute(trx).then(() => sql`release savepoint ${name}`.execute(trx)).catch(() => {});
        throw err;
      }
    },
  };
  return tx;
}
