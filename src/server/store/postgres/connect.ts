/** Opens a PostgreSQL pool (pg) for the store. */
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database as Schema } from '../schema.js';

// Times are stored as bigint epoch milliseconds; pg returns int8 as a string
// by default. They stay far below 2^53, so numbers are exact.
pg.types.setTypeParser(20, (v) => Number(v));

/** Opens a pool for `url` (postgres://...). */
export function connectPostgres(url: string, { max = 10 }: { max?: number } = {}): Kysely<Schema> {
  // A connection attempt that hangs (a dropped network, a server that
  // accepts but never answers) must fail like a refused one, so requests
  // answer 503 and the background loops back off instead of waiting forever.
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  // Nor one that is checked out: pg-pool takes its own listener off a client
  // while it is lent, and pg emits 'error' on a client whose connection dies
  // (PostgreSQL restarting, the backend terminated) even between statements
  // of a transaction. The statement in flight, or the next one, fails with
  // the error, and the pool discards the client when it comes back.
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
}
