/**
 * `npm pack` ships a working package: run on a copy of the checkout (the
 * files git would clone, with no dist/), its prepack builds dist/, the
 * tarball holds the bundles, LICENSE and the docs but no sources or tests,
 * and the unpacked package runs `kirim --help` and a real `kirim server`
 * from dist/ (its dependencies taken from this checkout's node_modules, as
 * an install would provide them), which `kirim/client`, imported by the
 * package's name, talks to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tempDir, waitFor } from './support/process.js';

const ROOT = resolve(import.meta.dirname, '..');

/** A copy of what a fresh clone holds: tracked and new (not ignored) files. */
function cloneLikeCopy(): string {
  const dir = join(tempDir('kirim-pack'), 'kirim');
  const git = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' });
  if (git.status === 0) {
    const files = git.stdout.split('\0').filter(Boolean);
    assert.ok(files.includes('package.json'));
    for (const f of files) {
      if (!existsSync(join(ROOT, f))) continue; // deleted in the work tree
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      cpSync(join(ROOT, f), join(dir, f));
    }
  } else {
    // Not a git checkout (an unpacked source archive): everything but what .gitignore names.
    const ignored = new Set(['.git', 'node_modules', 'dist', 'data', '.tmp']);
    cpSync(ROOT, dir, { recursive: true, filter: (from) => !ignored.has(from.slice(ROOT.length + 1).split('/')[0]!) && !from.endsWith('.log') });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

test('LICENSE matches package.json', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
  assert.equal(pkg.license, 'MIT');
  assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} /);
});

test('npm pack builds dist/ and the unpacked package runs from it', async () => {
  const src = cloneLikeCopy();
  assert.ok(!existsSync(join(src, 'dist')), 'no dist/ before packing');
  const out = tempDir('kirim-pack-out');
  const pack = spawnSync('npm', ['pack', '--json', '--offline', '--pack-destination', out], { cwd: src, encoding: 'utf8', timeout: 240_000 });
  assert.equal(pack.status, 0, pack.stderr);
  const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const files = info!.files.map((f) => f.path);
  for (const f of ['package.json', 'LICENSE', 'README.md', 'bin/kirim.js', 'dist/cli.js', 'dist/kirim-gateway.js', 'dist/client.js', 'dist/client.d.ts', 'dist/dashboard/web/index.html', 'docs/webhooks.md', 'docs/raspberry-pi.md', 'deploy/Caddyfile', 'deploy/systemd/kirim-server.service']) {
    assert.ok(files.includes(f), `the tarball has ${f}`);
  }
  assert.deepEqual(files.filter((f) => /^(src|test|bench|scripts)\//.test(f) || f.endsWith('.test.ts')), [], 'no sources or tests');

  const inst = tempDir('kirim-pack-inst');
  assert.equal(spawnSync('tar', ['xzf', join(out, info!.filename), '-C', inst]).status, 0);
  const pkg = join(inst, 'package');
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  const bin = join(pkg, 'bin', 'kirim.js');
  const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: kirim /);
  assert.match(help.stdout, /\bserver\b[\s\S]*\bgateway\b[\s\S]*\bsend\b/);
  assert.equal(spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).stdout.trim(), '0.1.0');

  // The server from dist/: native SQLite, migrations, the docs UI's files.
  const server = spawn(process.execPath, [bin, 'server', '--port', '0', '--data-dir', join(inst, 'data')], { env: { ...process.env, KIRIM_LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  server.stderr!.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((r) => server.once('exit', (c) => r(c)));
  try {
    const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(err)?.[1], { timeoutMs: 30_000, what: `the packed server to listen (stderr: ${err})` });
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    assert.equal((await fetch(`${url}/docs/`)).status, 200);
    assert.equal((await fetch(`${url}/openapi.json`)).status, 200);
    // The dashboard's page and the browser modules it imports, from the package.
    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200, 'GET / leads to the dashboard');
    assert.match(page.url, /\/dashboard$/);
    assert.match(await page.text(), /<html/);
    for (const m of ['preact.mjs', 'hooks.mjs', 'htm.mjs']) assert.equal((await fetch(`${url}/dashboard/assets/vendor/${m}`)).status, 200, m);
    // `kirim/client` resolves by the package's name (its `exports`) and
    // turns the server's problem+json into a KirimError.
    const probe = join(pkg, 'client-probe.mjs');
    writeFileSync(probe, `import { Kirim, KirimError } from 'kirim/client';\nconst err = await new Kirim({ baseUrl: process.argv[2], apiKey: 'wrong' }).listMessages().catch((e) => e);\nconsole.log(err instanceof KirimError, err.code, err.status);\n`);
    const client = spawnSync(process.execPath, [probe, url], { cwd: pkg, encoding: 'utf8' });
    assert.equal(client.status, 0, client.stderr);
    assert.equal(client.stdout.trim(), 'true unauthorized 401');
  } finally {
    server.kill('SIGTERM');
  }
  assert.equal(await exited, 0, err);
});
