import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from './errors.js';
import { noKirimData, prepareDataDir, requireDataDir } from './data-dir.js';

const temp = () => mkdtempSync(join(tmpdir(), 'kirim-datadir-'));
const userError = (fn: () => void, pattern: RegExp) => assert.throws(fn, (err: Error) => err instanceof UserError && pattern.test(err.message));

test('prepareDataDir creates the data dir itself and nothing above it, and leaves no trace of its write check', () => {
  const base = temp();
  prepareDataDir(join(base, 'data'));
  assert.ok(statSync(join(base, 'data')).isDirectory());
  assert.deepEqual(readdirSync(join(base, 'data')), []);
  prepareDataDir(join(base, 'data'));
  userError(() => prepareDataDir(join(base, 'x', 'y', 'data')), /cannot create the data dir .*\/x\/y\/data: .*\/x\/y does not exist; create it first, or pass --data-dir/);
  assert.ok(!existsSync(join(base, 'x')));
});

test('a file where the data dir should be is named as such, for running and administrative commands', () => {
  const file = join(temp(), 'data');
  writeFileSync(file, '');
  userError(() => prepareDataDir(file), /is a file, not a folder/);
  userError(() => requireDataDir(file), /is a file, not a folder/);
  userError(() => prepareDataDir(join(file, 'sub')), /a folder on its path is a file/);
});

test('requireDataDir refuses a missing data dir with the one sentence, and creates nothing', () => {
  const missing = join(temp(), 'typo');
  userError(() => requireDataDir(missing), new RegExp(`^no Kirim data in ${missing}: run \`kirim server\` there first, or pass --data-dir$`));
  assert.ok(!existsSync(missing));
  assert.equal(noKirimData('postgres://h/db', '--db', 'kirim server --db postgres://h/db'), 'no Kirim data in postgres://h/db: run `kirim server --db postgres://h/db` there first, or pass --db');
});
