/**
 * Schemas of an API key's OTP settings (GET/PUT /v1/settings,
 * docs/otp-texts.md): the web origin and Android app hash of the autofill
 * lines, a default locale, and the key's own OTP templates. The formats
 * are checked here; whether a template fits one SMS is the server's
 * composer check (src/server/messages/otp-template.ts), which needs the
 * other settings too.
 */
import { z } from 'zod';
import { apiSchemas, singleLine } from './api.js';
import { Locale } from './enums.js';

/** The string is an https origin and nothing more: scheme, host, optional port; no path, query, fragment or user. */
export function originProblem(value: string): string | undefined {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return 'expected an https origin such as https://example.com';
  }
  if (u.protocol !== 'https:') return 'must use https (WebOTP and origin-bound codes only work for https origins)';
  if (u.username || u.password) return 'must not contain a user or password';
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(u.hostname)) return 'must name a domain (letters, digits, dashes and dots; an IDN in its xn-- form)';
  if (value !== u.origin) return `expected the origin alone (scheme, host, optional port; no path, no trailing slash): ${u.origin}`;
  return undefined;
}

export const WebOrigin = z
  .string()
  .max(200)
  .superRefine((v, ctx) => {
    const problem = originProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('The https origin of the web application, e.g. `https://example.com` (scheme, host, optional port; no path). The OTP SMS then ends with the line `@example.com #<code>`.');

/** Google Play services' app hash: 11 characters of base64 (the standard alphabet, no padding). */
export const AndroidAppHash = z
  .string()
  .regex(/^[A-Za-z0-9+/]{11}$/, 'expected the 11-character SMS Retriever app hash (letters, digits, + and /)')
  .describe("The Android app's 11-character SMS Retriever hash; the OTP SMS then carries it on a line of its own.");

const SmsTemplate = z.string().min(1).max(480).describe('An SMS template with `{code}` once, optionally `{app}` and `{minutes}`; must render to one GSM-7 SMS.');
const EmailTemplate = z
  .object({
    subject: singleLine(200).min(1).describe('Subject; `{code}` at most once, `{app}`, `{minutes}`'),
    text: z.string().min(1).max(5000).describe('Plain-text body with `{code}` once, optionally `{app}` and `{minutes}`'),
  })
  .strict();

export const OtpTemplates = z
  .object({
    sms: z.object({ id: SmsTemplate.optional(), en: SmsTemplate.optional() }).strict().optional(),
    email: z.object({ id: EmailTemplate.optional(), en: EmailTemplate.optional() }).strict().optional(),
  })
  .strict();
export type OtpTemplates = z.infer<typeof OtpTemplates>;

export const PutAppSettingsBody = z
  .object({
    web_origin: WebOrigin.nullable().optional(),
    android_app_hash: AndroidAppHash.nullable().optional(),
    default_locale: Locale.nullable().optional().describe('Locale of verifications started without one; null: the server default'),
    templates: OtpTemplates.optional().describe('Custom OTP templates per locale; a locale left out uses the built-in text'),
  })
  .strict()
  .describe('Replaces the settings of the calling API key: a field left out is cleared.');
export type PutAppSettingsBody = z.infer<typeof PutAppSettingsBody>;

export const AppSettings = z.object({
  web_origin: z.string().nullable(),
  android_app_hash: z.string().nullable(),
  default_locale: Locale.nullable(),
  templates: OtpTemplates,
  /** The SMS each locale gets, rendered with an example code: what a person would receive. */
  preview: z.object({ id: z.string(), en: z.string() }).describe('The OTP SMS of each locale as sent, with the example code 123456'),
  /** Septets of each locale's SMS with the longest code, as the composer check measured it. */
  sms_length: z.object({ id: z.number().int(), en: z.number().int() }).describe('GSM-7 septets of each locale\'s SMS with the longest code (10 digits); at most 160'),
  updated_at: z.string().nullable(),
});
export type AppSettings = z.infer<typeof AppSettings>;

const example = {
  web_origin: 'https://toko.example',
  android_app_hash: 'FA+9qCX9VSu',
  default_locale: 'id',
  templates: { sms: { en: '{code} is your {app} code. It expires in {minutes} minutes.' } },
} as const;
apiSchemas.add(PutAppSettingsBody, { id: 'PutAppSettings', examples: [example, {}] });
apiSchemas.add(AppSettings, {
  id: 'AppSettings',
  examples: [
    {
      ...example,
      preview: {
        id: 'Kode verifikasi Kirim Anda: 123456. Berlaku 10 menit. Jangan berikan kode ini kepada siapa pun.\nFA+9qCX9VSu\n@toko.example #123456',
        en: '123456 is your Kirim code. It expires in 10 minutes.\nFA+9qCX9VSu\n@toko.example #123456',
      },
      sms_length: { id: 139, en: 96 },
      updated_at: '2026-01-15T08:30:00.000Z',
    },
  ],
});
