/**
 * Option handling and the process-level run loop shared by `kirim gateway`
 * and the standalone bundle (dist/kirim-gateway.js): flags, their
 * environment variables, and clean shutdown on SIGTERM/SIGINT.
 */
import { Command, Option } from 'commander';
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

/** Adds the agent's flags (each with its environment variable) to a command. */
export function addAgentOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--server <url>', 'URL of kirim server').env('KIRIM_SERVER'))
    .addOption(new Option('--token <token>', 'gateway token (from `kirim gateways create`)').env('KIRIM_GATEWAY_TOKEN'))
    .addOption(new Option('--smsdrc <file>', 'gammu-smsd config file').env('KIRIM_SMSDRC'))
    .addOption(new Option('--state-dir <dir>', 'local state folder (default: kirim-gateway/ beside the outbox)').env('KIRIM_GATEWAY_STATE_DIR'))
    .addOption(new Option('--max-attempts <n>', 'failed sends of one file before it is moved to error/').env('KIRIM_GATEWAY_MAX_ATTEMPTS').default('3'))
    .addOption(
      new Option('--stuck-seconds <n>', 'seconds the head of the outbox may wait while the modem is healthy').env('KIRIM_GATEWAY_STUCK_SECONDS').default('180'),
    );
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
      maxAttempts: positiveInt('max-attempts', flags.maxAttempts ?? '3'),
      stuckSeconds: positiveInt('stuck-seconds', flags.stuckSeconds ?? '180'),
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
