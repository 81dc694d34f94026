/**
 * `kirim keys settings ID [--web-origin URL|none] [--android-app-hash HASH|none]
 * [--default-locale id|en|none] [--sms-template LOCALE=TEXT] [--json]`:
 * shows an API key's OTP settings, or changes the ones named (the others
 * are kept) with the same checks as PUT /v1/settings (docs/otp-texts.md):
 * formats, then the composer check; a refusal is one line naming the
 * problem and the length, exit 1, and nothing is saved.
 */
import { Command } from 'commander';
import { Locale } from '../protocol/api.js';
import { PutAppSettingsBody } from '../protocol/settings.js';
import { createAppSettings } from '../server/app-settings.js';
import { ApiError } from '../server/errors.js';
import { UserError } from './errors.js';
import { configFrom, withServerOptions, withStore } from './shared-options.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];
/** `none` clears a setting. */
const orNull = (v: string) => (v === 'none' ? null : v);

export function keySettingsCommand(): Command {
  return withServerOptions(new Command('settings').description("Show or change an API key's OTP settings (web origin, Android app hash, default locale, SMS templates)"))
    .argument('<id>', 'the key id, as `kirim keys list` shows it')
    .option('--web-origin <origin>', 'https origin whose origin-bound line ends each OTP SMS (none: clear)')
    .option('--android-app-hash <hash>', "the Android app's 11-character SMS Retriever hash (none: clear)")
    .option('--default-locale <locale>', 'id or en, for verifications started without a locale (none: clear)')
    .option('--sms-template <locale=text>', 'an SMS template for a locale, e.g. en="{code} is your {app} code" (text none: the built-in one); repeatable', collect)
    .option('--json', 'print the settings as JSON')
    .action(async (id: string, flags) => {
      const config = configFrom(flags, { create: false });
      const out = await withStore(flags, async (store) => {
        if (!(await store.getApiKey(id))) throw new UserError(`no API key with id ${JSON.stringify(id)}; see kirim keys list`);
        const service = createAppSettings({ store, config });
        const current = await service.get(id);
        const changing = flags.webOrigin !== undefined || flags.androidAppHash !== undefined || flags.defaultLocale !== undefined || flags.smsTemplate !== undefined;
        if (!changing) return current;
        const sms = { ...current.templates.sms };
        for (const raw of (flags.smsTemplate ?? []) as string[]) {
          const eq = raw.indexOf('=');
          const locale = Locale.safeParse(raw.slice(0, Math.max(0, eq)));
          if (eq < 0 || !locale.success) throw new UserError(`--sms-template ${JSON.stringify(raw)}: expected LOCALE=TEXT with LOCALE id or en`);
          const text = raw.slice(eq + 1).replace(/\\n/g, '\n');
          if (text === 'none') delete sms[locale.data];
          else sms[locale.data] = text;
        }
        const body = PutAppSettingsBody.safeParse({
          web_origin: flags.webOrigin !== undefined ? orNull(flags.webOrigin) : current.web_origin,
          android_app_hash: flags.androidAppHash !== undefined ? orNull(flags.androidAppHash) : current.android_app_hash,
          default_locale: flags.defaultLocale !== undefined ? orNull(flags.defaultLocale) : current.default_locale,
          templates: { ...current.templates, sms },
        });
        if (!body.success) {
          const issue = body.error.issues[0]!;
          throw new UserError(`${issue.path.join('.')}: ${issue.message}`);
        }
        try {
          return await service.put(id, body.data, Date.now());
        } catch (err) {
          if (err instanceof ApiError) throw new UserError(`${err.code}: ${err.detail}`);
          throw err;
        }
      });
      if (flags.json) {
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        return;
      }
      const show = (v: string | null) => v ?? '(none)';
      process.stdout.write(
        [
          `web_origin\t${show(out.web_origin)}`,
          `android_app_hash\t${show(out.android_app_hash)}`,
          `default_locale\t${show(out.default_locale)}`,
          ...(['id', 'en'] as const).map((l) => `sms ${l}\t${out.sms_length[l]} septets at most\t${JSON.stringify(out.preview[l])}${out.templates.sms?.[l] ? '' : ' (built-in)'}`),
        ].join('\n') + '\n',
      );
    });
}
