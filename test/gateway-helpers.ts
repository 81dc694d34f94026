/**
 * Helpers for the gateway's cross-process tests: a temp folder with a real
 * gammu-smsd (dummy driver), the protocol test server, and the agent run
 * as its own process through bin/kirim.js.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGammuSmsd, writeGammuConfig, type GammuSmsdInstance, type GammuSmsdOptions } from '../src/dev/gammu-smsd.js';
import { configKeyBits, parseShmTable } from '../src/gateway/daemon.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const KIRIM = join(ROOT, 'bin', 'kirim.js');

/** A temp folder removed by `cleanup()`. */
export function tempDir(prefix = 'kirim-gw-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Settings for the tests' gammu-smsd: quiet log (no message text), fast loop. */
export const TEST_SMSD = { debuglevel: 0 };

/** Starts gammu-smsd with the dummy driver in `dir/gammu`. */
export function startDummyGammu(dir: string, smsd: GammuSmsdOptions['smsd'] = {}): GammuSmsdInstance {
  return startGammuSmsd({ dir: join(dir, 'gammu'), modem: { kind: 'dummy' }, smsd: { ...TEST_SMSD, ...smsd } });
}

/** Writes the config without starting gammu-smsd. */
export function dummyGammuConfig(dir: string, smsd: GammuSmsdOptions['smsd'] = {}) {
  return writeGammuConfig({ dir: join(dir, 'gammu'), modem: { kind: 'dummy' }, smsd: { ...TEST_SMSD, ...smsd } });
}

export interface AgentProcess {
  child: ChildProcess;
  /** Everything the agent logged so far. */
  output(): string;
  /** Sends a signal and waits for the exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Runs `kirim gateway` as a child process. */
export function runAgent(args: string[], env: NodeJS.ProcessEnv = {}): AgentProcess {
  const child = spawn(process.execPath, [KIRIM, 'gateway', ...args], {
    env: { ...process.env, KIRIM_LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Files in a folder, hidden ones included. */
export function ls(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Polls until `pred` holds. */
export async function until(pred: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A SIGKILLed gammu-smsd leaves its shared memory in the kernel: removes it when nobody is attached. */
export async function removeLeftoverSegment(smsdrc: string): Promise<void> {
  const bits = await configKeyBits(smsdrc);
  for (const s of parseShmTable(readFileSync('/proc/sysvipc/shm', 'utf8'))) {
    if ((s.key & 0xffffff) === bits && s.nattch === 0) spawnSync('ipcrm', ['-M', String(s.key)]);
  }
}
