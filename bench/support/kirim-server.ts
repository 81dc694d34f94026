/**
 * A `kirim server` process for the throughput benches: on a fresh SQLite
 * file or PostgreSQL schema, its log written to a file (as journald would
 * take it, not into the bench's memory), with an API key and a gateway
 * token, every budget off.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stopChild } from '../../src/dev/stop-child.js';
import { freshDbUrl } from '../../src/server/store/testing.js';
import type { Dialect } from '../../src/server/store/index.js';
import { KIRIM_BIN, kirim } from '../../test/support/process.js';
import { NO_BUDGETS, sleep, type Cleanup } from './sms-rig.js';

export interface KirimBenchServer {
  url: string;
  pid: number;
  apiKey: string;
  gatewayToken: string;
  logfile: string;
  stop(): Promise<void>;
}

export async function startKirim(
  cleanup: Cleanup,
  dir: string,
  dialect: Dialect,
  {
    logLevel = 'info',
    env = {},
    nodeArgs = [],
    checkout,
  }: {
    logLevel?: string;
    env?: Record<string, string>;
    nodeArgs?: string[];
    /** Run the `kirim` of another checkout (with its node_modules), e.g. an earlier commit to compare with. */
    checkout?: string;
  } = {},
): Promise<KirimBenchServer> {
  const { url: db, drop } = await freshDbUrl(dialect, join(dir, 'kirim.db'));
  cleanup.add(`drop ${dialect} database`, drop);
  const common = ['--db', db, '--data-dir', dir];
  const logfile = join(dir, 'server.log');
  const fd = openSync(logfile, 'a');
  const bin = checkout ? resolve(checkout, 'bin/kirim.js') : KIRIM_BIN;
  const child = spawn(process.execPath, [...nodeArgs, bin, 'server', '--port', '0', ...common], {
    env: { ...process.env, ...NO_BUDGETS, KIRIM_LOG_LEVEL: logLevel, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const stop = () => stopChild(child, { graceMs: 10_000 });
  cleanup.add(`kirim server pid ${child.pid}`, stop);
  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (!url) {
    url = /listening on (http:\/\/[^\s"]+)/.exec(readFileSync(logfile, 'utf8'))?.[1];
    if (child.exitCode !== null) throw new Error(`kirim server exited: ${readFileSync(logfile, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`kirim server did not start: ${readFileSync(logfile, 'utf8')}`);
    if (!url) await sleep(50);
  }
  const run = (args: string[]) => {
    const r = kirim([...args, ...common]);
    if (r.status !== 0) throw new Error(`kirim ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout.trim();
  };
  return {
    url,
    pid: child.pid!,
    apiKey: run(['keys', 'create', '--name', 'bench']),
    gatewayToken: run(['gateways', 'create', '--name', 'bench-gw']),
    logfile,
    stop,
  };
}
