import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_OPTIONS } from './run.js';

const ENTRY = join(import.meta.dirname, 'standalone.ts');

/** Runs the standalone entry (what dist/kirim-gateway.js bundles) from source. */
function run(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KIRIM_')));
  return spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], { encoding: 'utf8', env: { ...clean, ...env }, timeout: 30_000 });
}

test('standalone: --help lists every agent flag with its variable; --version prints it', () => {
  const help = run(['--help']);
  assert.equal(help.status, 0, help.stderr);
  for (const o of AGENT_OPTIONS) {
    assert.match(help.stdout, new RegExp(`--${o.flag} <${o.arg}>.*\\(env: ${o.env}\\)`));
  }
  assert.match(help.stdout, /doctor/);
  const v = run(['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('standalone: mistakes exit 1 with one line on stderr', () => {
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['--bogus'], {}, /^kirim-gateway: Unknown option '--bogus'\n$/],
    [['--server'], {}, /^kirim-gateway: Option '--server <value>' argument missing\n$/],
    [['start'], {}, /^kirim-gateway: unknown command "start"/],
    [['--token', 't', '--smsdrc', '/x'], {}, /^kirim-gateway: --server \(or KIRIM_SERVER\) is required\n$/],
    [['--server', 'ftp://x', '--token', 't', '--smsdrc', '/x'], {}, /^kirim-gateway: --server must be an http\(s\) URL\n$/],
    // Variables stand in for flags.
    [[], { KIRIM_SERVER: 'http://127.0.0.1:1', KIRIM_GATEWAY_TOKEN: 't', KIRIM_SMSDRC: '/nonexistent/smsdrc' }, /^kirim-gateway: cannot read gammu-smsd config/],
    [['--server', 'http://127.0.0.1:1', '--token', 't', '--smsdrc', '/x', '--max-attempts', 'many'], {}, /^kirim-gateway: --max-attempts must be a positive whole number/],
    [['--server', 'http://127.0.0.1:1', '--token', 't', '--smsdrc', '/x'], { KIRIM_GATEWAY_EXPIRY_MARGIN: '-5' }, /^kirim-gateway: --expiry-margin must be a whole number of seconds from 0 to 3600, not "-5"\n$/],
    [['--server', 'http://127.0.0.1:1', '--token', 't', '--smsdrc', '/x', '--spool-target', '0'], {}, /^kirim-gateway: --spool-target must be a positive whole number, not "0"\n$/],
    [[], { KIRIM_SERVER: 'http://127.0.0.1:1', KIRIM_GATEWAY_TOKEN: 't', KIRIM_SMSDRC: '/x', KIRIM_GATEWAY_SPOOL_TARGET: '101' }, /^kirim-gateway: --spool-target must be at most 100, not 101\n$/],
    [['--server', 'http://127.0.0.1:1', '--token', 't', '--smsdrc', '/x'], { KIRIM_LOG_LEVEL: 'loud' }, /^kirim-gateway: KIRIM_LOG_LEVEL=loud: expected one of fatal, error, warn, info, debug, trace, silent\n$/],
  ];
  for (const [args, env, want] of cases) {
    const r = run(args, env);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, want, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}`);
  }
});

test('standalone: doctor reports problems with exit 1, reads KIRIM_SMSDRC', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-standalone-'));
  try {
    const rc = join(dir, 'smsdrc');
    writeFileSync(rc, '[gammu]\ndevice = /dev/ttyUSB0\n[smsd]\nservice = sql\n');
    const r = run(['doctor', '--smsdrc', rc]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /service/i);
    const viaEnv = run(['doctor'], { KIRIM_SMSDRC: rc });
    assert.equal(viaEnv.status, 1);
    assert.equal(viaEnv.stdout, r.stdout);
    const none = run(['doctor']);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /--smsdrc \(or KIRIM_SMSDRC\) is required/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
