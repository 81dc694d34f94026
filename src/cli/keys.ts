import { Command } from 'commander';
import { ApiScope } from '../protocol/api.js';
import { createApiKey } from '../server/credentials.js';
import { iso } from '../protocol/time.js';
import type { ApiKeyRow } from '../server/store/index.js';
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
 * `kirim keys list [--json]`: every key with its prefix (never the key).
 * `kirim keys revoke ID`: the next API call with that key gets 401 (keys are
 * looked up in the store on every request, so no server restart is needed).
 * The dashboard's API keys page does the same three things.
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
  keys.addCommand(
    withServerOptions(new Command('list').description('List API keys: id, name, prefix, scopes, created, revoked (never the key itself)'))
      .option('--json', 'print the list as JSON')
      .action(async (flags) => {
        const rows = await withStore(flags, (store) => store.listApiKeys());
        const list = rows.map(describeKey);
        if (flags.json) {
          process.stdout.write(JSON.stringify({ data: list }, null, 2) + '\n');
          return;
        }
        if (list.length === 0) process.stderr.write('no API keys yet: create one with `kirim keys create --name NAME`\n');
        for (const k of list) {
          process.stdout.write([k.id, k.name, `${k.prefix}…`, k.scopes.join(',') || '-', k.created_at, k.revoked_at ? `revoked ${k.revoked_at}` : 'active'].join('\t') + '\n');
        }
      }),
  );
  keys.addCommand(
    withServerOptions(new Command('revoke').description('Revoke an API key at once: its next API call gets 401'))
      .argument('<id>', 'the key id, as `kirim keys list` shows it')
      .action(async (id: string, flags) => {
        const row = await withStore(flags, (store) => store.revokeApiKey(id, Date.now()));
        if (!row) throw new UserError(`no API key with id ${JSON.stringify(id)}; see kirim keys list`);
        process.stdout.write(`revoked ${row.id} (${row.name}) at ${iso(row.revoked_at!)}\n`);
      }),
  );
  return keys;
}

/** A key as `kirim keys list` prints it: never the key or its hash. */
function describeKey(k: ApiKeyRow) {
  return { id: k.id, name: k.name, prefix: k.prefix, scopes: k.scopes.split(' ').filter(Boolean), created_at: iso(k.created_at), revoked_at: k.revoked_at === null ? null : iso(k.revoked_at) };
}
