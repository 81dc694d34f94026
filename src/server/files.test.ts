/**
 * File modes with the most permissive umask (0): a fresh data dir is 0700,
 * the SQLite database, its -wal and -shm 0600, development-mailbox .eml
 * files 0600; files left 0644 by an older version are fixed on start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../protocol/log.js';
import { loadConfig } from './config.js';
import { createApiKey } from './credentials.js';
import { startServer } from './server.js';
import { tempDir, waitFor } from '../../test/support/process.js';

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

async function start(dataDir: string) {
  const config = loadConfig({ dataDir, port: 0 }, { KIRIM_SECRET: 'test-secret-0123456789abcdef', KIRIM_LOG_LEVEL: 'silent' });
  return startServer(config, { logger: createLogger({ level: 'silent' }) });
}

test('with umask 0, a fresh data dir is 0700 and the database, its -wal and -shm, and mailbox files are 0600', async () => {
  const old = process.umask(0);
  try {
    const dataDir = join(tempDir('kirim-modes'), 'data');
    const server = await start(dataDir);
    try {
      const { key } = await createApiKey(server.store, 'modes');
      const res = await fetch(`${server.url}/v1/verifications`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ to: 'modes@example.com', channel: 'email' }),
      });
      assert.equal(res.status, 201, await res.text());
      const mailbox = join(dataDir, 'mailbox');
      await waitFor(() => existsSync(mailbox) && readdirSync(mailbox).some((f) => f.endsWith('.eml')), { what: 'the email in the mailbox' });
      assert.equal(mode(dataDir), '0700', 'data dir');
      assert.equal(mode(mailbox), '0700', 'mailbox folder');
      for (const f of readdirSync(mailbox)) assert.equal(mode(join(mailbox, f)), '0600', f);
      const db = join(dataDir, 'kirim.db');
      for (const f of [db, `${db}-wal`, `${db}-shm`]) {
        assert.ok(existsSync(f), `${f} exists`);
        assert.equal(mode(f), '0600', f);
      }
      assert.equal(mode(join(dataDir, 'secret')), '0600', 'the secret generated into the data dir');
    } finally {
      await server.close();
    }
  } finally {
    process.umask(old);
  }
});

test('files an older version left readable by others are made private on start', async () => {
  const dataDir = tempDir('kirim-modes-old');
  chmodSync(dataDir, 0o755);
  const mailbox = join(dataDir, 'mailbox');
  mkdirSync(mailbox, { mode: 0o755 });
  chmodSync(mailbox, 0o755);
  const eml = join(mailbox, '2026-01-01T00-00-00.000Z-msg_old.eml');
  writeFileSync(eml, 'Subject: code 123456\r\n\r\n123456\r\n');
  chmodSync(eml, 0o644);
  const db = join(dataDir, 'kirim.db');
  writeFileSync(db, '');
  chmodSync(db, 0o644);
  const server = await start(dataDir);
  try {
    assert.equal(mode(dataDir), '0700');
    assert.equal(mode(mailbox), '0700');
    assert.equal(mode(eml), '0600');
    assert.equal(mode(db), '0600');
  } finally {
    await server.close();
  }
});
