import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gammuSmsdInstalled, startGammuSmsd } from '../dev/gammu-smsd.js';
import { configKeyBits, gammuDaemonState, parseShmTable } from './daemon.js';

const HEADER = '       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap';
const row = (key: number, cpid: number, nattch: number) => `  ${key}  35  744  928 ${cpid} ${cpid} ${nattch}  0 0 0 0 1796167122 0 1796167122 4096 0`;

test('the shared-memory table is read by its column names', () => {
  assert.deepEqual(parseShmTable(`${HEADER}\n${row(16827110, 22042, 1)}\n${row(-5, 7, 0)}\n`), [
    { key: 16827110, nattch: 1, cpid: 22042 },
    { key: -5, nattch: 0, cpid: 7 },
  ]);
  assert.deepEqual(parseShmTable(''), []);
});

test('attached, left over, missing, or not known', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-daemon-'));
  try {
    const smsdrc = join(dir, 'smsdrc');
    writeFileSync(smsdrc, '[smsd]\n');
    const key = (1 << 24) | (await configKeyBits(smsdrc));
    const table = join(dir, 'shm');
    writeFileSync(table, `${HEADER}\n${row(key, 4242, 1)}\n`);
    assert.deepEqual(await gammuDaemonState(smsdrc, { shmTable: table }), { running: true });
    writeFileSync(table, `${HEADER}\n${row(key, 4242, 0)}\n`);
    const dead = await gammuDaemonState(smsdrc, { shmTable: table });
    assert.equal(dead.running, false);
    assert.match(dead.running === false ? dead.reason : '', /left over from a process that died \(killed or crashed\)/);
    writeFileSync(table, `${HEADER}\n${row(key ^ 1, 4242, 1)}\n`);
    const other = await gammuDaemonState(smsdrc, { shmTable: table });
    assert.match(other.running === false ? other.reason : 'running', /has no shared memory/, 'a segment of another file is not ours');
    assert.deepEqual(await gammuDaemonState(smsdrc, { shmTable: join(dir, 'none') }), { running: undefined });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a real gammu-smsd: running, then SIGKILLed (its segment stays, nobody attached)', { skip: !gammuSmsdInstalled() && 'gammu-smsd is not installed', timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-daemon-real-'));
  const gammu = startGammuSmsd({ dir: join(dir, 'gammu'), modem: { kind: 'dummy' }, smsd: { debuglevel: 0 } });
  try {
    // gammu-smsd creates its segment at start; wait for it.
    for (let i = 0; (await gammuDaemonState(gammu.smsdrc)).running !== true; i++) {
      if (i > 200) assert.fail('gammu-smsd never attached its shared memory');
      await new Promise((r) => setTimeout(r, 50));
    }
    const exited = new Promise((r) => gammu.process.once('exit', r));
    gammu.process.kill('SIGKILL');
    await exited;
    const state = await gammuDaemonState(gammu.smsdrc);
    assert.equal(state.running, false);
    assert.match(state.running === false ? state.reason : '', /left over from a process that died/);
  } finally {
    await gammu.stop();
    await removeLeftoverSegment(gammu.smsdrc);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A killed gammu-smsd leaves its segment in the kernel: the test removes what it left. */
async function removeLeftoverSegment(smsdrc: string): Promise<void> {
  const bits = await configKeyBits(smsdrc);
  for (const s of parseShmTable(readFileSync('/proc/sysvipc/shm', 'utf8'))) {
    if ((s.key & 0xffffff) === bits && s.nattch === 0) spawnSync('ipcrm', ['-M', String(s.key)]);
  }
}
