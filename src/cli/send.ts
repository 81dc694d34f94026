import { Command, Option } from 'commander';
import { UserError } from './errors.js';

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
    .option('--api-key <key>', 'API key (env KIRIM_API_KEY)')
    .action(async (flags) => {
      const server = (flags.server ?? process.env.KIRIM_SERVER ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
      const apiKey = flags.apiKey ?? process.env.KIRIM_API_KEY;
      if (!apiKey) throw new UserError('no API key: pass --api-key or set KIRIM_API_KEY (create one with `kirim keys create --name NAME`)');
      if (!/^https?:\/\//.test(server)) throw new UserError(`--server ${server}: expected an http:// or https:// URL`);
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
