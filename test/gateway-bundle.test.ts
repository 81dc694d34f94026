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
import { spawn } from 'node:child_process';

test('the gateway bundle is one self-contained file that runs the agent', { timeout: 180_000 }, async () => {
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

    if (!gammuSmsdInstalled()) return;
    const gammu = startDummyGammu(t.dir);
    const server = await startTestGatewayServer();
    const agent = spawn(process.execPath, [bundle, '--server', server.url, '--token', server.token, '--smsdrc', gammu.smsdrc], { cwd: alone, stdio: ['ignore', 'ignore', 'pipe'] });
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
