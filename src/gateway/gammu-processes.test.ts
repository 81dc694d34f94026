import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromArgs, daemonsServing, DEFAULT_SMSDRC, findGammuSmsd } from './gammu-processes.js';

test('configFromArgs: every way gammu-smsd takes its config, and its default', () => {
  assert.equal(configFromArgs([]), DEFAULT_SMSDRC);
  assert.equal(configFromArgs(['--daemon', '--pid=/run/gammu-smsd.pid']), DEFAULT_SMSDRC);
  assert.equal(configFromArgs(['-c', '/a']), '/a');
  assert.equal(configFromArgs(['-c/b', '-d']), '/b');
  assert.equal(configFromArgs(['--config', '/c']), '/c');
  assert.equal(configFromArgs(['--config=/d']), '/d');
});

test('findGammuSmsd reads a /proc-shaped tree: argv[0] by base name, relative paths from the daemon cwd, unreadable configs listed', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'kirim-proc-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const proc = join(root, 'proc');
  const work = join(root, 'work');
  mkdirSync(join(work, 'outbox'), { recursive: true });
  writeFileSync(join(work, 'smsdrc'), '[smsd]\nservice = files\noutboxpath = outbox/\n');
  const fake = (pid: number, argv: string[], cwd?: string) => {
    mkdirSync(join(proc, String(pid)), { recursive: true });
    writeFileSync(join(proc, String(pid), 'cmdline'), argv.join('\0') + '\0');
    if (cwd) symlinkSync(cwd, join(proc, String(pid), 'cwd'));
  };
  fake(10, ['/usr/bin/gammu-smsd', '-c', 'smsdrc'], work);
  fake(11, ['gammu-smsd', `--config=${join(work, 'smsdrc')}`]);
  fake(12, ['gammu-smsd', '-c', join(root, 'missing')]);
  fake(13, ['/usr/bin/node', 'gammu-smsd']);
  mkdirSync(join(proc, 'self'));
  const found = findGammuSmsd(proc);
  assert.deepEqual(found.map((p) => p.pid), [10, 11, 12]);
  assert.equal(found[0]!.outbox, join(work, 'outbox'));
  // Without a readable cwd a relative outbox resolves from "/", so it is another folder.
  assert.equal(found[1]!.outbox, '/outbox');
  assert.match(found[2]!.error!, /cannot read gammu-smsd config/);
  assert.deepEqual(daemonsServing(join(work, 'outbox') + '/', proc).map((p) => p.pid), [10]);
});
