import { Command, Option } from 'commander';
import { UserError } from './errors.js';
import { AGENT_OPTIONS, doctorMain, runAgent, GatewayUsageError, type GatewayFlags } from '../gateway/run.js';

/**
 * `kirim gateway` (the edge agent beside gammu-smsd) and
 * `kirim gateway doctor` (checks a gammu-smsd config).
 */
export function gatewayCommand(): Command {
  const cmd = new Command('gateway').description('Run the edge agent beside gammu-smsd: spool leased messages, report their fate, forward received SMS');
  for (const o of AGENT_OPTIONS) {
    const opt = new Option(`--${o.flag} <${o.arg}>`, o.help).env(o.env);
    cmd.addOption(o.default !== undefined ? opt.default(o.default) : opt);
  }
  cmd.action(async (flags: GatewayFlags) => {
    await asUserError(() => runAgent(flags));
  });
  cmd.addCommand(
    new Command('doctor')
      .description('Check a gammu-smsd config for problems that break delivery (exit 0 when fine, 1 with one line per problem)')
      .addOption(new Option('--smsdrc <file>', 'gammu-smsd config file').env('KIRIM_SMSDRC'))
      // The parent command also has --smsdrc and may have taken it.
      .action(async (_flags: unknown, self: Command) => {
        const { smsdrc } = self.optsWithGlobals<{ smsdrc?: string }>();
        const code = await asUserError(() => doctorMain(smsdrc));
        if (code !== 0) process.exitCode = code;
      }),
  );
  return cmd;
}

async function asUserError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GatewayUsageError) throw new UserError(err.message);
    throw err;
  }
}
