import { Command } from 'commander';
import { API_KEY_PREFIX } from '../server/auth.js';
import { generateToken, hashToken } from '../server/crypto.js';
import { newId } from '../server/ids.js';
import { openStore } from '../server/store/index.js';
import { UserError } from './errors.js';
import { configFrom, describeDbError, withServerOptions } from './shared-options.js';

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
        const config = configFrom(flags, { secret: false });
        const store = await openStore(config.db).catch((err) => {
          throw describeDbError(config.db, err);
        });
        try {
          const key = generateToken(API_KEY_PREFIX);
          await store.insertApiKey({ id: newId('key'), name, key_hash: hashToken(key), prefix: key.slice(0, 7), created_at: Date.now(), revoked_at: null });
          process.stdout.write(`${key}\n`);
        } finally {
          await store.close();
        }
      }),
  );
  return keys;
}
