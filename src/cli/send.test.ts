/**
 * `kirim send` as a real process against a real `kirim server`: with no
 * --api-key and no KIRIM_API_KEY it uses the key `kirim dev` saved in
 * <data-dir>/dev-credentials.json (./data by default) for a server on this
 * machine, never for another; a flag or the environment wins over the file;
 * no key anywhere, or a broken file, is one line and exit 1.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KIRIM_BIN, kirim, startServerProcess, tempDir, type ServerProcess } from '../../test/support/process.js';

let server: ServerProcess;
let root: string;
let dataDir: string;
let key: string;

before(async () => {
  root = tempDir('kirim-send');
  dataDir = join(root, 'data');
  mkdirSync(dataDir);
  server = await startServerProcess(['--data-dir', dataDir]);
  const k = kirim(['keys', 'create', '--name', 'app', '--data-dir', dataDir]);
  assert.equal(k.status, 0, k.stderr);
  key = k.stdout.trim();
});
after(async () => {
  await server.stop();
});

/** Runs `kirim send` in `cwd` with neither KIRIM_API_KEY nor KIRIM_DATA_DIR set unless given. */
function send(args: string[], { cwd = root, env = {} }: { cwd?: string; env?: Record<string, string> } = {}) {
  const base = { ...process.env };
  delete base.KIRIM_API_KEY;
  delete base.KIRIM_DATA_DIR;
  delete base.KIRIM_SERVER;
  const r = spawnSync(process.execPath, [KIRIM_BIN, 'send', '--server', server.url, '--to', '081234567890', '--text', 'hello', ...args], { cwd, encoding: 'utf8', env: { ...base, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const saveDevCredentials = (dir: string, apiKey: string) =>
  writeFileSync(join(dir, 'dev-credentials.json'), JSON.stringify({ apiKey, gatewayToken: 'gw_unused' }) + '\n', { mode: 0o600 });

test('without a key it uses ./data/dev-credentials.json, or the one in --data-dir / KIRIM_DATA_DIR', () => {
  const none = send([]);
  assert.equal(none.status, 1);
  assert.equal(none.stderr.trim().split('\n').length, 1, none.stderr);
  assert.match(none.stderr, /no API key: pass --api-key or set KIRIM_API_KEY .*run `kirim dev` \(it saves its key in data\/dev-credentials\.json\)/);

  saveDevCredentials(dataDir, key);
  const fromDefault = send([]);
  assert.equal(fromDefault.status, 0, fromDefault.stderr);
  assert.match(fromDefault.stdout, /^msg_\w+\n$/);

  const elsewhere = tempDir('kirim-send-cwd');
  assert.equal(send([], { cwd: elsewhere }).status, 1, 'no ./data there');
  assert.equal(send(['--data-dir', dataDir], { cwd: elsewhere }).status, 0);
  assert.equal(send([], { cwd: elsewhere, env: { KIRIM_DATA_DIR: dataDir } }).status, 0);
});

test('--api-key and KIRIM_API_KEY win over the saved file', () => {
  saveDevCredentials(dataDir, 'kk_not_a_key_of_this_server');
  const stale = send([]);
  assert.equal(stale.status, 1);
  assert.match(stale.stderr, /server refused \(401/);
  assert.equal(send(['--api-key', key]).status, 0);
  assert.equal(send([], { env: { KIRIM_API_KEY: key } }).status, 0);
});

test('the saved development key is never sent to a server on another machine', () => {
  saveDevCredentials(dataDir, key);
  const base = { ...process.env };
  delete base.KIRIM_API_KEY;
  delete base.KIRIM_DATA_DIR;
  const r = spawnSync(process.execPath, [KIRIM_BIN, 'send', '--server', 'http://kirim.example.invalid', '--to', '081234567890', '--text', 'hello'], { cwd: root, encoding: 'utf8', env: base, timeout: 60_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no API key: pass --api-key or set KIRIM_API_KEY \(create one on that server/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('a saved file without a key is named in one line', () => {
  writeFileSync(join(dataDir, 'dev-credentials.json'), '{"gatewayToken":"x"}\n');
  const r = send([]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /dev-credentials\.json holds no apiKey/);
  writeFileSync(join(dataDir, 'dev-credentials.json'), 'not json');
  assert.match(send([]).stderr, /dev-credentials\.json holds no apiKey/);
});
