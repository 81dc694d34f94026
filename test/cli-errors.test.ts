/**
 * Mistakes a person makes when running `kirim` commands, run as real
 * processes: each ends with one line on stderr that says what to fix, and
 * exit 1 (never `unexpected error`, never exit 2).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshDbUrl, TEST_POSTGRES_URL } from '../src/server/store/testing.js';
import { initDatabase, kirim, KIRIM_BIN, startServerProcess, tempDir } from './support/process.js';

/** Asserts a user error: exit 1, one stderr line matching `pattern`, no "unexpected". */
function assertUserError(r: { status: number | null; stderr: string }, pattern: RegExp, what: string): void {
  assert.equal(r.status, 1, `${what}: exit ${r.status}: ${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line: ${r.stderr}`);
  assert.match(r.stderr, pattern, what);
  assert.doesNotMatch(r.stderr, /unexpected error/, what);
}

describe('bad settings', () => {
  test('KIRIM_LOG_LEVEL=loud names the variable and the valid levels, for the server, admin commands and the gateway', () => {
    const dataDir = tempDir('kirim-loglevel');
    const level = /KIRIM_LOG_LEVEL=loud: expected one of fatal, error, warn, info, debug, trace, silent/;
    assertUserError(kirim(['server', '--port', '0', '--data-dir', dataDir], { KIRIM_LOG_LEVEL: 'loud' }), level, 'server');
    assertUserError(kirim(['keys', 'create', '--name', 'a', '--data-dir', dataDir], { KIRIM_LOG_LEVEL: 'loud' }), level, 'keys create');
    assertUserError(
      kirim(['gateway', '--server', 'http://127.0.0.1:9', '--token', 'kg_x', '--smsdrc', `${dataDir}/smsdrc`], { KIRIM_LOG_LEVEL: 'loud' }),
      level,
      'gateway',
    );
  });

  test('bad KIRIM_* values are named with what is expected, never blamed on the database', () => {
    const dataDir = tempDir('kirim-env');
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ KIRIM_SMTP_URL: 'smtp://[bad' }, /^kirim: KIRIM_SMTP_URL is not a valid URL: expected smtp:\/\/user:pass@host:port/],
      [{ KIRIM_HOST: '999.1.1.1' }, /^kirim: --host 999\.1\.1\.1 \(or KIRIM_HOST\) is not an address or a name of this machine/],
      [{ KIRIM_OTP_DIGITS: '3' }, /^kirim: KIRIM_OTP_DIGITS=3: expected a whole number from 4 to 10/],
      [{ KIRIM_DEFAULT_REGION: 'XX' }, /^kirim: KIRIM_DEFAULT_REGION: XX is not an ISO 3166 country code/],
      [{ KIRIM_SECRET: 'short' }, /^kirim: KIRIM_SECRET must be at least 16 characters/],
      [{ KIRIM_SMS_PROVIDERS: providersFile('unset-secret', { callback_base_url: 'http://127.0.0.1:8080', providers: [{ id: 'kannel', type: 'kannel', url: 'http://127.0.0.1:13013/cgi-bin/sendsms', username: 'kirim', password: { env: 'KANNEL_PW_UNSET' } }] }) }, /^kirim: KIRIM_SMS_PROVIDERS: .*unset-secret\.json: providers\[0\]\.password: the environment variable KANNEL_PW_UNSET is not set$/m],
      [{ KIRIM_SMS_PROVIDERS: providersFile('bad-type', { providers: [{ id: 'x', type: 'smpp' }] }) }, /^kirim: KIRIM_SMS_PROVIDERS: .*bad-type\.json: providers\[0\]\.type: /],
    ];
    for (const [env, pattern] of cases) {
      const r = kirim(['server', '--port', '0', '--data-dir', dataDir], env);
      assertUserError(r, pattern, JSON.stringify(env));
      assert.doesNotMatch(r.stderr, /database/, JSON.stringify(env));
    }
  });
});

