/**
 * An API key's OTP settings (docs/otp-texts.md): reading, saving with the
 * composer check, and what a verification takes from them.
 *
 * Promises:
 * - Nothing is saved unless every locale's SMS (the key's template, or the
 *   built-in one) renders, with the longest code and the autofill lines
 *   the settings ask for, to one GSM-7 segment; and every email template
 *   has `{code}` once in its text. A refusal is a 422 naming the locale,
 *   the problem and the computed length.
 * - A verification's locale is the request's, else the key's default, else
 *   the server's (KIRIM_DEFAULT_LOCALE); its SMS is the key's template for
 *   that locale, else the built-in one.
 */
import type { Locale } from '../protocol/api.js';
import { iso } from '../protocol/time.js';
import { OtpTemplates, type AppSettings, type PutAppSettingsBody } from '../protocol/settings.js';
import type { ServerConfig } from './config.js';
import { ApiError } from './errors.js';
import { BUILT_IN_SMS, LONGEST_CODE, LONGEST_MINUTES, checkPlaceholders, checkSmsTemplate, measure, renderOtpText, type Autofill } from './messages/otp-template.js';
import type { AppSettingsRow, Repo } from './store/index.js';

const LOCALES: Locale[] = ['id', 'en'];

/** What a verification needs to write its texts. */
export interface OtpTextSettings {
  autofill: Autofill;
  defaultLocale: Locale | null;
  templates: OtpTemplates;
}

const NONE: OtpTextSettings = { autofill: {}, defaultLocale: null, templates: {} };

/** Templates as stored; a row that no longer parses (never written so) counts as none rather than failing every send. */
function storedTemplates(json: string): OtpTemplates {
  try {
    const parsed = OtpTemplates.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export function otpTextSettings(row: AppSettingsRow | undefined): OtpTextSettings {
  if (!row) return NONE;
  return {
    autofill: { webOrigin: row.web_origin, androidAppHash: row.android_app_hash },
    defaultLocale: row.default_locale,
    templates: storedTemplates(row.templates),
  };
}

/** The request's locale, else the key's default, else the server's. */
export function resolveLocale(requested: Locale | undefined, settings: OtpTextSettings, serverDefault: Locale): Locale {
  return requested ?? settings.defaultLocale ?? serverDefault;
}

/**
 * The composer check of a whole set of settings; throws 422 on the first
 * problem. Returns each locale's length in septets (longest code).
 */
export function checkSettings(body: PutAppSettingsBody, { appName }: Pick<ServerConfig, 'appName'>): Record<Locale, number> {
  const autofill: Autofill = { webOrigin: body.web_origin ?? null, androidAppHash: body.android_app_hash ?? null };
  const lengths = {} as Record<Locale, number>;
  for (const locale of LOCALES) {
    const custom = body.templates?.sms?.[locale];
    const what = custom !== undefined ? `the ${locale} SMS template` : `the built-in ${locale} SMS text`;
    const result = checkSmsTemplate(custom ?? BUILT_IN_SMS[locale], { app: appName }, autofill, what);
    if (!result.ok) {
      const p = result.problem;
      const path = custom !== undefined ? `templates.sms.${locale}` : autofill.webOrigin ? 'web_origin' : 'android_app_hash';
      throw new ApiError(422, p.code, p.detail, { errors: [{ path, message: p.length !== undefined ? `${p.length} ${p.encoding === 'ucs2' ? 'UCS-2 characters' : 'septets'}` : p.detail }] });
    }
    lengths[locale] = result.length;
    const email = body.templates?.email?.[locale];
    if (email) {
      const bad =
        checkPlaceholders(email.subject, { codeMin: 0, codeMax: 1, what: `the ${locale} email subject` }) ??
        checkPlaceholders(email.text, { what: `the ${locale} email text` });
      if (bad) throw new ApiError(422, bad.code, bad.detail, { errors: [{ path: `templates.email.${locale}`, message: bad.detail }] });
    }
  }
  return lengths;
}

export function createAppSettings({ store, config }: { store: Repo; config: ServerConfig }) {
  function view(row: AppSettingsRow | undefined): AppSettings {
    const s = otpTextSettings(row);
    const template = (locale: Locale) => s.templates.sms?.[locale] ?? BUILT_IN_SMS[locale];
    const longest = (locale: Locale) => measure(renderOtpText(template(locale), { code: LONGEST_CODE, app: config.appName, minutes: LONGEST_MINUTES }, s.autofill)).length;
    const preview = (locale: Locale) =>
      renderOtpText(template(locale), { code: '123456', app: config.appName, minutes: config.otp.ttlSeconds / 60 }, s.autofill);
    return {
      web_origin: s.autofill.webOrigin ?? null,
      android_app_hash: s.autofill.androidAppHash ?? null,
      default_locale: s.defaultLocale,
      templates: s.templates,
      preview: { id: preview('id'), en: preview('en') },
      sms_length: { id: longest('id'), en: longest('en') },
      updated_at: row ? iso(row.updated_at) : null,
    };
  }

  return {
    async get(apiKeyId: string): Promise<AppSettings> {
      return view(await store.getAppSettings(apiKeyId));
    },

    /** Replaces the key's settings after the composer check (422 when a text would not fit one GSM-7 SMS). */
    async put(apiKeyId: string, body: PutAppSettingsBody, now: number): Promise<AppSettings> {
      checkSettings(body, config);
      const row: AppSettingsRow = {
        api_key_id: apiKeyId,
        web_origin: body.web_origin ?? null,
        android_app_hash: body.android_app_hash ?? null,
        default_locale: body.default_locale ?? null,
        templates: JSON.stringify(body.templates ?? {}),
        updated_at: now,
      };
      await store.putAppSettings(row);
      return view(row);
    },
  };
}

export type AppSettingsService = ReturnType<typeof createAppSettings>;
