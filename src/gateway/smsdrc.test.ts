import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIni, iniGet, parseSmsdConfig, readSmsdConfig, spoolDirs, defaultStateDir, SmsdConfigError } from './smsdrc.js';

test('parseIni follows gammu: comments only at line start, case-insensitive, last key in a section wins', () => {
  const ini = parseIni(
    [
      'stray = before any section',
      '# comment',
      '  ; indented comment',
      '[SMSD]',
      'OutboxPath = /a/',
      'outboxpath = /b/   ',
      'RunOnReceive = /bin/handler #',
      'empty =',
      'noequals',
      '[smsd]',
      'outboxpath = /c/',
      'inboxpath = /in/',
    ].join('\r\n'),
  );
  assert.equal(ini.length, 2);
  assert.equal(iniGet(ini, 'smsd', 'OUTBOXPATH')?.value, '/b/');
  assert.equal(iniGet(ini, 'smsd', 'runonreceive')?.value, '/bin/handler #');
  assert.equal(iniGet(ini, 'smsd', 'empty'), undefined);
  // The second [smsd] is only consulted for keys the first lacks.
  assert.equal(iniGet(ini, 'smsd', 'inboxpath')?.value, '/in/');
  assert.equal(iniGet(ini, 'smsd', 'stray'), undefined);
});

test('readSmsdConfig resolves folders, logfile and rejects what gammu cannot use', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-smsdrc-'));
  try {
    const file = join(dir, 'smsdrc');
    writeFileSync(
      file,
      '[gammu]\ndevice = /dev/null\n[smsd]\nservice = FILES\ninboxpath = in/\noutboxpath = /s/out/\nsentsmspath = /s/sent/\nerrorsmspath = /s/error/\nlogfile = log/smsd.log\n',
    );
    const c = readSmsdConfig(file, { cwd: '/var/lib/gammu' });
    const d = spoolDirs(c);
    assert.deepEqual(d, { inbox: '/var/lib/gammu/in/', outbox: '/s/out/', sent: '/s/sent/', error: '/s/error/' });
    assert.equal(c.logfile, '/var/lib/gammu/log/smsd.log');
    assert.equal(defaultStateDir(d), '/s/kirim-gateway');

    writeFileSync(file, '[smsd]\nservice = files\ninboxpath = /i/\noutboxpath = /o\nsentsmspath = /s/\nerrorsmspath = /e/\n');
    assert.throws(() => spoolDirs(readSmsdConfig(file)), /outboxpath = \/o lacks the trailing/);
    writeFileSync(file, '[smsd]\nservice = sql\n');
    assert.throws(() => spoolDirs(readSmsdConfig(file)), /service = files/);
    writeFileSync(file, '[smsd]\nservice = files\ninboxpath = /i/\noutboxpath = /o/\nsentsmspath = /o/\nerrorsmspath = /e/\n');
    assert.throws(() => spoolDirs(readSmsdConfig(file)), /same folder/);
    writeFileSync(file, '[gammu]\nport = x\n');
    assert.throws(() => readSmsdConfig(file), SmsdConfigError);
    assert.throws(() => readSmsdConfig(join(dir, 'missing')), /cannot read gammu-smsd config .*ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('section headers read as gammu reads them: `[ smsd ]` is not [smsd]; a header without `]` or an empty `[]` ends the section (found by fuzzing)', () => {
  const ini = parseIni('[ smsd ]\noutboxpath = /a/\n[smsd]\ninboxpath = /in/\n[smsd\noutboxpath = /lost/\n[smsd]\nsentsmspath = /sent/\n[]\nerrorsmspath = /lost/\nstray [smsd] = x\n');
  assert.deepEqual(ini.map((s) => s.name), [' smsd ', 'smsd', 'smsd', 'smsd']);
  assert.equal(iniGet(ini, 'smsd', 'outboxpath'), undefined, 'neither [ smsd ] nor the keys after an unclosed header');
  assert.equal(iniGet(ini, 'smsd', 'inboxpath')?.value, '/in/');
  assert.equal(iniGet(ini, 'smsd', 'sentsmspath')?.value, '/sent/');
  assert.equal(iniGet(ini, 'smsd', 'errorsmspath'), undefined, 'the keys after [] belong to no section');
});

test('values keep U+00A0 and other blanks C does not trim at their ends, as gammu-smsd does (found by fuzzing)', () => {
  const ini = parseIni('[smsd]\noutboxpath = /var/spool/gammu/outbox/\u00a0\ninboxpath =\u00a0\nlogfile = \t/var/log/smsd.log \t\v\f\n');
  assert.equal(iniGet(ini, 'smsd', 'outboxpath')?.value, '/var/spool/gammu/outbox/\u00a0');
  assert.equal(iniGet(ini, 'smsd', 'inboxpath')?.value, '\u00a0');
  assert.equal(iniGet(ini, 'smsd', 'logfile')?.value, '/var/log/smsd.log');
});

test('the same folder written two ways (/s/./out/, //s/out/, /s/x/../out/) is refused (found by fuzzing)', () => {
  for (const alias of ['/s/./out/', '//s/out/', '/s/x/../out/', '/s//out/']) {
    const config = parseSmsdConfig(`[smsd]\nservice = files\noutboxpath = /s/out/\ninboxpath = ${alias}\nsentsmspath = /s/sent/\nerrorsmspath = /s/error/\n`, 'smsdrc');
    assert.throws(() => spoolDirs(config), (err: unknown) => err instanceof SmsdConfigError && /inbox and outbox are the same folder \/s\/out\//.test(err.message), alias);
  }
});
