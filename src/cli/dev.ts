import { Command } from 'commander';
import { gammuSmsdInstalled } from '../dev/gammu-smsd.js';
import { DevUsageError, runDev } from '../dev/stack.js';
import { UserError } from './errors.js';
import { configFrom, withServerOptions } from './shared-options.js';

/** `kirim dev`: server (SQLite) + gateway + real gammu-smsd driving `kirim modem-sim`, on localhost (src/dev/stack.ts). */
export function devCommand(): Command {
  return withServerOptions(new Command('dev').description('Run the whole stack on this machine: server, gateway, gammu-smsd with a simulated modem, development mailbox'), { listen: true }).action(
    async (flags) => {
      if (!gammuSmsdInstalled()) {
        throw new UserError('gammu-smsd is not installed; install it with: sudo apt-get install -y gammu-smsd (Debian/Ubuntu/Raspberry Pi OS)');
      }
      try {
        await runDev(configFrom(flags));
      } catch (err) {
        if (err instanceof DevUsageError) throw new UserError(err.message);
        throw err;
      }
    },
  );
}
