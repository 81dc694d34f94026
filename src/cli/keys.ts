import { Command } from 'commander';
import { ApiScope } from '../protocol/api.js';
import { createApiKey } from '../server/credentials.js';
import { UserError } from './errors.js';
import { withServerOptions, withStore } from './shared-options.js';

/** Validates a --name value for keys and gateways. */
export function checkName(name: string): string {
  if (!/^[\p{L}\p{N} ._-]{1,64}$/u.test(name)) throw new UserError(`--name ${JSON.stringify(name)}: use 1-64 letters, digits, spaces, dots, dashes or underscores`);
  return name;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The scopes asked for with --scope (repeatable) and --admin. */
export function checkScopes(flags: { scope?: string[]; admin?: boolean }): ApiScope[] {
  const scopes = new Set<ApiScope>(flags.admin ? ['admin'] : []);
  for (const raw of flags.scope ?? []) {
    const s = ApiScope.safeParse(raw.trim());
    if (!s.success) throw new UserError(`--scope ${JSON.stringify(raw)}: unknown scope; known: ${ApiScope.options.join(', ')}`);
    scopes.add(s.data);
  }
  return [...scopes];
}

/**
 * `kirim keys create --name NAME [--admin | --scope admin]`: prints a new API
 * key once; only its hash is stored. Without a scope it is a plain
 * application key; `admin` also opens GET /v1/gateways.
 */
export function keysCommand(): Command {
  const keys = new Command('keys').description('Manage application API keys');
  keys.addCommand(
    withServerOptions(new Command('create').description('Create an API key and print it (shown once)'))
      .requiredOption('--name <name>', 'a name to tell the key apart')
      .option('--admin', 'also let the key read the gateways (GET /v1/gateways); same as --scope admin')
      .option('--scope <scope>', `a scope beyond the application API (${ApiScope.options.join(', ')}); repeatable`, collect)
      .action(async (flags) => {
        const name = checkName(flags.name);
        const scopes = checkScopes(flags);
        const { key } = await withStore(flags, (store) => createApiKey(store, name, { scopes }));
        process.stdout.write(`${key}\n`);
      }),
  );
  return keys;
}
