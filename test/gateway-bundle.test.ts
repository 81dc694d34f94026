/**
 * dist/kirim-gateway.js: built by tsup as one file, it starts on its own
 * (no node_modules beside it), needs no native module, and runs the agent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, copyFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { gammuSmsdInstalled } from '../src/dev/gammu-smsd.js';
import { startTestGatewayServer, leased } from '../src/gateway/test-server.js';
import { ROOT, tempDir, startDummyGammu, ls } from './gateway-helpers.js';
import { gatewayUnitNodeFlags } from './support/process.js';
import { spawn } from 'node:child_process';

/**
 * systemd's MemoryDenyWriteExecute=yes in the kernel's own form: a Python
 * one-liner sets PR_SET_MDWE (Linux 6.3+; kept across exec) and execs the
 * command, so the process can never map memory writable and executable.
 */
const MDWE = 'import ctypes,os,sys\nif ctypes.CDLL(None).prctl(65,1,0,0,0)!=0: sys.exit(97)\nos.execvp(sys.argv[1],sys.argv[1:])';
const mdweProbe = spawnSync('python3', ['-c', MDWE, 'true'], { encoding: 'utf8' });
const mdweSkip = mdweProbe.error ? 'python3 is not installed' : mdweProbe.status === 97 ? 'the kernel has no PR_SET_MDWE (Linux < 6.3)' : false;

test('the unit\'s Node flags run under MemoryDenyWriteExecute; plain node does not', { skip: mdweSkip }, () => {
  const code = 'let s = 0; for (let i = 0; i < 1e6; i++) s += i; console.log(s)';
  const shipped = spawnSync('python3', ['-c', MDWE, process.execPath, ...gatewayUnitNodeFlags(), '-e', code], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(shipped.status, 0, shipped.stderr);
  assert.equal(shipped.stdout.trim(), '499999500000');
  assert.equal(shipped.stderr, '', 'no warning at start');
  // The control: V8's JIT needs W+X memory and dies under the same rule.
  const plain = spawnSync('python3', ['-c', MDWE, process.execPath, '-e', code], { encoding: 'utf8', timeout: 30_000 });
  assert.notEqual(plain.status, 0);
});

test('the gateway bundle is one self-contained file that runs the agent', { timeout: 180_000 }, async (ctx) => {
  const t = tempDir('kirim-bundle-');
  try {
    const out = join(t.dir, 'dist');
    const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsup', 'dist', 'cli-default.js'), '--out-dir', out], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.equal(build.status, 0, build.stderr + build.stdout);
    // Copy it where no node_modules can be found by walking up.
    const alone = join(t.dir, 'alone');
    spawnSync('mkdir', ['-p', alone]);
    const bundle = join(alone, 'kirim-gateway.js');
    copyFileSync(join(out, 'kirim-gateway.js'), bundle);
    const code = readFileSync(bundle, 'utf8');
    assert.ok(!code.includes('better-sqlite3'), 'no better-sqlite3');
    assert.ok(!/require\(["'][^"']*\.node["']\)/.test(code), 'no .node addon');
    const required = new Set([...code.matchAll(/\brequire\(["']([^"']+)["']\)/g)].map((m) => m[1]!));
    const imported = new Set([...code.matchAll(/^import .* from ["']([^"']+)["'];?$/gm)].map((m) => m[1]!));
    for (const mod of [...required, ...imported]) assert.ok(isBuiltin(mod), `bundle loads ${mod} from outside`);

    const help = spawnSync(process.execPath, [bundle, '--help'], { encoding: 'utf8', cwd: alone, timeout: 20_000 });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /--smsdrc/);
    const bad = spawnSync(process.execPath, [bundle, '--server', 'http://127.0.0.1:1', '--token', 'x', '--smsdrc', join(t.dir, 'none')], { encoding: 'utf8', cwd: alone, timeout: 20_000 });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /cannot read gammu-smsd config/);

    if (!gammuSmsdInstalled()) {
      ctx.skip('gammu-smsd is not installed: the bundle was built and started, but never ran the agent against it');
      return;
    }
    const gammu = startDummyGammu(t.dir);
    const server = await startTestGatewayServer();
    // With the Node flags the systemd unit uses, under its MemoryDenyWriteExecute when the kernel can.
    const argv = [process.execPath, ...gatewayUnitNodeFlags(), bundle, '--server', server.url, '--token', server.token, '--smsdrc', gammu.smsdrc];
    const [cmd, ...args] = mdweSkip ? argv : ['python3', '-c', MDWE, ...argv];
    const agent = spawn(cmd!, args, { cwd: alone, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    agent.stderr!.on('data', (d: Buffer) => (log += d));
    try {
      server.enqueue(leased({ id: 'msg_bundle' }));
      await server.waitFor(() => server.reports.some((r) => r.message_id === 'msg_bundle' && r.status === 'sent'), 30_000, `sent (agent log: ${log})`);
      assert.equal(ls(gammu.spool.sent).length, 1);
    } finally {
      const exited = new Promise((r) => agent.once('exit', (code) => r(code)));
      const t0 = Date.now();
      agent.kill('SIGTERM');
      assert.equal(await exited, 0, 'SIGTERM stops cleanly');
      assert.ok(Date.now() - t0 < 3000, `stopped in ${Date.now() - t0} ms`);
      await gammu.stop();
      await server.close();
    }
  } finally {
    t.cleanup();
  }
});
