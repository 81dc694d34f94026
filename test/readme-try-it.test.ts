/**
 * The README's "Try it" block, pasted into bash as written, beside a real
 * `kirim dev`: it finds the key, the code reaches the simulated handset,
 * the check approves it, and `kirim send` finds the development key by
 * itself. It runs in a folder laid out like a fresh clone (the checkout's
 * package.json, bin, src and node_modules, and `kirim dev`'s ./data), with
 * no KIRIM_* variables set. The one change made to the block: the dev
 * server listens on a free port here, so the URL's port 8080 is replaced.
 * The `export` line `kirim dev` prints, offered by the README instead of the
 * block's first two lines, sets the same variables to the same values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KIRIM_BIN, tempDir, waitFor } from './support/process.js';
import { gammuSmsdInstalled } from '../src/dev/gammu-smsd.js';

const ROOT = resolve(import.meta.dirname, '..');

/** The ```sh block right after "Try it" in README.md. */
function tryIt(): string {
  const md = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = md.indexOf('Try it');
  assert.ok(at >= 0, 'README.md has a "Try it"');
  const block = /```sh\n([\s\S]*?)\n```/.exec(md.slice(at))?.[1];
  assert.ok(block, 'a sh block follows "Try it"');
  return block;
}

/** Environment without the variables a user would not have in a new shell. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('KIRIM_')) delete env[k];
  return env;
}

test("the README's Try it runs when pasted beside kirim dev", { skip: gammuSmsdInstalled() ? false : 'gammu-smsd is not installed' }, async () => {
  const script = tryIt();
  assert.match(script, /http:\/\/127\.0\.0\.1:8080/);
  assert.match(script, /npx kirim send /);

  const clone = tempDir('kirim-clone');
  for (const f of ['package.json', 'bin', 'src', 'node_modules', 'tsconfig.json']) symlinkSync(join(ROOT, f), join(clone, f));
  const dev = spawn(process.execPath, [KIRIM_BIN, 'dev', '--port', '0', '--data-dir', join(clone, 'data')], { cwd: clone, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let devOut = '';
  let devErr = '';
  dev.stdout!.on('data', (d) => (devOut += String(d)));
  dev.stderr!.on('data', (d) => (devErr += String(d)));
  const devExited = new Promise((r) => dev.once('exit', r));
  try {
    await waitFor(() => /^export KIRIM_SERVER=.*\n/m.test(devOut), { timeoutMs: 60_000, what: `kirim dev to be ready (stderr: ${devErr})` });
    const url = /^API: (http:\/\/\S+)\/v1$/m.exec(devOut)?.[1];
    assert.ok(url, devOut);
    // The README offers kirim dev's export line instead of the block's first
    // two lines: it must set the same two variables to the same values.
    const key = (JSON.parse(readFileSync(join(clone, 'data', 'dev-credentials.json'), 'utf8')) as { apiKey: string }).apiKey;
    assert.match(devOut, new RegExp(`^export KIRIM_SERVER=${url.replace(/[.]/g, '\\.')} KIRIM_API_KEY=${key}$`, 'm'));
    assert.match(script, /^export KIRIM_SERVER=http:\/\/127\.0\.0\.1:8080\nexport KIRIM_API_KEY=\$\(node -p "require\('\.\/data\/dev-credentials\.json'\)\.apiKey"\)\n/);

    const bash = spawn('bash', ['-euo', 'pipefail', '-s'], { cwd: clone, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    bash.stdout!.on('data', (d) => (out += String(d)));
    bash.stderr!.on('data', (d) => (err += String(d)));
    const code = new Promise<number | null>((r) => bash.once('exit', (c) => r(c)));
    bash.stdin!.end(script.replaceAll('http://127.0.0.1:8080', url) + '\n');
    const timer = setTimeout(() => bash.kill(), 150_000);
    const status = await code;
    clearTimeout(timer);
    assert.equal(status, 0, `stdout: ${out}\nstderr: ${err}`);

    const lines = out.trim().split('\n');
    assert.match(out, /"status":"pending"/, 'the verification started');
    assert.match(out, /\+6281234567890 +\(\d+ messages?\)\n.*Kode verifikasi Kirim Anda: \d{6}\./, 'the handset shows the code');
    assert.match(out, /"status":"approved"/, 'the pasted check approved the code');
    assert.match(lines.at(-1)!, /^msg_\w+$/, 'kirim send printed the message id');
  } finally {
    dev.kill('SIGTERM');
    await devExited;
  }
});
