import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMonitorOutput, readModemHealth } from './monitor.js';

test('parses the CSV line of gammu-smsd-monitor 1.42', () => {
  const out = 'gammu-smsd-monitor[1]: Using FILES service\nGammu 1.42.0 on Linux, kernel 6.1;;999999999999999;994299429942994;3;2;1;95;42\n';
  assert.deepEqual(parseMonitorOutput(out), { ok: true, imei: '999999999999999', imsi: '994299429942994', sent: 3, received: 2, failed: 1, battery_percent: 95, signal_percent: 42 });
  assert.equal(parseMonitorOutput('a;b;c;d;e;f;g;0;0')?.ok, false);
  assert.equal(parseMonitorOutput('nothing here'), undefined);
});

test('a hanging or missing monitor never hangs the caller', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-mon-'));
  try {
    const hang = join(dir, 'hang.sh');
    writeFileSync(hang, '#!/bin/sh\nsleep 30\n');
    chmodSync(hang, 0o755);
    const t = Date.now();
    const h = await readModemHealth({ smsdrc: '/nonexistent', command: hang, timeoutMs: 300 });
    assert.equal(h.ok, false);
    assert.match(h.error!, /did not answer/);
    assert.ok(Date.now() - t < 3000);
    const missing = await readModemHealth({ smsdrc: '/nonexistent', command: join(dir, 'nope') });
    assert.match(missing.error!, /not installed/);
    const fail = join(dir, 'fail.sh');
    writeFileSync(fail, '#!/bin/sh\necho "Failed to map shared memory segment!"\nexit 255\n');
    chmodSync(fail, 0o755);
    assert.match((await readModemHealth({ smsdrc: '/x', command: fail })).error!, /not running/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown signal (+CSQ: 99, shown as -1) is unhealthy', () => {
  const h = parseMonitorOutput('Client;PhoneID;IMEI;IMSI;Sent;Received;Failed;Battery;Signal\ngammu;;999;994;0;0;0;95;-1\n');
  assert.equal(h?.ok, false);
  assert.match(h?.error ?? '', /signal/);
});

test('a permission error is not mistaken for a stopped daemon', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-monitor-perm-'));
  const fake = join(dir, 'monitor');
  writeFileSync(fake, '#!/bin/sh\necho "Failed to map shared memory segment!" ; echo "Error 13: Permission denied"\nexit 255\n');
  chmodSync(fake, 0o755);
  try {
    const h = await readModemHealth({ smsdrc: '/nonexistent', command: fake });
    assert.equal(h.ok, false);
    assert.match(h.error ?? '', /permission denied/);
    assert.doesNotMatch(h.error ?? '', /not running/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
