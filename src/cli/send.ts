import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEV_CREDENTIALS_FILE } from '../dev/credentials.js';
import { UserError } from './errors.js';

/** True when `url` names this machine (where `kirim dev` runs). */
function isLoopback(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The API key `kirim dev` saved in <data-dir>/dev-credentials.json, so that
 * `kirim send` works beside a development stack without copying its key.
 * Undefined when there is no such file; a file that is there but unreadable
 * or without a key is a user error naming it.
 */
function devApiKey(dataDir: string): string | undefined {
  const file = join(resolve(dataDir), DEV_CREDENTIALS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let key: unknown;
  try {
    key = (JSON.parse(text) as { apiKey?: unknown }).apiKey;
  } catch {
    key = undefined;
  }
  if (typeof key !== 'string' || !key) throw new UserError(`${file} holds no apiKey; delete it and run \`kirim dev\` again, or pass --api-key`);
  return key;
}

/** `kirim send --to TO --text TEXT [--channel sms|email]`: sends a message through a running server; prints its id. */
export function sendCommand(): Command {
  return new Command('send')
    .description('Send a plain message through a running Kirim server')
    .requiredOption('--to <to>', 'phone number (081234567890 or +6281234567890) or email address')
    .requiredOption('--text <text>', 'the message text')
    .addOption(new Option('--channel <channel>', 'sms or email (default: email when --to has an @, else sms)').choices(['sms', 'email']))
    .option('--subject <subject>', 'email subject')
    .addOption(new Option('--priority <priority>', 'queue priority').choices(['high', 'normal', 'low']))
    .option('--server <url>', 'server URL (env KIRIM_SERVER, default http://127.0.0.1:8080)')
    .option('--api-key <key>', 'API key (env KIRIM_API_KEY; default for a server on this machine: the key `kirim dev` saved in <data-dir>/dev-credentials.json)')
    .option('--data-dir <dir>', 'where `kirim dev` keeps dev-credentials.json (env KIRIM_DATA_DIR, default ./data)')
    .action(async (flags) => {
      // An empty variable (`KIRIM_SERVER= kirim send ...`) counts as unset, as in most tools.
      const env = (name: string) => process.env[name] || undefined;
      const server = (flags.server ?? env('KIRIM_SERVER') ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
      const dataDir: string = flags.dataDir ?? env('KIRIM_DATA_DIR') ?? './data';
      if (!/^https?:\/\//.test(server)) throw new UserError(`--server ${server}: expected an http:// or https:// URL`);
      // The development key belongs to the stack on this machine: it is
      // never sent to a server elsewhere that a KIRIM_SERVER happens to name.
      const local = isLoopback(server);
      const apiKey = flags.apiKey ?? env('KIRIM_API_KEY') ?? (local ? devApiKey(dataDir) : undefined);
      if (!apiKey) {
        throw new UserError(
          local
            ? `no API key: pass --api-key or set KIRIM_API_KEY (create one with \`kirim keys create --name NAME\`), or run \`kirim dev\` (it saves its key in ${join(dataDir, DEV_CREDENTIALS_FILE)})`
            : `no API key: pass --api-key or set KIRIM_API_KEY (create one on that server with \`kirim keys create --name NAME\`)`,
        );
      }
      const channel = flags.channel ?? (String(flags.to).includes('@') ? 'email' : 'sms');
      const body = { to: flags.to, channel, text: flags.text, ...(flags.subject ? { subject: flags.subject } : {}), ...(flags.priority ? { priority: flags.priority } : {}) };
      let res: Response;
      try {
        res = await fetch(`${server}/v1/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
      } catch (err) {
        throw new UserError(`cannot reach ${server}: ${(err as Error).cause ? String((err as { cause: { message?: string } }).cause.message) : (err as Error).message}`);
      }
      const answer = (await res.json().catch(() => ({}))) as { id?: string; detail?: string; code?: string };
      if (!res.ok) throw new UserError(`server refused (${res.status} ${answer.code ?? ''}): ${answer.detail ?? res.statusText}`);
      process.stdout.write(`${answer.id}\n`);
    });
}
