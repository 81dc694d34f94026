import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirLockedError, lockDir } from './dir-lock.js';

const linux = process.platform === 'linux' ? false : 'abstract sockets exist on Linux only';
const MODULE = join(import.meta.dirname, 'dir-lock.ts');

function temp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A real second process that takes the lock, says so, and holds it until killed. */
function holderProcess(dir: string): Promise<{ pid: number; kill(signal: NodeJS.Signals): Promise<void> }> {
  const script = `const { lockDir } = await import(${JSON.stringify(MODULE)}); await lockDir(${JSON.stringify(dir)}, 'test holder'); process.stdout.write('locked\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return new Promise((done, fail) => {
    child.stdout!.on('data', (d) => String(d).includes('locked') && done({ pid: child.pid!, kill: async (sig) => void (child.kill(sig), await exited) }));
    child.once('exit', (code) => fail(new Error(`holder exited ${code} before locking`)));
  });
}

test('a second lock on the folder, by any path to it, fails and names the holder', { skip: linux }, async (t) => {
  const dir = temp(t);
  symlinkSync(dir, join(dir, '..', `${dir.split('/').pop()}-link`));
  t.after(() => rmSync(`${dir}-link`, { force: true }));
  const lock = await lockDir(dir, 'kirim server');
  for (const path of [dir, `${dir}/.`, `${dir}-link`]) {
    await assert.rejects(lockDir(path, 'kirim dev'), (err: unknown) => {
      assert.ok(err instanceof DirLockedError);
      assert.equal(err.pid, process.pid);
      assert.equal(err.holder, 'kirim server');
      assert.match(err.message, new RegExp(`is in use by kirim server \\(PID ${process.pid}\\)$`));
      return true;
    });
  }
  // Another folder is not affected.
  mkdirSync(join(dir, 'inner'));
  await (await lockDir(join(dir, 'inner'), 'x')).release();
  await lock.release();
  await (await lockDir(dir, 'again')).release();
});

test('another process holding the folder is named by its PID; once SIGKILLed it blocks nothing', { skip: linux }, async (t) => {
  const dir = temp(t);
  const holder = await holderProcess(dir);
  t.after(() => holder.kill('SIGKILL'));
  await assert.rejects(lockDir(dir, 'kirim gateway'), (err: unknown) => err instanceof DirLockedError && err.pid === holder.pid && err.holder === 'test holder');
  await holder.kill('SIGKILL');
  const lock = await lockDir(dir, 'kirim gateway');
  await lock.release();
});
