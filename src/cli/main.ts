import { Command, CommanderError } from 'commander';
import { UserError } from './errors.js';
import { commands } from './commands.js';
import { LogLevelError } from '../protocol/log.js';

/**
 * Builds the `kirim` program. Each command lives in its own file under
 * src/cli/ and is listed in commands.ts.
 */
export function buildProgram(): Command {
  const program = new Command('kirim')
    .description('Self-hosted OTP and message delivery by SMS (gammu-smsd) and email')
    .version('0.1.0')
    .showHelpAfterError(false)
    .exitOverride();
  program.configureOutput({
    // One clear line on stderr for every error.
    outputError: (str, write) => write(str.split('\n').find((l) => l.trim()) + '\n'),
  });
  for (const make of commands) {
    const cmd = make();
    cmd.exitOverride();
    program.addCommand(cmd);
  }
  return program;
}

/** Runs the CLI with the given argv and sets the exit code per the contract. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version end with code 0; everything else is a usage error.
    if (err.exitCode === 0) return 0;
    return 1;
  }
  if (err instanceof UserError || err instanceof LogLevelError) {
    process.stderr.write(`kirim: ${err.message}\n`);
    return 1;
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`kirim: unexpected error: ${message.split('\n')[0]}\n`);
  if (process.env.KIRIM_DEBUG) process.stderr.write(`${message}\n`);
  return 2;
}
