import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createServer } from 'node:net';
import { storeUnavailableReason } from './types.js';

test('SQLite: a database locked by another process is an outage, not a bug', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'kirim-lock-')), 'k.db');
  const a = new Database(path);
  a.exec('create table t (x integer)');
  a.exec('begin exclusive');
  const b = new Database(path, { timeout: 10 });
  try {
    assert.throws(() => b.exec('insert into t values (1)'), (err) => storeUnavailableReason(err) === 'the database is locked by another process');
  } finally {
    a.exec('rollback');
    a.close();
    b.close();
  }
});

test('SQLite: a read-only database is an outage with its reason', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'kirim-ro-')), 'k.db');
  new Database(path).exec('create table t (x integer)');
  const ro = new Database(path, { readonly: true });
  try {
    assert.throws(() => ro.exec('insert into t values (1)'), (err) => storeUnavailableReason(err) === 'the database is read-only');
  } finally {
    ro.close();
  }
});

test('PostgreSQL: a refused connection and a server that closes the connection are outages', async () => {
  // A port nobody listens on: take one, then free it.
  const port = await new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
  const refused = new pg.Client({ connectionString: `postgres://x@127.0.0.1:${port}/x` });
  await assert.rejects(refused.connect(), (err) => storeUnavailableReason(err) === 'the database does not answer');

  // A server that accepts and hangs up at once.
  const rude = createServer((sock) => sock.destroy());
  await new Promise<void>((ok) => rude.listen(0, '127.0.0.1', ok));
  const cut = new pg.Client({ connectionString: `postgres://x@127.0.0.1:${(rude.address() as { port: number }).port}/x` });
  await assert.rejects(cut.connect(), (err) => storeUnavailableReason(err) === 'the database does not answer');
  rude.close();
});

test('errors of the request itself are not outages', () => {
  assert.equal(storeUnavailableReason(Object.assign(new Error('duplicate key'), { code: '23505' })), undefined);
  assert.equal(storeUnavailableReason(Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' })), undefined);
  assert.equal(storeUnavailableReason(new TypeError('x is undefined')), undefined);
  assert.equal(storeUnavailableReason(undefined), undefined);
});
