/** Opens the SQLite database (better-sqlite3, WAL) for the store. */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database as Schema } from '../schema.js';
import { privateSqliteFiles } from '../../files.js';

/** Opens (and creates, mode 0600) the SQLite file at `path`, whose folder must exist; `:memory:` for a throwaway database. */
export function connectSqlite(path: string): Kysely<Schema> {
  // Codes (encrypted), token hashes and message texts: readable by this user only.
  privateSqliteFiles(path);
  const sqlite = new Database(path);
  // WAL lets readers run beside the writer; NORMAL sync is durable across a
  // process crash (what SIGKILL tests) and loses at most the last commits on
  // power loss, the usual trade for a queue on a single machine.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // A 64 MiB page cache (SQLite's default is 2 MiB), allocated only as
  // pages are read: with a deep queue the lease's index probes otherwise go
  // back to the OS for pages the last lease just read (bench/queue-depth.ts).
  sqlite.pragma('cache_size = -65536');
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

const NO_OP = { reader: false, run: () => ({ changes: 0, lastInsertRowid: 0 }), all: () => [], iterate: () => [][Symbol.iterator]() } as unknown as Database.Statement;

/**
 * Kysely prepares every query anew; preparing costs more than running the
 * small queries Kirim makes. The store's SQL strings repeat (values are
 * bound parameters), so prepared statements are kept by SQL text.
 */
function withStatementCache(db: Database.Database) {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      // SQLite rolls a transaction back by itself on some errors (disk full,
      // I/O error); Kysely's ROLLBACK would then fail with "no transaction
      // is active" and hide the error that matters.
      if (sql === 'rollback' && !db.inTransaction) return NO_OP;
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        if (cache.size >= 500) cache.delete(cache.keys().next().value!);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}
