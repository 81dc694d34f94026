/**
 * `kirim operators create/list/delete` through the real `kirim` binary on
 * both stores, and the accounts it makes signing in to a real `kirim
 * server`'s dashboard; a deleted operator's session ends at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { DIALECTS } from '../src/server/store/index.js';
import { freshDbUrl } from '../src/server/store/testing.js';
import { initDatabase, KIRIM_BIN, kirim, startServerProcess, tempDir } from './support/process.js';

const createWithStdin = (args: string[], input: string) =>
  spawnSync(process.execPath, [KIRIM_BIN, 'operators', 'create', ...args], { input, encoding: 'utf8', timeout: 60_000 });

for (const dialect of DIALECTS) {
  test(`kirim operators create, list and delete on ${dialect}; the accounts sign in to the dashboard`, async () => {
    const dataDir = tempDir('kirim-ops');
    const { url: db, drop } = await freshDbUrl(dialect, `${dataDir}/kirim.db`);
    await initDatabase(db);
    const srv = await startServerProcess(['--data-dir', dataDir, '--db', db]);
    try {
      const piped = createWithStdin(['siti', '--password-stdin', '--db', db, '--data-dir', dataDir], 'a long enough password\n');
      assert.equal(piped.status, 0, piped.stderr);
      assert.equal(piped.stdout, '', 'a password given on stdin is not printed');
      const gen = kirim(['operators', 'create', 'Budi', '--generate', '--db', db, '--data-dir', dataDir]);
      assert.equal(gen.status, 0, gen.stderr);
      const generated = gen.stdout.trim();
      assert.match(generated, /^[A-Za-z0-9_-]{20}$/);

      const again = kirim(['operators', 'create', 'budi', '--generate', '--db', db, '--data-dir', dataDir]);
      assert.equal(again.status, 1);
      assert.match(again.stderr, /operator budi already exists/);
      const short = createWithStdin(['x', '--password-stdin', '--db', db, '--data-dir', dataDir], 'short\n');
      assert.equal(short.status, 1);
      assert.match(short.stderr, /at least 10 characters/);
      const none = createWithStdin(['y', '--db', db, '--data-dir', dataDir], '');
      assert.equal(none.status, 1);
      assert.match(none.stderr, /no password: pass --password-stdin/);
      assert.equal(kirim(['operators', 'create', 'bad name!', '--generate', '--db', db, '--data-dir', dataDir]).status, 1);

      const list = kirim(['operators', 'list', '--db', db, '--data-dir', dataDir]);
      assert.equal(list.status, 0, list.stderr);
      assert.deepEqual(list.stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['budi', 'siti']);
      const json = JSON.parse(kirim(['operators', 'list', '--json', '--db', db, '--data-dir', dataDir]).stdout);
      assert.deepEqual(Object.keys(json.data[0]).sort(), ['created_at', 'disabled_at', 'username'], 'no hash in the listing');

      const signIn = (username: string, password: string) =>
        fetch(`${srv.url}/dashboard/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url }, body: JSON.stringify({ username, password }) });
      const siti = await signIn('siti', 'a long enough password');
      assert.equal(siti.status, 200);
      const budi = await signIn('budi', generated);
      assert.equal(budi.status, 200);
      const cookie = budi.headers.getSetCookie()[0]!.split(';')[0]!;
      const session = () => fetch(`${srv.url}/dashboard/api/session`, { headers: { cookie } });
      assert.equal((await session()).status, 200);

      const del = kirim(['operators', 'delete', 'budi', '--db', db, '--data-dir', dataDir]);
      assert.equal(del.status, 0, del.stderr);
      assert.equal((await session()).status, 401, 'the deleted operator\'s session ended');
      assert.equal((await signIn('budi', generated)).status, 401);
      const missing = kirim(['operators', 'delete', 'budi', '--db', db, '--data-dir', dataDir]);
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /no operator budi/);
      assert.doesNotMatch(srv.stderr(), new RegExp(generated), 'passwords never reach the log');
    } finally {
      await srv.stop();
      await drop();
    }
  });
}
