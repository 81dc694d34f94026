/**
 * Helpers for cross-process tests: run `kirim` commands, start a real
 * `kirim server` process, wait for conditions.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStore } from '../../src/server/store/index.js';

export const KIRIM_BIN = resolve(import.meta.dirname, '../../bin/kirim.js');

/**
 * The Node flags deploy/systemd/kirim-gateway.service runs the bundle with
 * (`ExecStart=/usr/bin/node <flags> /opt/kirim/kirim-gateway.js`), so tests
 * and benches run the gateway exactly as it is installed.
 */
export function gatewayUnitNodeFlags(): string[] {
  const unit = readFileSync(resolve(import.meta.dirname, '../../deploy/systemd/kirim-gateway.service'), 'utf8');
  const words = (/^ExecStart=(.+)$/m.exec(unit)?.[1] ?? '').trim().split(/\s+/);
  const file = words.findIndex((w) => w.endsWith('/kirim-gateway.js'));
  if (file < 1) throw new Error('kirim-gateway.service: ExecStart does not run node on kirim-gateway.js');
  return words.slice(1, file);
}

/**
 * Creates Kirim's tables in an empty database, as `kirim server` does on its
 * first start, so administrative commands (which never create a database)
 * can run before any server has.
 */
export async function initDatabase(db: string): Promise<void> {
  const store = await openStore(db);
  await store.close();
}

export function tempDir(name = 'kirim'): string {
  return mkdtempSync(join(tmpdir(), `${name}-`));
}

/** Runs `kirim ...args` to completion. */
export function kirim(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [KIRIM_BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  /** Sends a signal and waits for the exit; resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts `kirim server --port 0` and resolves once it listens. */
export async function startServerProcess(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [KIRIM_BIN, 'server', '--port', '0', ...args], {
    env: { ...process.env, KIRIM_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start: ${err}`)), 30_000);
    const onData = () => {
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        ok(m[1]!);
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`server exited with ${code}: ${err}`));
    });
  });
  const exited = new Promise<number | string>((ok) => child.once('exit', (code, sig) => ok(code ?? sig ?? -1)));
  return {
    url,
    child,
    stderr: () => err,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(fn: () => Promise<T> | T, { timeoutMs = 20_000, intervalMs = 50, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A tiny API client for tests. */
export function apiClient(url: string, key: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: any = text;
    try {
      json = JSON.parse(text);
    } catch {
      // keep text
    }
    return { status: res.status, body: json, headers: res.headers };
  };
}