/** A providers file (docs/providers.md) named `name`, outside any data dir; returns its path. */
function providersFile(name: string, content: unknown): string {
  const dir = tempDir('kirim-providers');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('typos never create a data dir or a database', () => {
  const noData = (dir: string) => new RegExp(`no Kirim data in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: run \`kirim server\` there first, or pass --data-dir`);

  test('administrative commands refuse a missing data dir, and leave nothing behind', () => {
    const typo = join(tempDir('kirim-typo'), 'typo');
    for (const args of [['gateways', 'create', '--name', 'rumah-pi'], ['gateways', 'list'], ['keys', 'create', '--name', 'app']]) {
      const r = kirim([...args, '--data-dir', typo]);
      assertUserError(r, noData(typo), args.join(' '));
      assert.equal(r.stdout, '', 'no token or key printed');
      assert.ok(!existsSync(typo), `${args.join(' ')} created ${typo}`);
    }
  });

  test('administrative commands refuse a data dir without a database, and create none', () => {
    const empty = tempDir('kirim-empty');
    assertUserError(kirim(['keys', 'create', '--name', 'app', '--data-dir', empty]), noData(empty), 'keys create');
    assert.deepEqual(readdirSync(empty), [], 'nothing created in the data dir');
    const db = join(empty, 'elsewhere.db');
    const r = kirim(['gateways', 'create', '--name', 'x', '--db', `sqlite:${db}`, '--data-dir', empty]);
    assertUserError(r, /no Kirim data in sqlite:.*elsewhere\.db \(no database file .*\): run `kirim server --db sqlite:.*` there first, or pass --db/, 'gateways create --db');
    assert.ok(!existsSync(db));
  });

  test('an empty SQLite file is not Kirim data either', () => {
    const dir = tempDir('kirim-emptyfile');
    writeFileSync(join(dir, 'kirim.db'), '');
    assertUserError(kirim(['gateways', 'list', '--data-dir', dir]), noData(dir), 'gateways list');
  });

  test('kirim server creates the data dir itself, never the folders above it or above a --db file', async () => {
    const base = tempDir('kirim-nested');
    const nested = join(base, 'a', 'b', 'data');
    assertUserError(kirim(['server', '--port', '0', '--data-dir', nested]), /cannot create the data dir .*\/a\/b\/data: .*\/a\/b does not exist; create it first, or pass --data-dir/, 'server nested');
    assert.ok(!existsSync(join(base, 'a')));

    const dataDir = join(base, 'data');
    const r = kirim(['server', '--port', '0', '--data-dir', dataDir, '--db', `sqlite:${join(base, 'nonexistent', 'dir', 'k.db')}`]);
    assertUserError(r, /cannot create the database sqlite:.*\/nonexistent\/dir\/k\.db: folder .*\/nonexistent\/dir does not exist; create it first or fix --db/, 'server --db');
    assert.ok(!existsSync(join(base, 'nonexistent')), 'no folder above the database file');

    // Its own folder, one level down from an existing one, is created; then admin commands find it.
    const srv = await startServerProcess(['--data-dir', dataDir]);
    try {
      assert.ok(existsSync(join(dataDir, 'kirim.db')));
      const k = kirim(['keys', 'create', '--name', 'app', '--data-dir', dataDir]);
      assert.equal(k.status, 0, k.stderr);
    } finally {
      assert.equal(await srv.stop(), 0);
    }
  });

  test('PostgreSQL: a database that does not exist is one clear line, for the server and admin commands', async (t) => {
    const u = new URL(TEST_POSTGRES_URL);
    u.pathname = '/kirim_no_such_database';
    const missing = u.toString();
    for (const args of [['server', '--port', '0'], ['keys', 'create', '--name', 'app']]) {
      const r = kirim([...args, '--db', missing, '--data-dir', tempDir('kirim-pg')]);
      if (/ECONNREFUSED|cannot reach/.test(r.stderr)) return t.skip(`no PostgreSQL at ${TEST_POSTGRES_URL}`);
      assertUserError(r, /database "kirim_no_such_database" does not exist; create it \(createdb\) or fix --db/, args[0]!);
    }
    // A database (schema) that exists but holds no Kirim tables: admin commands refuse it.
    const { url, drop } = await freshDbUrl('postgres');
    try {
      const r = kirim(['gateways', 'create', '--name', 'x', '--db', url, '--data-dir', tempDir('kirim-pg')]);
      assertUserError(r, /no Kirim data in postgres:.*\(it holds no Kirim tables\): run `kirim server --db postgres:.*` there first, or pass --db/, 'gateways create');
    } finally {
      await drop();
    }
  });
});

describe('a data dir kirim cannot use', () => {
  test('PostgreSQL that does not answer is one clear line, for the server and admin commands', async () => {
    const { freePort } = await import('./support/postgres.js');
    const db = `postgres://root@127.0.0.1:${await freePort()}/kirim`;
    const pattern = /cannot reach the database postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/kirim: .*ECONNREFUSED.*; is PostgreSQL running there\?/;
    assertUserError(kirim(['keys', 'create', '--name', 'a', '--db', db, '--data-dir', tempDir('kirim-nopg')]), pattern, 'keys create');
    assertUserError(kirim(['server', '--port', '0', '--db', db, '--data-dir', tempDir('kirim-nopg')]), pattern, 'server');
  });

  test('a data dir that is a file', () => {
    const file = join(tempDir('kirim-file'), 'data');
    writeFileSync(file, 'not a folder');
    assertUserError(kirim(['server', '--port', '0', '--data-dir', file]), /the data dir .*\/data is a file, not a folder: pass --data-dir with a folder/, 'server');
    assertUserError(kirim(['keys', 'create', '--name', 'a', '--data-dir', file]), /the data dir .*\/data is a file, not a folder/, 'keys create');
    assertUserError(kirim(['server', '--port', '0', '--data-dir', join(file, 'sub')]), /a folder on its path is a file|is a file, not a folder/, 'server below a file');
  });

  // Tests run as root, for whom file modes do not stop writes: the command
  // runs as `nobody` instead, over a folder root owns.
  const asNobody = (args: string[]) => {
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, KIRIM_BIN, ...args], { encoding: 'utf8', cwd: '/', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, error: r.error };
  };
  const canSwitchUser = process.getuid?.() === 0 && spawnSync('setpriv', ['--reuid=65534', 'true']).status === 0;

  test('a data dir this user cannot write', { skip: canSwitchUser ? false : 'needs root and setpriv to run as another user' }, async () => {
    const dataDir = tempDir('kirim-ro');
    chmodSync(dataDir, 0o755);
    const r = asNobody(['server', '--port', '0', '--data-dir', dataDir]);
    assertUserError(r, /the data dir .* is not writable by this user \(nobody, uid 65534\): run as its owner \(e.g. sudo -u kirim\), give it to this user with chown, or pass --data-dir/, 'server');
    assertUserError(asNobody(['server', '--port', '0', '--data-dir', join(dataDir, 'sub')]), /cannot create the data dir .*\/sub: this user \(nobody, uid 65534\) may not write in/, 'server sub');

    // A database root made, used by nobody: a write is refused with the fix.
    await initDatabase(`sqlite:${join(dataDir, 'kirim.db')}`);
    chmodSync(join(dataDir, 'kirim.db'), 0o644);
    const k = asNobody(['keys', 'create', '--name', 'app', '--data-dir', dataDir]);
    assertUserError(k, /cannot write the database sqlite:.*kirim\.db: .*; run as the user that owns it \(e.g. sudo -u kirim\)/, 'keys create');
  });
});
