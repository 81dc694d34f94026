/**
 * Helpers for the integration endpoints' tests: lease what the gateway
 * would get, and read every table to prove a code is nowhere in clear.
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Dialect } from '../store/index.js';
import type { TestServer } from '../testing.js';

/** Leases every waiting SMS through the gateway API, as a gateway agent does, and returns them. */
export async function leaseAll(s: TestServer) {
  const r = await s.gw('/lease', { max: 100, wait_ms: 0 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.messages as Array<{ id: string; to: string; text: string; expires_at: string; priority: string }>;
}

/** The code as a number of its own (digits on either side would make it part of another number, e.g. a timestamp). */
export const inClear = (code: string) => new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`);

/** The tables whose rows hold `pattern`, reading every row of every table as text. */
export async function tablesHolding(s: TestServer, dialect: Dialect, pattern: RegExp): Promise<string[]> {
  const names =
    dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(s.store.db)).rows.map((r) => r.name)
      : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(s.store.db)).rows.map((r) => r.name);
  const found: string[] = [];
  for (const name of names) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(s.store.db)).rows;
    const text = JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    if (pattern.test(text)) found.push(name);
  }
  return found;
}

/** `Authorization: Basic` with `user` and `password`. */
export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
