import { Command } from 'commander';
import { createApiKey } from '../server/credentials.js';
import { UserError } from './errors.js';
import { withServerOptions, withStore } from './shared-options.js';

/** Validates a --name value for keys and gateways. */
export function checkName(name: string): string {
  if (!/^[\p{L}\p{N} ._-]{1,64}$/u.test(name)) throw new UserError(`--name ${JSON.stringify(name)}: use 1-64 letters, digits, spaces, dots, dashes or underscores`);
  return name;
}

/** `kirim keys create --name NAME`: prints a new API key once; only its hash is stored. */
export function keysCommand(): Command {
  const keys = new Command('keys').description('Manage application API keys');
  keys.addCommand(
    withServerOptions(new Command('create').description('Create an API key and print it (shown once)'))
      .requiredOption('--name <name>', 'a name to tell the key apart')
      .action(async (flags) => {
        const name = checkName(flags.name);
        const { key } = await withStore(flags, (store) => createApiKey(store, name));
        process.stdout.write(`${key}\n`);
      }),
  );
  return keys;
}
