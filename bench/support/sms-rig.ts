/**
 * Building blocks for the SMS benches: `kirim server` processes, real
 * gammu-smsd driving `kirim modem-sim`, `kirim gateway` (through tsx or as
 * the bundled single file), a watcher that timestamps files as they appear
 * in a spool folder, /proc readings, and a cleanup list that stops every
 * process this bench started, also on failure or Ctrl-C.
 *
 * Every process is a child of the bench and listens on 127.0.0.1 only.
 */
import { stopChild } from '../../src/dev/stop-child.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startGammuSmsd, type GammuSmsdInstance } from '../../src/dev/gammu-smsd.js';
import { KIRIM_BIN, kirim, startServerProcess, type ServerProcess } from '../../test/support/process.js';
export { buildGatewayBundle } from '../../test/support/bundle.js';

/** Milliseconds since the epoch with sub-millisecond resolution (comparable with server ISO times). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Stops what a bench started, newest first, exactly once: on normal exit,
 * on an exception, on SIGINT/SIGTERM and when the time limit is hit.
 */
export class Cleanup {
  private readonly steps: Array<{ what: string; fn: () => Promise<void> | void }> = [];
  private running: Promise<void> | undefined;

  constructor(limitMs: number) {
    const bail = (why: string, code: number) => {
      process.stderr.write(`\n${why}: stopping every process this bench started\n`);
      void this.run().finally(() => process.exit(code));
    };
    process.once('SIGINT', () => bail('interrupted', 130));
    process.once('SIGTERM', () => bail('terminated', 143));
    process.once('unhandledRejection', (err) => bail(`unhandled rejection: ${String(err)}`, 1));
    // The bench must end on its own whatever happens to gammu or a server.
    setTimeout(() => bail(`time limit of ${Math.round(limitMs / 1000)} s reached`, 1), limitMs).unref();
  }

  add(what: string, fn: () => Promise<void> | void): void {
    this.steps.push({ what, fn });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.fn();
        } catch (err) {
          process.stderr.write(`cleanup (${step.what}) failed: ${String(err)}\n`);
        }
      }
    })();
    return this.running;
  }
}

/** A temporary folder removed at cleanup (kept when KIRIM_BENCH_KEEP=1, for a look afterwards). */
export function benchDir(cleanup: Cleanup, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `kirim-bench-${name}-`));
  cleanup.add(`remove ${dir}`, () => {
    if (process.env.KIRIM_BENCH_KEEP === '1') process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}


export interface BenchServer {
  url: string;
  apiKey: string;
  dataDir: string;
  process: ServerProcess;
  /** Registers a gateway with `kirim gateways create` and returns its token. */
  newGatewayToken(name: string): string;
}

/**
 * Every budget off (src/server/limits.ts): a bench sends far more, to far
 * fewer numbers, from one key and one gateway, than the defaults allow.
 */
export const NO_BUDGETS: Record<string, string> = Object.fromEntries(
  [
    'DESTINATION_PER_HOUR',
    'DESTINATION_PER_DAY',
    'IP_PER_HOUR',
    'IP_PER_DAY',
    'PREFIX_PER_HOUR',
    'KEY_PER_HOUR',
    'KEY_PER_DAY',
    'COUNTRY_PER_HOUR',
  ].map((n) => [`KIRIM_BUDGET_${n}`, '0']).concat(['SMS_PER_HOUR', 'SMS_PER_DAY', 'RECIPIENTS_PER_DAY', 'RECIPIENTS_PER_MONTH'].map((n) => [`KIRIM_GATEWAY_${n}`, '0'])),
);

/** Starts `kirim server` as its own process on a fresh SQLite database, with an API key (budgets off). */
export async function startBenchServer(cleanup: Cleanup, dataDir: string, env: Record<string, string> = {}): Promise<BenchServer> {
  const common = ['--data-dir', dataDir];
  const proc = await startServerProcess(common, { KIRIM_LOG_LEVEL: 'warn', ...NO_BUDGETS, ...env });
  cleanup.add(`kirim server ${proc.url}`, async () => {
    await proc.stop();
  });
  // Administrative commands need the database the server created.
  const created = kirim(['keys', 'create', '--name', 'bench', ...common]);
  if (created.status !== 0) throw new Error(`kirim keys create failed: ${created.stderr}`);
  const apiKey = created.stdout.trim();
  return {
    url: proc.url,
    apiKey,
    dataDir,
    process: proc,
    newGatewayToken(name) {
      const r = kirim(['gateways', 'create', '--name', name, ...common]);
      if (r.status !== 0) throw new Error(`kirim gateways create failed: ${r.stderr}`);
      return r.stdout.trim();
    },
  };
}

export interface SimGammu extends GammuSmsdInstance {
  /** State folder of the modem simulator (parts.jsonl, handsets/). */
  simState: string;
}

/**
 * Starts gammu-smsd with the recommended settings (LoopSleep=1,
 * CommTimeout=1) on a fresh modem-sim, and waits until it talks to the modem.
 */
export async function startSimGammu(cleanup: Cleanup, dir: string): Promise<SimGammu> {
  const simState = join(dir, 'modem-sim');
  const gammu = startGammuSmsd({
    dir: join(dir, 'gammu'),
    modem: { kind: 'modem-sim', command: `${shq(process.execPath)} ${shq(KIRIM_BIN)} modem-sim --state ${shq(simState)}` },
    env: { LANG: 'C' },
  });
  cleanup.add(`gammu-smsd ${gammu.smsdrc}`, () => gammu.stop());
  const deadline = Date.now() + 60_000;
  while (!existsSync(gammu.logfile) || !/Starting phone communication/.test(readFileSync(gammu.logfile, 'utf8'))) {
    if (gammu.process.exitCode !== null) throw new Error(`gammu-smsd exited with ${gammu.process.exitCode}`);
    if (Date.now() > deadline) throw new Error('gammu-smsd did not start talking to the modem within 60 s');
    await sleep(100);
  }
  return { ...gammu, simState };
}

/** How the gateway runs: `kirim gateway` through bin/kirim.js (tsx), or `node kirim-gateway.js`. */
export type GatewayKind = { kind: 'tsx' } | { kind: 'bundle'; file: string; /** Flags for node itself, before the file. */ nodeArgs?: string[] };

export interface BenchGateway {
  child: ChildProcess;
  pid: number;
  logfile: string;
  stop(): Promise<void>;
}

/** Starts a gateway process for `smsdrc`, its log in a file; resolves once it says it started. */
export async function startBenchGateway(
  cleanup: Cleanup,
  how: GatewayKind,
  opts: { server: string; token: string; smsdrc: string; stateDir: string; logfile: string },
): Promise<BenchGateway> {
  const flags = ['--server', opts.server, '--token', opts.token, '--smsdrc', opts.smsdrc, '--state-dir', opts.stateDir];
  const args = how.kind === 'tsx' ? [KIRIM_BIN, 'gateway', ...flags] : [...(how.nodeArgs ?? []), how.file, ...flags];
  // A file, not a pipe: a pipe that nobody drains would stall the agent.
  const log = openSync(opts.logfile, 'a');
  const child = spawn(process.execPath, args, { stdio: ['ignore', log, log], env: { ...process.env, KIRIM_LOG_LEVEL: 'info' } });
  closeSync(log);
  const stop = () => stopChild(child);
  cleanup.add(`gateway pid ${child.pid}`, stop);
  const deadline = Date.now() + 30_000;
  while (!/gateway started/.test(readFileSync(opts.logfile, 'utf8'))) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}: ${readFileSync(opts.logfile, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`gateway did not start: ${readFileSync(opts.logfile, 'utf8')}`);
    await sleep(50);
  }
  return { child, pid: child.pid!, logfile: opts.logfile, stop };
}

