/**
 * One process per folder, as a user meets it: a second `kirim server` or
 * `kirim dev` on a data dir, or a second `kirim gateway` (or the standalone
 * bundle) on a state dir, exits 1 with one line naming the first one's PID;
 * a first one killed with SIGKILL leaves nothing behind that blocks the next.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { gammuSmsdInstalled } from '../src/dev/gammu-smsd.js';
import { KIRIM_BIN, startServerProcess, tempDir, waitFor } from './support/process.js';
import { dummyGammuConfig, runAgent } from './gateway-helpers.js';

const linux = process.platform === 'linux' ? false : 'the folder lock is Linux-only';
const STANDALONE = join(import.meta.dirname, '..', 'src', 'gateway', 'standalone.ts');

function run(args: string[]) {
  return spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, KIRIM_LOG_LEVEL: 'warn' } });
}

test('a second kirim server on a data dir exits 1 naming the first; after a SIGKILL the next one starts', { skip: linux }, async () => {
  const dataDir = tempDir('kirim-lock');
  const first = await startServerProcess(['--data-dir', dataDir]);
  try {
    const second = run([KIRIM_BIN, 'server', '--port', '0', '--data-dir', dataDir]);
    assert.equal(second.status, 1, second.stderr);
    assert.equal(second.stderr, `kirim: data dir ${dataDir} is in use by kirim server (PID ${first.child.pid}); stop it first, or pass another --data-dir\n`);
    // The first one still serves.
    assert.equal((await fetch(`${first.url}/healthz`)).status, 200);
  } finally {
    assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
  }
  const next = await startServerProcess(['--data-dir', dataDir]);
  assert.equal(await next.stop(), 0, next.stderr());
});

test('kirim dev on a data dir a kirim server holds exits 1 naming the server', { skip: linux || (!gammuSmsdInstalled() && 'gammu-smsd is not installed (kirim dev needs it before it looks at the data dir)') }, async () => {
  const dataDir = tempDir('kirim-lock-dev');
  const first = await startServerProcess(['--data-dir', dataDir]);
  try {
    const dev = run([KIRIM_BIN, 'dev', '--port', '0', '--data-dir', dataDir]);
    assert.equal(dev.status, 1, dev.stderr);
    assert.match(dev.stderr, new RegExp(`^kirim: data dir .* is in use by kirim server \\(PID ${first.child.pid}\\); .*\\n$`));
  } finally {
    assert.equal(await first.stop(), 0, first.stderr());
  }
});

test('a second kirim gateway (or kirim-gateway bundle) on a state dir exits 1 naming the first; after a SIGKILL the next one starts', { skip: linux }, async () => {
  const dir = tempDir('kirim-lock-gw');
  const { smsdrc } = dummyGammuConfig(dir);
  const args = ['--server', 'http://127.0.0.1:1', '--token', 't', '--smsdrc', smsdrc];
  const first = runAgent(args);
  try {
    await waitFor(() => first.output().includes('gateway started'), { what: `the first gateway to start: ${first.output()}` });
    const stateDir = join(dir, 'gammu', 'kirim-gateway');
    const second = run([KIRIM_BIN, 'gateway', ...args]);
    assert.equal(second.status, 1, second.stderr);
    assert.equal(second.stderr, `kirim: state dir ${stateDir} is in use by kirim gateway (PID ${first.child.pid}); stop it first (e.g. systemctl stop kirim-gateway), or pass another --state-dir\n`);
    const bundle = run(['--import', 'tsx', STANDALONE, ...args]);
    assert.equal(bundle.status, 1, bundle.stderr);
    assert.equal(bundle.stderr, `kirim-gateway: state dir ${stateDir} is in use by kirim gateway (PID ${first.child.pid}); stop it first (e.g. systemctl stop kirim-gateway), or pass another --state-dir\n`);
    // Another state dir on the same gammu-smsd outbox is refused too.
    const sameOutbox = run([KIRIM_BIN, 'gateway', ...args, '--state-dir', join(dir, 'other-state')]);
    assert.equal(sameOutbox.status, 1, sameOutbox.stderr);
    assert.match(sameOutbox.stderr, new RegExp(`^kirim: outbox .* is in use by kirim gateway \\(PID ${first.child.pid}\\), with another state dir; one gateway per gammu-smsd: stop that one first\n$`));
    // Another gammu-smsd config (its own outbox and state dir): allowed.
    const otherConfig = dummyGammuConfig(join(dir, 'other')).smsdrc;
    const other = runAgent(['--server', 'http://127.0.0.1:1', '--token', 't', '--smsdrc', otherConfig]);
    await waitFor(() => other.output().includes('gateway started'), { what: `a gateway on another config to start: ${other.output()}` });
    assert.equal(await other.stop(), 0);
  } finally {
    await first.stop('SIGKILL');
  }
  const next = runAgent(args);
  await waitFor(() => next.output().includes('gateway started'), { what: `the next gateway to start: ${next.output()}` });
  assert.equal(await next.stop(), 0, next.output());
});
