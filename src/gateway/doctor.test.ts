import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runDoctor } from './doctor.js';

/** The doctor's finding codes for `file`, found by an unprivileged user (nobody) in a child process. */
function codesAsNobody(file: string): string[] {
  const doctor = resolve(import.meta.dirname, 'doctor.ts');
  const code = `const { runDoctor } = await import(${JSON.stringify(doctor)}); const p = await runDoctor(${JSON.stringify(file)}, { skipProcessChecks: true }); console.log(JSON.stringify(p.map((x) => x.code)));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: resolve(import.meta.dirname, '../..'),
    uid: 65534,
    gid: 65534,
    env: { ...process.env, HOME: tmpdir() },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-doctor-'));
  for (const d of ['inbox', 'outbox', 'sent', 'error']) mkdirSync(join(dir, d));
  const good: Record<string, string> = {
    service: 'files',
    inboxpath: `${dir}/inbox/`,
    outboxpath: `${dir}/outbox/`,
    sentsmspath: `${dir}/sent/`,
    errorsmspath: `${dir}/error/`,
    transmitformat: 'auto',
    inboxformat: 'standard',
    commtimeout: '1',
    loopsleep: '1',
    logfile: `${dir}/smsd.log`,
    debuglevel: '0',
  };
  const write = (over: Record<string, string | null> = {}, extra = '') => {
    const all = { ...good, ...over };
    const lines = Object.entries(all)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k} = ${v}`);
    const file = join(dir, 'smsdrc');
    writeFileSync(file, `[gammu]\nconnection = at\ndevice = /dev/ttyUSB0\n[smsd]\n${lines.join('\n')}\n${extra}`);
    return file;
  };
  return { dir, write, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const codes = async (file: string) => (await runDoctor(file, { skipProcessChecks: true })).map((p) => p.code);

test('a good config has no problems', async () => {
  const s = setup();
  try {
    assert.deepEqual(await runDoctor(s.write(), { skipProcessChecks: true }), []);
  } finally {
    s.done();
  }
});

test('each problem is found, one finding per problem, each with a fix', async () => {
  const s = setup();
  try {
    assert.deepEqual(await codes(s.write({ service: 'sql' })), ['service']);
    assert.deepEqual(await codes(s.write({ transmitformat: null })), ['transmitformat']);
    assert.deepEqual(await codes(s.write({ transmitformat: '7bit' })), ['transmitformat']);
    assert.deepEqual(await codes(s.write({ inboxformat: 'unicode' })), ['inboxformat']);
    assert.deepEqual(await codes(s.write({ commtimeout: null })), ['commtimeout']);
    assert.deepEqual(await codes(s.write({ commtimeout: '10' })), ['commtimeout']);
    assert.deepEqual(await codes(s.write({ loopsleep: '0' })), ['loopsleep']);
    assert.deepEqual(await codes(s.write({ outboxpath: `${s.dir}/outbox` })), ['outboxpath-slash']);
    assert.deepEqual(await codes(s.write({ sentsmspath: `${s.dir}/nope/` })), ['sentsmspath-missing']);
    assert.deepEqual(await codes(s.write({ inboxpath: null })), ['inboxpath']);
    assert.deepEqual(await codes(s.write({ errorsmspath: `${s.dir}/error/ # errors` })), ['errorsmspath-comment']);
    assert.deepEqual(await codes(s.write({ sentsmspath: `${s.dir}/outbox/` })), ['same-folder']);
    assert.deepEqual(await codes(s.write({ runonreceive: '/usr/local/bin/on-sms' })), ['runonreceive']);
    assert.deepEqual(await codes(s.write({ runonreceive: '/usr/local/bin/on-sms #' })), []);
    assert.deepEqual(await codes(s.write({ runonsent: '/bin/echo', runonfailure: '/bin/true' })), ['runonsent', 'runonfailure']);
    assert.deepEqual(await codes(s.write({ logfile: null })), ['logfile']);
    assert.deepEqual(await codes(s.write({ logfile: 'syslog' })), ['logfile']);
    assert.deepEqual(await codes(s.write({ debuglevel: '1' })), ['debuglevel']);
    assert.deepEqual(await codes(s.write({ deliveryreport: 'yes' })), ['deliveryreport']);
    writeFileSync(join(s.dir, 'outbox', 'OUT' + '1'.repeat(100) + '.txt'), 'x');
    assert.deepEqual(await codes(s.write()), ['long-name']);
    rmSync(join(s.dir, 'outbox', 'OUT' + '1'.repeat(100) + '.txt'));
    const findings = await runDoctor(s.write({ service: 'sql', loopsleep: '0' }), { skipProcessChecks: true });
    assert.equal(findings.length, 2);
    for (const f of findings) {
      assert.ok(f.problem.length > 10 && f.fix.length > 5);
      assert.ok(!f.problem.includes('\n') && !f.fix.includes('\n'));
    }
  } finally {
    s.done();
  }
});

test('a spool folder the gateway\'s user cannot write is reported, with its fix', async () => {
  const s = setup();
  try {
    // Root may write anywhere, so as root the doctor runs as nobody.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) for (const d of ['', 'inbox', 'outbox', 'sent', 'error']) chmodSync(join(s.dir, d), 0o777);
    const file = s.write();
    const found = asRoot ? codesAsNobody : codes;
    assert.deepEqual(await found(file), [], 'every folder is usable to start with');
    chmodSync(join(s.dir, 'error'), 0o555); // readable, not writable
    assert.deepEqual(await found(file), ['errorsmspath-access']);
    chmodSync(join(s.dir, 'error'), asRoot ? 0o777 : 0o755);
    assert.deepEqual(await found(file), []);
  } finally {
    s.done();
  }
});

test('unreadable config and gammu-smsd not installed or not running', async () => {
  const s = setup();
  try {
    assert.deepEqual((await runDoctor(join(s.dir, 'missing'))).map((p) => p.code), ['config']);
    const file = s.write();
    // The port /dev/ttyUSB0 of this config is not on this machine: its checks are doctor-device's tests.
    assert.deepEqual((await runDoctor(file, { which: () => false, checkDevice: false })).map((p) => p.code), ['not-installed']);
    const fake = join(s.dir, 'monitor.sh');
    writeFileSync(fake, '#!/bin/sh\necho "Failed to map shared memory segment!"\nexit 255\n');
    chmodSync(fake, 0o755);
    assert.deepEqual((await runDoctor(file, { which: () => true, monitorCommand: fake, checkDevice: false })).map((p) => p.code), ['not-running']);
  } finally {
    s.done();
  }
});
