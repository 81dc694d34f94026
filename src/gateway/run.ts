/**
 * Option handling and the process-level run loop shared by `kirim gateway`
 * and the standalone bundle (dist/kirim-gateway.js): flags, their
 * environment variables, one agent per state dir and outbox, and clean shutdown on
 * SIGTERM/SIGINT/SIGHUP or, under `kirim dev`, its parent's death.
 */
import { existsSync, fstatSync, mkdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { DEFAULT_SPOOL_TARGET, GatewayAgent, GATEWAY_VERSION } from './agent.js';
import { readSmsdConfig, SmsdConfigError, spoolDirs } from './smsdrc.js';
import { daemonsServing, twoDaemonsProblem } from './gammu-processes.js';
import { createLogger } from './logger.js';
import { runDoctor } from './doctor.js';
import { DirLockedError, lockDir, type DirLock } from '../lock/dir-lock.js';

/** A mistake the user can fix; the caller prints it on one line and exits 1. */
export class GatewayUsageError extends Error {
  override name = 'GatewayUsageError';
}

export interface GatewayFlags {
  server?: string;
  token?: string;
  smsdrc?: string;
  stateDir?: string;
  maxAttempts?: string;
  stuckSeconds?: string;
  expiryMargin?: string;
  spoolTarget?: string;
}

/** One flag of the agent: `--flag <arg>`, its environment variable, its help line. */
export interface AgentOption {
  flag: string;
  key: keyof GatewayFlags;
  arg: string;
  env: string;
  help: string;
  default?: string;
}

/**
 * The agent's flags as data, so `kirim gateway` (commander, src/cli/gateway.ts)
 * and the standalone bundle (node:util parseArgs, standalone.ts) offer the
 * same flags without the bundle carrying a CLI library.
 */
export const AGENT_OPTIONS: readonly AgentOption[] = [
  { flag: 'server', key: 'server', arg: 'url', env: 'KIRIM_SERVER', help: 'URL of kirim server' },
  { flag: 'token', key: 'token', arg: 'token', env: 'KIRIM_GATEWAY_TOKEN', help: 'gateway token (from `kirim gateways create`)' },
  { flag: 'smsdrc', key: 'smsdrc', arg: 'file', env: 'KIRIM_SMSDRC', help: 'gammu-smsd config file' },
  { flag: 'state-dir', key: 'stateDir', arg: 'dir', env: 'KIRIM_GATEWAY_STATE_DIR', help: 'local state folder (default: kirim-gateway/ beside the outbox)' },
  { flag: 'max-attempts', key: 'maxAttempts', arg: 'n', env: 'KIRIM_GATEWAY_MAX_ATTEMPTS', help: 'failed sends of one file before it is moved to error/', default: '3' },
  { flag: 'stuck-seconds', key: 'stuckSeconds', arg: 'n', env: 'KIRIM_GATEWAY_STUCK_SECONDS', help: 'seconds the head of the outbox may wait while gammu-smsd runs and the modem is healthy', default: '180' },
  { flag: 'expiry-margin', key: 'expiryMargin', arg: 'seconds', env: 'KIRIM_GATEWAY_EXPIRY_MARGIN', help: 'seconds before its expiry a message is no longer handed to gammu (gammu needs a few seconds from taking a file to the modem sending it)', default: '10' },
  {
    flag: 'spool-target',
    key: 'spoolTarget',
    arg: 'n',
    env: 'KIRIM_GATEWAY_SPOOL_TARGET',
    help: 'most unsent messages to hold in the outbox; more wait at the server for other modems (1-100)',
    default: String(DEFAULT_SPOOL_TARGET),
  },
];

/** A flag's default: AGENT_OPTIONS is the only place that states it. */
function defaultOf(key: keyof GatewayFlags): string | undefined {
  return AGENT_OPTIONS.find((o) => o.key === key)?.default;
}

function positiveInt(name: string, value: string | undefined, max?: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new GatewayUsageError(`--${name} must be a positive whole number, not "${value}"`);
  if (max !== undefined && n > max) throw new GatewayUsageError(`--${name} must be at most ${max}, not ${n}`);
  return n;
}

function wholeSeconds(name: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 3600) throw new GatewayUsageError(`--${name} must be a whole number of seconds from 0 to 3600, not "${value}"`);
  return n;
}
/** The protocol's largest lease (LeaseRequest.max). */
const MAX_SPOOL_TARGET = 100;

