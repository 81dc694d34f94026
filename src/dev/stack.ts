/**
 * `kirim dev`: the whole stack on one machine — the server (in this
 * process), a gateway, real gammu-smsd driving `kirim modem-sim` — started
 * in order, announced once ready, and stopped in reverse order.
 *
 * Promises: one `kirim dev` (or `kirim server`) per data dir, since a second
 * stack would send every SMS again (the server's data dir lock, taken
 * before anything starts); nothing it started outlives it, however it ends
 * (see runDev); the gateway token never appears in a command line; the
 * server's and gateway's logs are kept under <data-dir>/logs/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DirLockedError } from '../lock/dir-lock.js';
import { createLogger } from '../protocol/log.js';
import { startServer, type RunningServer } from '../server/server.js';
import type { ServerConfig } from '../server/config.js';
import { demoApp, type KirimConnection } from '../demo/plugin.js';
import { mailboxDir } from '../server/channels/email/mailbox.js';
import { DEV_OPERATOR, devCredentials, type DevCredentials } from './credentials.js';
import { devLog } from './logs.js';
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

/** What `kirim dev` lets webhooks reach when KIRIM_WEBHOOK_ALLOW_PRIVATE is unset: this machine. */
export const DEV_WEBHOOK_ALLOW_PRIVATE = ['127.0.0.0/8', '::1/128'];

