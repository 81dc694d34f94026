/**
 * Option handling and the process-level run loop shared by `kirim gateway`
 * and the standalone bundle (dist/kirim-gateway.js): flags, their
 * environment variables, and clean shutdown on SIGTERM/SIGINT.
 */
import { GatewayAgent, GATEWAY_VERSION } from './agent.js';
import { SmsdConfigError } from './smsdrc.js';
import { createLogger } from './logger.js';
import { runDoctor } from './doctor.js';

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
  { flag: 'stuck-seconds', key: 'stuckSeconds', arg: 'n', env: 'KIRIM_GATEWAY_STUCK_SECONDS', help: 'seconds the head of the outbox may wait while the modem is healthy', default: '180' },
];

/** A flag's default: AGENT_OPTIONS is the only place that states it. */
function defaultOf(key: keyof GatewayFlags): string | undefined {
  return AGENT_OPTIONS.find((o) => o.key === key)?.default;
}

function positiveInt(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new GatewayUsageError(`--${name} must be a positive whole number, not "${value}"`);
  return n;
}

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
  let agent: GatewayAgent;
  try {
    agent = new GatewayAgent({
      server: flags.server,
      token: flags.token,
      smsdrc: flags.smsdrc,
      logger,
      maxAttempts: positiveInt('max-attempts', flags.maxAttempts ?? defaultOf('maxAttempts')),
      stuckSeconds: positiveInt('stuck-seconds', flags.stuckSeconds ?? defaultOf('stuckSeconds')),
      ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
    });
    await agent.start();
  } catch (err) {
    if (err instanceof SmsdConfigError || (err instanceof Error && /spool folder/.test(err.message))) {
      throw new GatewayUsageError(err.message);
    }
    throw err;
  }
  await new Promise<void>((resolve) => {
    const onSignal = (sig: string) => {
      logger.info({ signal: sig }, 'stopping');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await agent.stop();
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