/** Runs the agent until SIGTERM/SIGINT. Throws {@link GatewayUsageError} for bad flags or config. */
export async function runAgent(flags: GatewayFlags): Promise<void> {
  if (!flags.server) throw new GatewayUsageError('--server (or KIRIM_SERVER) is required');
  if (!flags.token) throw new GatewayUsageError('--token (or KIRIM_GATEWAY_TOKEN) is required');
  if (!flags.smsdrc) throw new GatewayUsageError('--smsdrc (or KIRIM_SMSDRC) is required');
  let url: URL;
  try {
    url = new URL(flags.server);
  } catch {
    throw new GatewayUsageError(`--server "${flags.server}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new GatewayUsageError(`--server must be an http(s) URL`);
  const logger = createLogger();
  // Listen before starting: a stop asked for during the start (or the
  // moment "gateway started" is logged) must still end in a clean stop.
  const stopRequest = whenStopRequested();
  let agent: GatewayAgent;
  const locks: DirLock[] = [];
  const release = () => Promise.all(locks.map((l) => l.release()));
  try {
    agent = new GatewayAgent({
      server: flags.server,
      token: flags.token,
      smsdrc: flags.smsdrc,
      logger,
      maxAttempts: positiveInt('max-attempts', flags.maxAttempts ?? defaultOf('maxAttempts')),
      stuckSeconds: positiveInt('stuck-seconds', flags.stuckSeconds ?? defaultOf('stuckSeconds')),
      expiryMarginSeconds: wholeSeconds('expiry-margin', flags.expiryMargin ?? defaultOf('expiryMargin')),
      spoolTarget: positiveInt('spool-target', flags.spoolTarget ?? defaultOf('spoolTarget'), MAX_SPOOL_TARGET),
      ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
    });
    // Two agents on one state dir would both spool every leased message.
    mkdirSync(agent.stateDir, { recursive: true });
    locks.push(await lockDir(agent.stateDir, 'kirim gateway'));
    // Two agents on one outbox (each with its own state dir) would each
    // take the other's sent/ and error/ files for foreign ones.
    const outbox = spoolDirs(readSmsdConfig(flags.smsdrc)).outbox;
    if (existsSync(outbox)) {
      try {
        locks.push(await lockDir(outbox, 'kirim gateway'));
      } catch (err) {
        if (err instanceof DirLockedError) throw new GatewayUsageError(`outbox ${err.message}, with another state dir; one gateway per gammu-smsd: stop that one first`);
        throw err;
      }
    }
    // Two gammu-smsd on one outbox both take its files: every SMS twice.
    const daemons = daemonsServing(outbox);
    if (daemons.length > 1) throw new GatewayUsageError(twoDaemonsProblem(outbox, daemons));
    await agent.start();
  } catch (err) {
    stopRequest.dispose();
    await release();
    if (err instanceof DirLockedError) throw new GatewayUsageError(`state dir ${err.message}; stop it first (e.g. systemctl stop kirim-gateway), or pass another --state-dir`);
    if (err instanceof SmsdConfigError || (err instanceof Error && /spool folder/.test(err.message))) {
      throw new GatewayUsageError(err.message);
    }
    throw err;
  }
  logger.info({ reason: await stopRequest.promise }, 'stopping');
  stopRequest.dispose();
  await agent.stop();
  await release();
}

/** True when `fd` is an open socket, as `kirim dev` passes (a stdio "pipe" is a socket pair); not one of Node's own descriptors. */
function isSocketFd(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return st.isSocket();
  } catch {
    return false;
  }
}

/**
 * Resolves with the reason once the agent should stop: SIGTERM, SIGINT,
 * SIGHUP (a closed terminal), or — when started by `kirim dev`, which passes
 * the descriptor number in KIRIM_LIFELINE_FD — the end of a pipe whose other
 * end only the parent holds: the kernel closes it when the parent dies in
 * any way, SIGKILL included, so the agent never outlives it.
 */
function whenStopRequested(): { promise: Promise<string>; dispose(): void } {
  let done!: (reason: string) => void;
  const promise = new Promise<string>((resolve) => (done = resolve));
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
  const onSignal = (sig: NodeJS.Signals) => done(sig);
  for (const sig of signals) process.on(sig, onSignal);
  const fd = Number(process.env.KIRIM_LIFELINE_FD);
  // Not for whatever this process may start.
  delete process.env.KIRIM_LIFELINE_FD;
  let lifeline: Socket | undefined;
  if (Number.isInteger(fd) && fd > 2 && isSocketFd(fd)) {
    try {
      lifeline = new Socket({ fd, readable: true, writable: false });
      lifeline.on('data', () => {});
      lifeline.on('error', () => done('parent gone'));
      lifeline.on('close', () => done('parent gone'));
      lifeline.unref();
    } catch {
      // Unusable: signals only.
    }
  }
  return {
    promise,
    dispose() {
      for (const sig of signals) process.off(sig, onSignal);
      lifeline?.destroy();
    },
  };
}

/** Runs the doctor and prints its findings; returns the exit code (0 fine, 1 problems). */
export async function doctorMain(smsdrc: string | undefined, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  if (!smsdrc) throw new GatewayUsageError('--smsdrc (or KIRIM_SMSDRC) is required');
  const problems = await runDoctor(smsdrc);
  if (problems.length === 0) {
    out(`${smsdrc}: no problems found`);
    return 0;
  }
  for (const p of problems) out(`${p.problem} Fix: ${p.fix}`);
  return 1;
}

export { GATEWAY_VERSION };
