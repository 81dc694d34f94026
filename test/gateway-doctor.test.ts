/**
 * `kirim gateway doctor` as a user runs it: exit codes, one line per
 * problem, and gammu-smsd's real state (running or not).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { gammuSmsdInstalled } from '../src/dev/gammu-smsd.js';
import { KIRIM, tempDir, startDummyGammu, dummyGammuConfig } from './gateway-helpers.js';

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
