/**
 * .ci/run, with apt-get and npm replaced by stand-ins on PATH so only its own
 * logic runs: with CI=true a skipped test fails the job (listed with its
 * reason) and the log still ends with the test runner's summary; a clean run
 * passes; a failing or unfinished run keeps failing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CI_RUN = resolve(import.meta.dirname, '..', '.ci', 'run');

const summary = (skipped: number, fail = 0) =>
  ['# tests 3', '# suites 0', `# pass ${3 - skipped - fail}`, `# fail ${fail}`, '# cancelled 0', `# skipped ${skipped}`, '# todo 0', '# duration_ms 12.5'].join('\n');

const TAP_WITH_SKIPS = `TAP version 13
# Subtest: runs
ok 1 - runs
# Subtest: needs gammu
ok 2 - needs gammu # SKIP gammu-smsd is not installed
# Subtest: a suite
    ok 1 - needs systemd # SKIP systemd-analyze is not installed
ok 3 - a suite
1..3
${summary(2)}
`;

/** Runs .ci/run with `npm test` printing `output` and exiting with `status`. */
function ciRun(output: string, status: number, env: Record<string, string>) {
  const bin = mkdtempSync(join(tmpdir(), 'kirim-ci-'));
  try {
    writeFileSync(join(bin, 'test-output'), output);
    writeFileSync(join(bin, 'apt-get'), '#!/bin/sh\nexit 0\n');
    writeFileSync(join(bin, 'npm'), `#!/bin/sh\nif [ "$1" = test ]; then cat '${join(bin, 'test-output')}'; exit ${status}; fi\nexit 0\n`);
    for (const f of ['apt-get', 'npm']) chmodSync(join(bin, f), 0o755);
    const { CI: _ci, ...rest } = process.env;
    const r = spawnSync('bash', [CI_RUN], { encoding: 'utf8', env: { ...rest, PATH: `${bin}:${process.env.PATH}`, ...env }, timeout: 30_000 });
    return { status: r.status, out: r.stdout, err: r.stderr };
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

test('with CI=true a skipped test fails the job, the skips are listed with their reasons, and the log ends with the summary', () => {
  const r = ciRun(TAP_WITH_SKIPS, 0, { CI: 'true' });
  assert.equal(r.status, 1, r.out + r.err);
  assert.match(r.out, /ci: 2 test\(s\) skipped; in CI every test must run:/);
  assert.match(r.out, /ok 2 - needs gammu # SKIP gammu-smsd is not installed/);
  assert.match(r.out, /ok 1 - needs systemd # SKIP systemd-analyze is not installed/);
  assert.ok(r.out.trimEnd().endsWith(summary(2)), r.out);
});

test('without CI=true skips are allowed (a developer machine may lack a tool)', () => {
  const r = ciRun(TAP_WITH_SKIPS, 0, {});
  assert.equal(r.status, 0, r.out + r.err);
  assert.doesNotMatch(r.out, /ci: /);
});

test('a run with nothing skipped passes, and a failing run fails with its own status', () => {
  const clean = ciRun(`TAP version 13\nok 1 - runs\n1..1\n${summary(0)}\n`, 0, { CI: 'true' });
  assert.equal(clean.status, 0, clean.out + clean.err);
  assert.ok(clean.out.trimEnd().endsWith(summary(0)));
  const failing = ciRun(`TAP version 13\nnot ok 1 - breaks\n1..1\n${summary(0, 1)}\n`, 1, { CI: 'true' });
  assert.equal(failing.status, 1);
});

test('a runner that died before its summary fails the job', () => {
  const r = ciRun('TAP version 13\nok 1 - runs\n', 0, { CI: 'true' });
  assert.equal(r.status, 1);
  assert.match(r.err, /no 'skipped N' summary/);
});
