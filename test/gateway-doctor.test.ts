/**
 * `kirim gateway doctor` as a user runs it: exit codes, one line per
 * problem, and gammu-smsd's real state (running or not).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gammuSmsdInstalled, startGammuSmsd, writeGammuConfig } from '../src/dev/gammu-smsd.js';
import { KIRIM, tempDir, startDummyGammu, dummyGammuConfig, until } from './gateway-helpers.js';

function doctor(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [KIRIM, 'gateway', 'doctor', ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const skip = !gammuSmsdInstalled() && 'gammu-smsd is not installed';

test('doctor: exit 0 for a good config with gammu-smsd running', { skip }, async () => {
  const t = tempDir();
  const g = startDummyGammu(t.dir);
  try {
    // Running once its shared memory answers gammu-smsd-monitor (what the doctor asks too).
    const deadline = Date.now() + 30_000;
    while (spawnSync('gammu-smsd-monitor', ['-c', g.smsdrc, '-C', '-n', '1', '-d', '0'], { stdio: 'ignore', timeout: 10_000 }).status !== 0) {
      assert.ok(Date.now() < deadline, 'gammu-smsd came up within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await doctor(['--smsdrc', g.smsdrc]);
    assert.equal(res.code, 0, `signal ${res.signal}: ${res.stdout}${res.stderr}`);
    assert.match(res.stdout, /no problems found/);
  } finally {
    await g.stop();
    t.cleanup();
  }
});

test('doctor: exit 1, one line per problem with its fix (config via KIRIM_SMSDRC)', { skip }, async () => {
  const t = tempDir();
  try {
    const { smsdrc } = dummyGammuConfig(t.dir, { transmitformat: '7bit', loopsleep: 0, commtimeout: 30, runonreceive: '/usr/bin/handle-sms' });
    // gammu-smsd is not running with this config.
    const res = await doctor([], { KIRIM_SMSDRC: smsdrc });
    assert.equal(res.code, 1);
    const lines = res.stdout.trim().split('\n');
    assert.equal(lines.length, 5, res.stdout);
    for (const l of lines) assert.match(l, / Fix: /);
    for (const word of ['transmitformat', 'loopsleep', 'commtimeout', 'runonreceive', 'not running']) {
      assert.equal(lines.filter((l) => l.includes(word)).length >= 1, true, word);
    }
    // The config file is untouched.
    assert.match(readFileSync(smsdrc, 'utf8'), /transmitformat = 7bit/);
  } finally {
    t.cleanup();
  }
});

test('doctor: unreadable config is one line, exit 1; missing flag is a usage error', async () => {
  const t = tempDir();
  try {
    const res = await doctor(['--smsdrc', `${t.dir}/nope`], { KIRIM_SMSDRC: '' });
    assert.equal(res.code, 1);
    assert.equal(res.stdout.trim().split('\n').length, 1);
    assert.match(res.stdout, /cannot read gammu-smsd config/);
    writeFileSync(`${t.dir}/empty`, '');
    const none = await doctor([], { KIRIM_SMSDRC: '' });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /--smsdrc/);
    assert.equal(none.stderr.trim().split('\n').length, 1);
  } finally {
    t.cleanup();
  }
});

const root = process.getuid?.() === 0 ? false : 'starting gammu-smsd as another user (-U nobody) needs root';

test('doctor: the modem port is not readable and writable by the user gammu-smsd runs as', { skip: skip || root }, async () => {
  const t = tempDir();
  // gammu-smsd drops to nobody: every folder it uses must be open to it.
  chmodSync(t.dir, 0o755);
  const gammuDir = join(t.dir, 'gammu');
  const { smsdrc } = dummyGammuConfig(t.dir);
  const tty = join(t.dir, 'tty');
  assert.equal(spawnSync('mkfifo', ['-m', '0600', tty]).status, 0);
  const text = readFileSync(smsdrc, 'utf8').replace(/^connection = .*$/m, 'connection = at').replace(/^device = .*$/m, `device = ${tty}`).replace(/^model = .*$/m, 'model = at');
  writeFileSync(smsdrc, text);
  for (const d of ['', 'inbox', 'outbox', 'sent', 'error']) chmodSync(join(gammuDir, d), 0o777);
  const daemon = spawn('gammu-smsd', ['-c', smsdrc, '-U', 'nobody', '-G', 'nogroup'], { stdio: 'ignore' });
  const exited = new Promise((r) => daemon.once('exit', r));
  try {
    // It keeps retrying the port it cannot open.
    await until(() => {
      try {
        return /DEVICENOPERMISSION/.test(readFileSync(join(gammuDir, 'gammu-smsd.log'), 'utf8'));
      } catch {
        return false;
      }
    }, 20_000, 'gammu-smsd to fail opening the port');
    const res = await doctor(['--smsdrc', smsdrc]);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    const line = res.stdout.split('\n').find((l) => l.includes(`device ${tty}`));
    assert.ok(line, res.stdout);
    assert.match(line, new RegExp(`mode 0600, owner root:root\\) is not readable and writable by nobody, whom gammu-smsd \\(PID ${daemon.pid}\\) runs as\\. Fix: `));
    chmodSync(tty, 0o666);
    const fixed = await doctor(['--smsdrc', smsdrc]);
    assert.doesNotMatch(fixed.stdout, /device/, fixed.stdout);
  } finally {
    daemon.kill('SIGKILL');
    await exited;
    t.cleanup();
  }
});

test('doctor: the SIM PIN state, through real gammu from modem-sim while no gammu-smsd holds it, from the daemon log while one does', { skip }, async () => {
  const t = tempDir();
  try {
    const config = (pin: string | undefined, smsd: Record<string, string | number> = {}) =>
      writeGammuConfig({
        dir: join(t.dir, 'gammu'),
        modem: { kind: 'modem-sim', command: `${process.execPath} ${KIRIM} modem-sim --state ${join(t.dir, 'sim')}${pin ? ` --pin ${pin}` : ''}` },
        smsd: { debuglevel: 0, ...smsd },
      }).smsdrc;
    const simLines = async (smsdrc: string) => (await doctor(['--smsdrc', smsdrc])).stdout.split('\n').filter((l) => /SIM|PIN/.test(l));

    const locked = await simLines(config('1234'));
    assert.equal(locked.length, 1, locked.join('\n'));
    assert.match(locked[0]!, /^The SIM waits for its PIN and \[smsd\] pin is not set, so gammu-smsd cannot send\. Fix: .*entersecuritycode PIN/);
    // The pin is set, but checksecurity = 0 (Kirim's recommended value) never enters it.
    const unchecked = await simLines(config('1234', { pin: '1234', checksecurity: 0 }));
    assert.equal(unchecked.length, 1, unchecked.join('\n'));
    assert.match(unchecked[0]!, /checksecurity = 0 keeps gammu-smsd from entering \[smsd\] pin\. Fix: Set "checksecurity = 1"/);
    assert.deepEqual(await simLines(config('1234', { pin: '1234', checksecurity: 1 })), []);
    assert.deepEqual(await simLines(config(undefined)), []);

    // A running gammu-smsd holds the modem: the doctor reads what it logged instead.
    const g = startGammuSmsd({
      dir: join(t.dir, 'running'),
      modem: { kind: 'modem-sim', command: `${process.execPath} ${KIRIM} modem-sim --state ${join(t.dir, 'sim2')} --pin 1234` },
      smsd: { debuglevel: 0, checksecurity: 1 },
    });
    try {
      await until(() => {
        try {
          return readFileSync(g.logfile, 'utf8').includes('no code in config when phone might want one');
        } catch {
          return false;
        }
      }, 30_000, 'gammu-smsd to log that the SIM wants a code');
      const running = await simLines(g.smsdrc);
      assert.equal(running.length, 1, running.join('\n'));
      assert.match(running[0]!, new RegExp(`^gammu-smsd \\(PID ${g.process.pid}\\) cannot use the SIM; its log says: "Warning: no code in config when phone might want one!"\\. Fix: The SIM wants its PIN`));
    } finally {
      await g.stop();
    }
  } finally {
    t.cleanup();
  }
});