/**
 * Records when each `OUT…` file first appears in a folder: inotify through
 * fs.watch (a rename into the folder is reported at once, also for a file
 * gammu takes a moment later), plus a directory poll every 200 ms as a
 * safety net that can only be later, never earlier.
 */
export class SpoolWatch {
  readonly seen = new Map<string, number>();
  private readonly watcher: FSWatcher;
  private readonly poll: NodeJS.Timeout;

  constructor(readonly dir: string) {
    this.watcher = watch(dir, (_event, name) => {
      if (name) this.note(String(name), nowMs());
    });
    this.poll = setInterval(() => {
      const t = nowMs();
      for (const name of readdirSync(dir)) this.note(name, t);
    }, 200);
  }

  private note(name: string, t: number): void {
    if (!name.startsWith('OUT') || this.seen.has(name)) return;
    this.seen.set(name, t);
  }

  /** The first time a file whose name contains `part` appeared. */
  find(part: string): { name: string; at: number } | undefined {
    for (const [name, at] of this.seen) if (name.includes(part)) return { name, at };
    return undefined;
  }

  close(): void {
    this.watcher.close();
    clearInterval(this.poll);
  }
}

/** Outbox name → recipient (`OUT<p><date>_<time>_<serial>_<recipient>_<id>.txt[d]`). */
export function recipientOf(name: string): string | undefined {
  return /^OUT[A-Z]?\d{8}_\d{6}_\d{3}_(\+?\d+)_/.exec(name)?.[1];
}

/** Outbox name → message id (the free text after the recipient). */
export function messageIdOf(name: string): string | undefined {
  return /^OUT[A-Z]?\d{8}_\d{6}_\d{3}_\+?\d+_([A-Za-z0-9_-]+)\.txt/.exec(name)?.[1];
}

/**
 * `VmRSS` and `VmHWM` (peak) of a process, in MB, and RSS split into
 * private memory (`RssAnon`) and mapped file pages (`RssFile`: mostly the
 * node binary, shared with every other node process and evictable).
 */
export function memoryOf(pid: number): { rssMb: number; hwmMb: number; anonMb: number; fileMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024, anonMb: kb('RssAnon') / 1024, fileMb: kb('RssFile') / 1024 };
}

/** CPU seconds a process has used itself (utime + stime of /proc/<pid>/stat; clock ticks are 1/100 s on Linux). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Samples a process's RSS every `everyMs` until stopped; returns the largest sample. */
export function rssSampler(pid: number, everyMs = 100): { stop(): number } {
  let max = 0;
  const take = () => {
    try {
      max = Math.max(max, memoryOf(pid).rssMb);
    } catch {
      // the process is gone; keep what was sampled
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return max;
    },
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) ?? NaN, mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) };
}

/** Milliseconds for a table: one decimal below 10 s, whole above. */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return '–';
  return v < 10_000 ? v.toFixed(1) : String(Math.round(v));
}

/** POSTs JSON with the API key; resolves with the status and parsed body. */
export async function postJson(base: string, key: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** GETs JSON with the API key. */
export async function getJson(base: string, key: string, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: await res.json() };
}

/** Polls `fn` every `everyMs` until it returns a value, or throws after `timeoutMs`. */
export async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The repository root, for messages that name files. */
export const ROOT = resolve(import.meta.dirname, '../..');