/** Starts every part; on a failure part-way, stops what already runs and throws. */
export async function startDevStack(configIn: ServerConfig, { warn = (line: string) => void process.stderr.write(line + '\n') }: { warn?: (line: string) => void } = {}): Promise<DevStack> {
  const bin = kirimBin();
  const simState = join(configIn.dataDir, 'modem-sim');
  // The dashboard's phone and mailbox views read these folders. Developers
  // point webhooks at a receiver on their own machine: loopback is allowed
  // unless KIRIM_WEBHOOK_ALLOW_PRIVATE says otherwise.
  const webhookAllowPrivate = process.env.KIRIM_WEBHOOK_ALLOW_PRIVATE === undefined ? DEV_WEBHOOK_ALLOW_PRIVATE : configIn.webhookAllowPrivate;
  const config: ServerConfig = { ...configIn, webhookAllowPrivate, dev: { simState, mailboxDir: mailboxDir(configIn.dataDir) } };
  const logDir = join(config.dataDir, 'logs');
  const serverLog = devLog(logDir, 'server', warn);
  const gatewayLog = devLog(logDir, 'gateway', warn);
  const logger = createLogger({ destination: serverLog });
  let server: RunningServer | undefined;
  let gammu: GammuSmsdInstance | undefined;
  let gateway: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (gateway) await stopChild(gateway);
      await gammu?.stop();
      await server?.close();
      await serverLog.close();
      await gatewayLog.close();
    })());
  let connectDemo!: (c: KirimConnection) => void;
  const demoConnection = new Promise<KirimConnection>((resolve) => (connectDemo = resolve));

  try {
    try {
      // The demo application (src/demo) on the same listener, at /demo; it
      // gets the dev API key once the key exists, which needs the server's store.
      server = await startServer(config, { logger, holder: 'kirim dev', plugins: [demoApp({ dir: join(config.dataDir, 'demo'), kirim: demoConnection, ...(config.demoOrigin ? { webOrigin: config.demoOrigin } : {}) })] });
    } catch (err) {
      if (err instanceof DirLockedError) throw new DevUsageError(`data dir ${err.message}; stop it first, or pass another --data-dir`);
      if ((err as { code?: string }).code === 'EADDRINUSE') throw new DevUsageError(`port ${config.port} is already in use; pass --port`);
      throw err;
    }
    const credentials = await devCredentials(server.store, config.dataDir);
    connectDemo({ baseUrl: server.url, apiKey: credentials.apiKey });

    mkdirSync(simState, { recursive: true });
    gammu = startGammuSmsd({
      dir: join(config.dataDir, 'gammu'),
      modem: { kind: 'modem-sim', command: `${shellQuote(process.execPath)} ${shellQuote(bin)} modem-sim --auto-report --state ${shellQuote(simState)}` },
    });

    // The token goes by environment, not argv, which any user sees in `ps`.
    // Descriptor 3 is the gateway's lifeline (src/gateway/run.ts): only this
    // process holds the other end, so it closes when this process dies, even
    // by SIGKILL, and the gateway then stops itself.
    gateway = spawn(process.execPath, [bin, 'gateway', '--server', server.url, '--smsdrc', gammu.smsdrc], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      env: { ...process.env, KIRIM_GATEWAY_TOKEN: credentials.gatewayToken, KIRIM_LIFELINE_FD: '3' },
    });
    gatewayLog.follow(gateway.stderr!);
    gateway.once('exit', (code, signal) => {
      if (!stopping) warn(`kirim dev: the gateway stopped (${signal ?? `exit ${code}`}); its log: ${gatewayLog.file}`);
    });
    const g = gammu;
    if (!gammu.stopsWithParent) warn('kirim dev: setpriv (util-linux) is not installed, so gammu-smsd would outlive kirim dev if it were killed with SIGKILL');
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
        `Demo: ${running.server.url}/demo`,
        `Dashboard: ${running.server.url}/dashboard (login: ${DEV_OPERATOR} / ${credentials.operatorPassword})`,
        `Mailbox: ${join(config.dataDir, 'mailbox')}`,
        `Handsets: kirim modem-sim inbox --state ${simState}`,
        `gammu-smsd: ${running.gammu.smsdrc}`,
        `Logs: ${logDir} (server.log, gateway.log; warnings also show here; gammu-smsd's own: ${running.gammu.logfile})`,
        '',
        '# For kirim send and curl in another shell:',
        `export KIRIM_SERVER=${running.server.url} KIRIM_API_KEY=${credentials.apiKey}`,
      ],
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Runs the stack until it is told to stop, printing the banner once ready.
 * Every way this process can end stops the children first: SIGTERM, SIGINT,
 * SIGHUP (the terminal closed), an uncaught error, or its parent's death
 * (the parent PID changes). A SIGKILL cannot be caught: then the children
 * stop themselves (the gateway's lifeline, gammu-smsd's parent-death signal,
 * modem-sim's stdin closing with gammu-smsd).
 */
export async function runDev(config: ServerConfig, { out = (text: string) => void process.stdout.write(text) }: { out?: (text: string) => void } = {}): Promise<void> {
  // Listen before starting, so a stop during the start is not lost.
  const stopRequest = whenStopRequested();
  let stack: DevStack | undefined;
  const onFault = (err: unknown) => {
    process.stderr.write(`kirim dev: unexpected error: ${err instanceof Error ? err.message : String(err)}; stopping\n`);
    process.exitCode = 2;
    void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(2));
  };
  process.on('uncaughtException', onFault);
  process.on('unhandledRejection', onFault);
  try {
    stack = await startDevStack(config);
    out(stack.banner().join('\n') + '\n');
    await stopRequest.promise;
  } finally {
    stopRequest.dispose();
    await stack?.stop();
    process.off('uncaughtException', onFault);
    process.off('unhandledRejection', onFault);
  }
}

/** Resolves on SIGTERM, SIGINT, SIGHUP, or when this process's parent is gone. */
function whenStopRequested(): { promise: Promise<void>; dispose(): void } {
  let done!: () => void;
  const promise = new Promise<void>((resolve) => (done = resolve));
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
  const onSignal = () => done();
  for (const sig of signals) process.on(sig, onSignal);
  // Orphans are adopted by PID 1 or a subreaper: the parent PID changes.
  // Linux has no event for it that Node exposes; a cheap poll will do.
  const parent = process.ppid;
  const watch = setInterval(() => process.ppid !== parent && done(), 500);
  return {
    promise,
    dispose() {
      for (const sig of signals) process.off(sig, onSignal);
      clearInterval(watch);
    },
  };
}
