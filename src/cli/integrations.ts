/**
 * `kirim integrations create supabase --name NAME [--key-id ID] [--secret S] [--ttl-seconds N]`:
 * registers a Supabase project's Send SMS hook (docs/integrations/supabase.md)
 * and prints the hook's path and its secret (shown once; stored encrypted
 * under the server secret). Without --key-id the SMS go as a new key with
 * only the `send` scope; with it, as that key (its messages, budgets and
 * webhooks). Without --secret one is generated in Supabase's form.
 * `kirim integrations list [--json]`: id, kind, name, key id, state (never the secret).
 * `kirim integrations revoke ID`: the next hook call is refused (401).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Argument, Command, Option } from 'commander';
import { iso } from '../protocol/time.js';
import { loadSecret } from '../server/config.js';
import { createKeyring } from '../server/crypto.js';
import { ApiError } from '../server/errors.js';
import { createSupabaseIntegration, DEFAULT_TTL_SECONDS, SUPABASE_SECRET } from '../server/integrations/supabase.js';
import { UserError } from './errors.js';
import { checkName } from './keys.js';
import { configFrom, withServerOptions, withStore } from './shared-options.js';

export function integrationsCommand(): Command {
  const cmd = new Command('integrations').description('Connect sign-in systems that call Kirim with a secret of their own (Supabase)');
  cmd.addCommand(
    withServerOptions(new Command('create').description("Register a Supabase project's Send SMS hook; prints its path and secret (shown once)"))
      .addArgument(new Argument('<kind>', 'the system: supabase').choices(['supabase']))
      .requiredOption('--name <name>', 'a name to tell it apart')
      .option('--key-id <id>', 'send as this API key (see `kirim keys list`); default: a new key with only the send scope')
      .option('--secret <secret>', "the hook secret Supabase generated (v1,whsec_...); default: a new one to paste into Supabase")
      .addOption(new Option('--ttl-seconds <n>', "the code's lifetime in Supabase (Auth > Providers > Phone > OTP expiry): the SMS is never sent after it").default(String(DEFAULT_TTL_SECONDS)))
      .action(async (_kind: string, flags) => {
        const name = checkName(flags.name);
        const ttl = Number(flags.ttlSeconds);
        if (!Number.isInteger(ttl) || ttl < 30 || ttl > 86400) throw new UserError(`--ttl-seconds ${flags.ttlSeconds}: a whole number of seconds from 30 to 86400`);
        if (flags.secret !== undefined && !SUPABASE_SECRET.test(flags.secret)) throw new UserError('--secret: expected Supabase\'s form v1,whsec_<base64> (Auth > Hooks > Send SMS > Generate secret)');
        const config = configFrom(flags, { create: false });
        // The secret is sealed with the server's own secret: never make up a new one here.
        if (!process.env.KIRIM_SECRET && !existsSync(join(config.dataDir, 'secret'))) {
          throw new UserError(`no server secret in ${config.dataDir} and KIRIM_SECRET is unset: run this with the server's data dir or secret`);
        }
        const keyring = createKeyring(loadSecret(config.dataDir, process.env.KIRIM_SECRET), config.previousSecrets);
        const created = await withStore(flags, (store) =>
          createSupabaseIntegration({ store, keyring }, { name, ...(flags.keyId ? { apiKeyId: flags.keyId } : {}), ...(flags.secret ? { secret: flags.secret } : {}), ttlSeconds: ttl }).catch((err) => {
            throw err instanceof ApiError ? new UserError(err.detail) : err;
          }),
        );
        process.stdout.write(`path: /integrations/supabase/${created.id}/send-sms\nsecret: ${created.secret}\nkey: ${created.apiKeyId}\n`);
      }),
  );
  cmd.addCommand(
    withServerOptions(new Command('list').description('List integrations (never their secrets)'))
      .option('--json', 'print the list as JSON')
      .action(async (flags) => {
        const rows = (await withStore(flags, (store) => store.listIntegrations())).map((r) => ({
          id: r.id,
          kind: r.kind,
          name: r.name,
          key_id: r.api_key_id,
          created_at: iso(r.created_at),
          state: r.revoked_at === null ? 'active' : `revoked ${iso(r.revoked_at)}`,
        }));
        if (flags.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        else for (const r of rows) process.stdout.write(`${r.id}\t${r.kind}\t${r.name}\t${r.key_id}\t${r.created_at}\t${r.state}\n`);
      }),
  );
  cmd.addCommand(
    withServerOptions(new Command('revoke').description('Refuse an integration from its next call').argument('<id>'))
      .action(async (id: string, flags) => {
        if (!(await withStore(flags, (store) => store.revokeIntegration(id, Date.now())))) throw new UserError(`no active integration ${id}; see \`kirim integrations list\``);
        process.stdout.write(`revoked ${id}\n`);
      }),
  );
  return cmd;
}
