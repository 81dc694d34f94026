/**
 * Entry of dist/kirim-gateway.js, the gateway as one JavaScript file for a
 * Raspberry Pi (Node 18+, no native module): `node kirim-gateway.js` takes
 * the same flags and environment as `kirim gateway`, plus `doctor`.
 */
import { Command, CommanderError, Option } from 'commander';
import { addAgentOptions, doctorMain, runAgent, GatewayUsageError, GATEWAY_VERSION, type GatewayFlags } from './run.js';

/** Runs the standalone gateway CLI; sets process.exitCode (0, 1 user error, 2 fault). */
export async function standaloneMain(argv: string[]): Promise<void> {
  const program = addAgentOptions(new Command('kirim-gateway'))
    .description('Kirim edge agent beside gammu-smsd')
    .version(GATEWAY_VERSION)
    .exitOverride()
    .action(async (flags: GatewayFlags) => runAgent(flags));
  program.configureOutput({ outputError: (str, write) => write(str.split('\n').find((l) => l.trim()) + '\n') });
  program.addCommand(
    new Command('doctor')
      .description('Check a gammu-smsd config for problems that break delivery')
      .addOption(new Option('--smsdrc <file>', 'gammu-smsd config file').env('KIRIM_SMSDRC'))
      .exitOverride()
      // The parent command also has --smsdrc and may have taken it.
      .action(async (_flags: unknown, self: Command) => {
        process.exitCode = await doctorMain(self.optsWithGlobals<{ smsdrc?: string }>().smsdrc);
      }),
  );
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 1;
    } else if (err instanceof GatewayUsageError) {
      process.stderr.write(`kirim-gateway: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`kirim-gateway: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    }
  }
}

await standaloneMain(process.argv);
