/**
 * `kirim dev` as a person runs it: a child process on a free port and its
 * own data dir, ready once it printed its banner. The banner's `Label: value`
 * lines are returned as a map (API key, API, Docs, Demo, Dashboard, ...).
 * `stop()` sends SIGTERM and waits for the exit (kirim dev stops gateway,
 * gammu-smsd and modem-sim itself).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { KIRIM_BIN, tempDir, waitFor } from './process.js';

export interface DevProcess {
  child: ChildProcess;
  dataDir: string;
  /** Folder of the simulated handsets. */
  simState: string;
  /** Banner lines `Label: value`, by label. */
  banner: Record<string, string>;
  /** Base URL of the server (no trailing slash). */
  url: string;
  apiKey: string;
  stdout(): string;
  stderr(): string;
  stop(): Promise<void>;
}

export async function startDev({ args = [], env = {}, readyLabel = 'Docs' }: { args?: string[]; env?: Record<string, string>; readyLabel?: string } = {}): Promise<DevProcess> {
  const dataDir = tempDir('kirim-dev');
  const child = spawn(process.execPath, [KIRIM_BIN, 'dev', '--port', '0', '--data-dir', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (err += String(d)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(() => new RegExp(`^${readyLabel}: `, 'm').test(out) || child.exitCode !== null, { timeoutMs: 90_000, what: `kirim dev to print ${readyLabel}:` });
    if (child.exitCode !== null) throw new Error(`kirim dev exited ${child.exitCode}: ${err}`);
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\nstdout: ${out}\nstderr: ${err}`);
  }
  const banner: Record<string, string> = {};
  for (const m of out.matchAll(/^([A-Za-z][\w -]*): (.+)$/gm)) banner[m[1]!] ??= m[2]!;
  const url = banner.API!.replace(/\/v1$/, '');
  return { child, dataDir, simState: join(dataDir, 'modem-sim'), banner, url, apiKey: banner['API key']!, stdout: () => out, stderr: () => err, stop };
}
