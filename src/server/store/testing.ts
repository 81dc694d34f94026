/**
 * Throwaway stores for tests: an in-memory SQLite database, or a fresh
 * PostgreSQL schema in the `test` database (KIRIM_TEST_POSTGRES overrides
 * the URL) that is dropped on close.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { newId } from '../ids.js';
import { openStore } from './index.js';
import type { Dialect, MessageRow, Store } from './types.js';

export const TEST_POSTGRES_URL = process.env.KIRIM_TEST_POSTGRES ?? 'postgres://root@127.0.0.1:5432/test';

/** A `--db` URL for a fresh, empty database of the dialect, and a function that removes it. */
export async function freshDbUrl(dialect: Dialect, sqlitePath?: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (dialect === 'sqlite') return { url: `sqlite:${sqlitePath ?? ':memory:'}`, drop: async () => {} };
  const schema = `kirim_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const sep = TEST_POSTGRES_URL.includes('?') ? '&' : '?';
  const url = `${TEST_POSTGRES_URL}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    url,
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

/** Opens a migrated store on a fresh database; `close()` also drops it. */
export async function openTestStore(dialect: Dialect): Promise<Store> {
  const { url, drop } = await freshDbUrl(dialect);
  const store = await openStore(url);
  const close = store.close;
  return Object.assign(store, {
    close: async () => {
      await close();
      await drop();
    },
  });
}

/** A queued SMS row for store tests; `over` replaces any column. */
export function messageRow(over: Partial<MessageRow> = {}): MessageRow {
  const now = over.created_at ?? Date.now();
  return {
    id: newId('msg', now),
    api_key_id: 'key_a',
    verification_id: null,
    channel: 'sms',
    to: '+6281234567890',
    text: 'hello',
    text_enc: null,
    subject: null,
    priority: 'normal',
    priority_rank: 1,
    status: 'queued',
    created_at: now,
    updated_at: now,
    expires_at: now + 600_000,
    segments: 1,
    encoding: 'gsm7',
    gateway_id: null,
    lease_until: null,
    claimed_at: null,
    route: null,
    attempts: 0,
    next_attempt_at: now,
    last_error: null,
    ...over,
  };
}
