/**
 * A pooled connection that dies while the server holds it (inside a
 * transaction, between two statements: PostgreSQL restarting, a backend
 * terminated, the network dropping) fails that transaction; it must not
 * crash the process with an unhandled 'error' event, and the pool goes on
 * with fresh connections. Seen in the chaos test as `kirim server` dying
 * on every PostgreSQL restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pg from 'pg';
import { TEST_POSTGRES_URL } from '../testing.js';
import { connectPostgres } from './connect.js';

test('a connection terminated while checked out fails its transaction, not the process', async () => {
  const db = connectPostgres(TEST_POSTGRES_URL, { max: 2 });
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  const crashes: unknown[] = [];
  const onUncaught = (err: unknown) => crashes.push(err);
  process.on('uncaughtException', onUncaught);
  try {
    const failed = db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      // The backend goes away while this connection is held but idle: pg
      // reports it as an 'error' event on the client, outside any query.
      await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      await new Promise((r) => setTimeout(r, 300));
      await sql`select 1`.execute(trx);
    });
    await assert.rejects(failed, 'the transaction on the dead connection fails');
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
    assert.equal(rows[0]!.one, 1, 'the pool answers with a fresh connection');
    assert.deepEqual(crashes, []);
  } finally {
    process.off('uncaughtException', onUncaught);
    await admin.end();
    await db.destroy();
  }
});
