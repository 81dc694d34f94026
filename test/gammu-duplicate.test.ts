/**
 * Two gammu-smsd on one outbox send every message twice: with real daemons,
 * `kirim gateway` refuses to start and `kirim gateway doctor` reports them,
 * naming both; with one daemon left, the gateway starts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { gammuSmsdInstalled } from '../src/dev/gammu-smsd.js';
import { findGammuSmsd, realDir } from '../src/gateway/gammu-processes.js';
import { KIRIM, runAgent, startDummyGammu, tempDir, until } from './gateway-helpers.js';

const skip = !gammuSmsdInstalled() ? 'gammu-smsd is not installed' : process.platform !== 'linux' ? 'reads /proc' : false;

function kirim(args: string[]) {
  return spawnSync(process.execPath, [KIRIM, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, KIRIM_LOG_LEVEL: 'warn' } });
}

test('a second gammu-smsd on the same outbox: the gateway refuses to start and the doctor names both', { skip }, async () => {
  const t = tempDir();
  const first = startDummyGammu(join(t.dir, 'a'));
  // Its own config file and folders, but the first one's outbox.
  const second = startDummyGammu(join(t.dir, 'b'), { outboxpath: first.spool.outbox });
  try {
    const outbox = realDir(first.spool.outbox);
    await until(() => findGammuSmsd().filter((p) => p.outbox === outbox).length === 2, 20_000, 'both daemons to show in /proc');
    const pids = [first.process.pid!, second.process.pid!];

    const gw = kirim(['gateway', '--server', 'http://127.0.0.1:1', '--token', 't', '--smsdrc', first.smsdrc]);
    assert.equal(gw.status, 1, gw.stderr);
    assert.equal(gw.stderr.split('\n').filter(Boolean).length, 1, gw.stderr);
    assert.match(gw.stderr, /^kirim: 2 gammu-smsd processes serve the outbox /);
    for (const pid of pids) assert.match(gw.stderr, new RegExp(`PID ${pid} with `));

    const doc = kirim(['gateway', 'doctor', '--smsdrc', first.smsdrc]);
    assert.equal(doc.status, 1, doc.stdout + doc.stderr);
    const line = doc.stdout.split('\n').find((l) => l.includes('gammu-smsd processes serve the outbox'));
    assert.ok(line, doc.stdout);
    for (const pid of pids) assert.match(line, new RegExp(`PID ${pid} with `));
    assert.match(line, / Fix: Stop all but one/);

    await second.stop();
    const doc1 = kirim(['gateway', 'doctor', '--smsdrc', first.smsdrc]);
    assert.doesNotMatch(doc1.stdout, /processes serve the outbox/);
    const agent = runAgent(['--server', 'http://127.0.0.1:1', '--token', 't', '--smsdrc', first.smsdrc]);
    await until(() => agent.output().includes('gateway started'), 20_000, `the gateway to start beside one daemon: ${agent.output()}`);
    assert.equal(await agent.stop(), 0);
  } finally {
    await second.stop();
    await first.stop();
    t.cleanup();
  }
});
