/**
 * The ceiling for bench/api-ceiling.ts: a bare Fastify server whose one
 * route does one insert and one select (the least a request that stores
 * something and answers with it can do), on better-sqlite3 (WAL,
 * synchronous = NORMAL, as Kirim's store) or on pg (a pool of 10, as
 * Kirim's). Run as its own process, like `kirim server`:
 *
 *   node --import tsx bench/support/bare-server.ts sqlite:/tmp/x.db
 *   node --import tsx bench/support/bare-server.ts 'postgres://...'
 *
 * Prints `listening on http://...` on stderr.
 */
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';
import { randomUUID } from 'node:crypto';

const target = process.argv[2] ?? 'sqlite::memory:';
const app = Fastify({ logger: false });

interface Row {
  id: string;
  to: string;
  code_hash: string;
  created_at: number;
}

type Op = (row: Row) => Promise<Row | undefined>;
let op: Op;
const ddl = 'create table if not exists bare_rows (id text primary key, "to" text not null, code_hash text not null, created_at bigint not null)';
if (target.startsWith('sqlite:')) {
  const db = new Database(target.slice('sqlite:'.length));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(ddl);
  const insert = db.prepare('insert into bare_rows (id, "to", code_hash, created_at) values (?, ?, ?, ?)');
  const select = db.prepare('select * from bare_rows where id = ?');
  op = async (r) => {
    insert.run(r.id, r.to, r.code_hash, r.created_at);
    return select.get(r.id) as Row | undefined;
  };
} else {
  pg.types.setTypeParser(20, (v) => Number(v));
  const pool = new pg.Pool({ connectionString: target, max: 10 });
  await pool.query(ddl);
  op = async (r) => {
    await pool.query('insert into bare_rows (id, "to", code_hash, created_at) values ($1, $2, $3, $4)', [r.id, r.to, r.code_hash, r.created_at]);
    return (await pool.query<Row>('select * from bare_rows where id = $1', [r.id])).rows[0];
  };
}

app.post<{ Body: { to: string } }>('/rows', async (req, reply) => {
  const row = await op({ id: randomUUID(), to: String(req.body.to), code_hash: 'x'.repeat(64), created_at: Date.now() });
  reply.code(201);
  return row;
});

const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stderr.write(`listening on ${url}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
