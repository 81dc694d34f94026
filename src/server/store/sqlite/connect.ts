/** Opens the SQLite database (better-sqlite3, WAL) for the store. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database as Schema } from '../schema.js';

/** Opens (and creates) the SQLite file at `path`; `:memory:` for a throwaway database. */
export function connectSqlite(path: string): Kysely<Schema> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  // WAL lets readers run beside the writer; NORMAL sync is durable across a
  // process crash (what SIGKILL tests) and loses at most the last commits on
  // power loss, the usual trade for a queue on a single machine.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
}
