import { Command } from 'commander';
import { ApiScope, DEFAULT_API_SCOPES } from '../protocol/api.js';
import { scopesOf } from '../server/auth.js';
import { createApiKey, rotateApiKey } from '../server/credentials.js';
import { iso } from '../protocol/time.js';
import type { ApiKeyRow } from '../server/store/index.js';
import { UserError } from './errors.js';
import { withServerOptions, withStore } from './shared-options.js';
import { keySettingsCommand } from './key-settings.js';

/** Validates a --name value for keys and gateways. */
export function checkName(name: string): string {
  if (!/^[\p{L}\p{N} ._-]{1,64}$/u.test(name)) throw new UserError(`--name ${JSON.stringify(name)}: use 1-64 letters, digits, spaces, dots, dashes or underscores`);
  return name;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * The scopes asked for: `--scope` (repeatable, or comma-separated) gives
 * exactly those; none gives the default scopes (verify, messages,
 * webhooks); `--admin` adds `admin` to either (alone it keeps its old
 * meaning: the application API plus the gateways).
 */
export function checkScopes(flags: { scope?: string[]; admin?: boolean }): ApiScope[] {
  const asked = (flags.scope ?? []).flatMap((raw) => raw.split(','));
  const scopes = new Set<ApiScope>(asked.length === 0 ? DEFAULT_API_SCOPES : []);
  for (const raw of asked) {
    const s = ApiScope.safeParse(raw.trim());
    if (!s.success) throw new UserError(`--scope ${JSON.stringify(raw)}: unknown scope; known: ${ApiScope.options.join(', ')}`);
    scopes.add(s.data);
  }
  if (flags.admin) scopes.add('admin');
  return [...scopes];
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The expiry asked for with --expires-in (e.g. 90m, 12h, 30d, 8w) or --expires-at (ISO 8601, in the future); null when neither. */
export function checkExpiry(flags: { expiresIn?: string; expiresAt?: string }, now: number): number | null {
  if (flags.expiresIn !== undefined && flags.expiresAt !== undefined) throw new UserError('give --expires-in or --expires-at, not both');
  if (flags.expiresIn !== undefined) {
    const m = /^([1-9][0-9]{0,5})([mhdw])$/.exec(flags.expiresIn.trim());
    if (!m) throw new UserError(`--expires-in ${JSON.stringify(flags.expiresIn)}: expected a number and a unit, m h d or w (e.g. 30d)`);
    return now + Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  if (flags.expiresAt !== undefined) {
    const at = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(flags.expiresAt.trim()) ? Date.parse(flags.expiresAt.trim()) : NaN;
    if (Number.isNaN(at)) throw new UserError(`--expires-at ${JSON.stringify(flags.expiresAt)}: expected an ISO 8601 time such as 2027-01-31T00:00:00Z`);
    if (at <= now) throw new UserError(`--expires-at ${flags.expiresAt}: that time has passed`);
    return at;
  }
  return null;
}

/**
 * `kirim keys create --name NAME [--scope S,...] [--admin] [--expires-in 30d | --expires-at ISO]`:
 * prints a new API key once; only its hash is stored. Without --scope it
 * gets the default scopes (verify, messages, webhooks); `admin` also opens
 * the gateways (docs/security.md, "Tenants and scopes").
 * `kirim keys list [--json]`: every key with its prefix (never the key), scopes and expiry.
 * `kirim keys revoke ID`: the next API call with that key gets 401 (keys are
 * looked up in the store on every request, so no server restart is needed).
 * `kirim keys rotate ID`: prints a new value for the key (same id, scopes,
 * expiry and data); the old value gets 401 from its next call.
 * `kirim keys settings ID`: the key's OTP settings (key-settings.ts).
 * The dashboard's API keys page lists, creates and revokes keys too.
 */
export function keysCommand(): Command {
  const keys = new Command('keys').description('Manage application API keys');
  keys.addCommand(
    withServerOptions(new Command('create').description('Create an API key and print it (shown once)'))
      .requiredOption('--name <name>', 'a name to tell the key apart')
      .option('--scope <scopes>', `what the key may do: ${ApiScope.options.join(', ')}; comma-separated or repeated (default: ${DEFAULT_API_SCOPES.join(',')})`, collect)
      .option('--admin', 'add the admin scope (the gateways: list, revoke, rotate; gateway events)')
      .option('--expires-in <duration>', 'refuse the key after this long: a number and m, h, d or w (e.g. 30d)')
      .option('--expires-at <time>', 'refuse the key from this time (ISO 8601, e.g. 2027-01-31T00:00:00Z)')
      .action(async (flags) => {
        const name = checkName(flags.name);
        const scopes = checkScopes(flags);
        const expiresAt = checkExpiry(flags, Date.now());
        const { key } = await withStore(flags, (store) => createApiKey(store, name, { scopes, expiresAt }));
        process.stdout.write(`${key}\n`);
      }),
  );
  keys.addCommand(
    withServerOptions(new Command('list').description('List API keys: id, name, prefix, scopes, created, state (active, expires, expired, revoked; never the key itself)'))
      .option('--json', 'print the list as JSON')
      .action(async (flags) => {
        const rows = await withStore(flags, (store) => store.listApiKeys());
        const list = rows.map(describeKey);
        if (flags.json) {
          process.stdout.write(JSON.stringify({ data: list }, null, 2) + '\n');
          return;
        }
        if (list.length === 0) process.stderr.write('no API keys yet: create one with `kirim keys create --name NAME`\n');
        const now = Date.now();
        for (const k of list) {
          const state = k.revoked_at ? `revoked ${k.revoked_at}` : k.expires_at === null ? 'active' : Date.parse(k.expires_at) <= now ? `expired ${k.expires_at}` : `active, expires ${k.expires_at}`;
          process.stdout.write([k.id, k.name, `${k.prefix}…`, k.scopes.join(','), k.created_at, state].join('\t') + '\n');
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
  keys.addCommand(
    withServerOptions(new Command('rotate').description('Print a new value for an API key (shown once); the old value gets 401 from its next call'))
      .argument('<id>', 'the key id, as `kirim keys list` shows it')
      .action(async (id: string, flags) => {
        const rotated = await withStore(flags, (store) => rotateApiKey(store, id));
        if (!rotated) throw new UserError(`no active API key with id ${JSON.stringify(id)}; see kirim keys list`);
        process.stdout.write(`${rotated.key}\n`);
      }),
  );
  keys.addCommand(keySettingsCommand());
  return keys;
}

/** A key as `kirim keys list` prints it: never the key or its hash. */
function describeKey(k: ApiKeyRow) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: scopesOf(k),
    created_at: iso(k.created_at),
    revoked_at: k.revoked_at === null ? null : iso(k.revoked_at),
    expires_at: k.expires_at === null ? null : iso(k.expires_at),
  };
}
