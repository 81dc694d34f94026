/**
 * Migrations when several instances start together: two `kirim server`
 * processes started at the same moment on an empty PostgreSQL schema both
 * come up, and every migration ran once (Kysely's Migrator holds a
 * PostgreSQL advisory lock while migrating; see migrations/index.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../src/server/store/index.js';
import { migrationNames } from '../src/server/store/migrations/index.js';
import { freshDbUrl } from '../src/server/store/testing.js';
import { startServerProcess, tempDir } from './support/process.js';

test('two kirim server processes started at once on an empty PostgreSQL schema both come up, the schema migrated once', async () => {
  const fresh = await freshDbUrl('postgres');
  const env = { KIRIM_SECRET: 'shared-secret-0123456789abcdef' };
  const started = await Promise.allSettled([0, 1].map(() => startServerProcess(['--db', fresh.url, '--data-dir', tempDir('kirim-migrate')], env)));
  try {
    for (const s of started) assert.equal(s.status, 'fulfilled', s.status === 'rejected' ? String(s.reason) : '');
    for (const s of started) if (s.status === 'fulfilled') assert.equal((await fetch(`${s.value.url}/readyz`)).status, 200);
    const store = await openStore(fresh.url, { migrate: false });
    try {
      const ran = (await store.db.selectFrom('kirim_migrations' as never).select('name' as never).execute()) as Array<{ name: string }>;
      assert.deepEqual(ran.map((r) => r.name).sort(), migrationNames('postgres').sort(), 'each migration recorded once');
    } finally {
      await store.close();
    }
  } finally {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    await fresh.drop();
  }
});
