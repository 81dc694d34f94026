/**
 * Mistakes a person makes when running `kirim` commands, run as real
 * processes: each ends with one line on stderr that says what to fix, and
 * exit 1 (never `unexpected error`, never exit 2).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { kirim, tempDir } from './support/process.js';

/** Asserts a user error: exit 1, one stderr line matching `pattern`, no "unexpected". */
function assertUserError(r: { status: number | null; stderr: string }, pattern: RegExp, what: string): void {
  assert.equal(r.status, 1, `${what}: exit ${r.status}: ${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line: ${r.stderr}`);
  assert.match(r.stderr, pattern, what);
  assert.doesNotMatch(r.stderr, /unexpected error/, what);
}

describe('bad settings', () => {
  test('KIRIM_LOG_LEVEL=loud names the variable and the valid levels, for the server, admin commands and the gateway', () => {
    const dataDir = tempDir('kirim-loglevel');
    const level = /KIRIM_LOG_LEVEL=loud: expected one of fatal, error, warn, info, debug, trace, silent/;
    assertUserError(kirim(['server', '--port', '0', '--data-dir', dataDir], { KIRIM_LOG_LEVEL: 'loud' }), level, 'server');
    assertUserError(kirim(['keys', 'create', '--name', 'a', '--data-dir', dataDir], { KIRIM_LOG_LEVEL: 'loud' }), level, 'keys create');
    assertUserError(
      kirim(['gateway', '--server', 'http://127.0.0.1:9', '--token', 'kg_x', '--smsdrc', `${dataDir}/smsdrc`], { KIRIM_LOG_LEVEL: 'loud' }),
      level,
      'gateway',
    );
  });
});
