/**
 * `kirim dev`: the whole stack on one machine — the server (in this
 * process), a gateway, real gammu-smsd driving `kirim modem-sim` — started
 * in order, announced once ready, and stopped in reverse order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DirLockedError } from '../lock/dir-lock.js';
import { createLogger } from '../protocol/log.js';
import { startServer, type RunningServer } from '../server/server.js';
import type { ServerConfig } from '../server/config.js';
import { devCredentials, type DevCredentials } from './credentials.js';
import { startGammuSmsd, type GammuSmsdInstance } from './gammu-smsd.js';
import { kirimBin } from './kirim-bin.js';
import { stopChild } from './stop-child.js';

/** A mistake the user can fix (a port in use, ...); the CLI prints it on one line and exits 1. */
export class DevUsageError extends Error {
  override name = 'DevUsageError';
}

export interface DevStack {
  server: RunningServer;
  credentials: DevCredentials;
  gammu: GammuSmsdInstance;
  gateway: ChildProcess;
  /** Folder of the simulated handsets. */
  simState: string;
  /** What `kirim dev` prints once ready, one entry per line. */
  banner(): string[];
  /** Stops the gateway, gammu-smsd (and with it modem-sim), then the server. Safe to call more than once. */
  stop(): Promise<void>;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Starts every part; on a failure part-way, stops what already runs and throws. */
export async function startDevStack(config: ServerConfig, { warn = (line: string) => void process.stderr.write(line + '\n') }: { warn?: (line: string) => void } = {}): Promise<DevStack> {
  const bin = kirimBin();
  const quiet = createLogger({ fallback: 'warn' });
  let server: RunningServer | undefined;
  let gammu: GammuSmsdInstance | undefined;
  let gateway: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (gateway) await stopChild(gateway);
      await gammu?.stop();
      await server?.close();
    })());

  try {
    try {
      server = await startServer(config, { logger: quiet, holder: 'kirim dev' });
    } catch (err) {
      if (err instanceof DirLockedError) throw new DevUsageError(`data dir ${err.message}; stop it first, or pass another --data-dir`);
      if ((err as { code?: string }).code === 'EADDRINUSE') throw new DevUsageError(`port ${config.port} is already in use; pass --port`);
      throw err;
    }
    const credentials = await devCredentials(server.store, config.dataDir);

    const simState = join(config.dataDir, 'modem-sim');
    mkdirSync(simState, { recursive: true });
    gammu = startGammuSmsd({
      dir: join(config.dataDir, 'gammu'),
      modem: { kind: 'modem-sim', command: `${shellQuote(process.execPath)} ${shellQuote(bin)} modem-sim --auto-report --state ${shellQuote(simState)}` },
    });

    gateway = spawn(process.execPath, [bin, 'gateway', '--server', server.url, '--token', credentials.gatewayToken, '--smsdrc', gammu.smsdrc], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, KIRIM_LOG_LEVEL: process.env.KIRIM_LOG_LEVEL ?? 'warn' },
    });
    gateway.stderr!.pipe(process.stderr);
    gateway.once('exit', (code, signal) => {
      if (!stopping) warn(`kirim dev: the gateway stopped (${signal ?? `exit ${code}`}); see the messages above`);
    });
    const g = gammu;
    gammu.process.once('exit', (code, signal) => {
      if (!stopping) warn(`kirim dev: gammu-smsd stopped (${signal ?? `exit ${code}`}); its log: ${g.logfile}`);
    });

    const running = { server, credentials, gammu, gateway, simState };
    return {
      ...running,
      banner: () => [
        `API key: ${credentials.apiKey}`,
        `API: ${running.server.url}/v1`,
        `Docs: ${running.server.url}/docs`,
        `Mailbox: ${join(config.dataDir, 'mailbox')}`,
        `Handsets: kirim modem-sim inbox --state ${simState}`,
        `gammu-smsd: ${running.gammu.smsdrc}`,
      ],
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Runs the stack until SIGTERM or SIGINT, printing the banner once ready. */
export async function runDev(config: ServerConfig, { out = (text: string) => void process.stdout.write(text) }: { out?: (text: string) => void } = {}): Promise<void> {
  const stack = await startDevStack(config);
  try {
    out(stack.banner().join('\n') + '\n');
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        done();
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
  } finally {
    await stack.stop();
  }
}
