import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canReadWrite, deviceProblems, holdersOf, pinTroubleInLog, processCredentials } from './doctor-device.js';
import { readSmsdConfig } from './smsdrc.js';

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-device-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = (device: string, connection = 'at115200') => {
    const file = join(dir, 'smsdrc');
    writeFileSync(file, `[gammu]\nconnection = ${connection}\ndevice = ${device}\n[smsd]\nservice = files\n`);
    return { file, config: readSmsdConfig(file) };
  };
  const check = async (device: string, connection?: string, machine = true) => {
    const c = config(device, connection);
    return deviceProblems(c.config, c.file, { machine, gammuInstalled: false });
  };
  return { dir, check };
}

test('device: an inline comment is reported with the bare value as the fix, even without machine checks; proxyat commands are left alone', async (t) => {
  const s = setup(t);
  const [p, ...rest] = await s.check('/dev/ttyUSB0   # the Huawei', 'at115200', false);
  assert.equal(rest.length, 0);
  assert.equal(p!.code, 'device-comment');
  assert.match(p!.fix, /"device = \/dev\/ttyUSB0"/);
  assert.deepEqual(await s.check('/dev/ttyUSB0;x', 'at', false), []);
  assert.deepEqual(await s.check('node sim.js # note', 'proxyat', true), []);
});

test('device: a missing path, a regular file and a folder are each one problem with a fix; a FIFO nobody holds is fine', async (t) => {
  const s = setup(t);
  assert.deepEqual((await s.check(join(s.dir, 'ttyUSB9'))).map((p) => p.code), ['device-missing']);
  writeFileSync(join(s.dir, 'file'), '');
  assert.deepEqual((await s.check(join(s.dir, 'file'))).map((p) => p.code), ['device-type']);
  assert.deepEqual((await s.check(s.dir)).map((p) => p.code), ['device-type']);
  assert.equal(spawnSync('mkfifo', [join(s.dir, 'tty')]).status, 0);
  assert.deepEqual(await s.check(join(s.dir, 'tty')), []);
  // The dummy driver's "device" is a folder: not a port, not checked.
  assert.deepEqual(await s.check(s.dir, 'none'), []);
});

test('device: a process holding the port is named; the finding goes when it ends', async (t) => {
  const s = setup(t);
  const tty = join(s.dir, 'tty');
  assert.equal(spawnSync('mkfifo', [tty]).status, 0);
  // Opening a FIFO read-write does not wait for a peer.
  const holder = spawn('sh', ['-c', `exec 3<>'${tty}'; echo held; exec sleep 600`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const gone = new Promise((r) => holder.once('exit', r));
  t.after(() => holder.kill('SIGKILL'));
  await new Promise((r) => holder.stdout!.once('data', r));
  assert.deepEqual(holdersOf(tty).map((h) => h.pid), [holder.pid]);
  const [p, ...rest] = await s.check(tty);
  assert.equal(rest.length, 0);
  assert.equal(p!.code, 'device-busy');
  assert.match(p!.problem, new RegExp(`held open by PID ${holder.pid} \\(sleep\\)`));
  holder.kill('SIGTERM');
  await gone;
  assert.deepEqual(await s.check(tty), []);
});

test('canReadWrite follows owner, group, supplementary groups and other bits; root may always', () => {
  const file = { mode: 0o660, uid: 100, gid: 20 };
  assert.equal(canReadWrite(file, { uid: 100, gid: 1, groups: [] }), true);
  assert.equal(canReadWrite(file, { uid: 101, gid: 20, groups: [] }), true);
  assert.equal(canReadWrite(file, { uid: 101, gid: 1, groups: [5, 20] }), true);
  assert.equal(canReadWrite(file, { uid: 101, gid: 1, groups: [5] }), false);
  assert.equal(canReadWrite({ ...file, mode: 0o640 }, { uid: 101, gid: 20, groups: [] }), false);
  assert.equal(canReadWrite({ ...file, mode: 0o606 }, { uid: 101, gid: 20, groups: [] }), false, 'group bits rule a group member even when others may');
  assert.equal(canReadWrite({ ...file, mode: 0o000 }, { uid: 0, gid: 0, groups: [] }), true);
  const me = processCredentials(process.pid)!;
  assert.equal(me.uid, process.geteuid!());
  assert.equal(me.gid, process.getegid!());
});

test('pinTroubleInLog: what this daemon last said about the SIM, unless a message went out since; other daemons ignored', (t) => {
  const s = setup(t);
  const log = join(s.dir, 'gammu-smsd.log');
  const line = (pid: number, text: string) => `Wed 2026/12/02 00:21:52 gammu-smsd[${pid}]: ${text}\n`;
  writeFileSync(
    log,
    line(7, 'Warning: No PIN code in /etc/gammu-smsdrc file') +
      line(7, 'Starting phone communication...') +
      line(7, 'Error sending SMS: Security error. Maybe no PIN? (SECURITYERROR[23])') +
      line(8, 'Warning: no code in config when phone might want one!') +
      line(8, 'Starting phone communication...') +
      line(9, 'Warning: no code in config when phone might want one!') +
      line(9, 'Transmitted OUTA20260101_000000_00_+628123_x.txt (total: 1) to +628123, message reference 0x01'),
  );
  assert.equal(pinTroubleInLog(log, 7), 'Error sending SMS: Security error. Maybe no PIN? (SECURITYERROR[23])');
  assert.equal(pinTroubleInLog(log, 8), 'Warning: no code in config when phone might want one!');
  assert.equal(pinTroubleInLog(log, 9), undefined, 'a message went out since');
  assert.equal(pinTroubleInLog(log, 10), undefined);
  assert.equal(pinTroubleInLog(join(s.dir, 'nope'), 7), undefined);
});
