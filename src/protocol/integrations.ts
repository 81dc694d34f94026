/**
 * Request schemas of the integration endpoints (/integrations/...,
 * docs/integrations/): what other sign-in systems send when Kirim is their
 * SMS backend. Each follows the calling system's documented request, so
 * field names are theirs, not Kirim's.
 */
import { z } from 'zod';
import { SINGLE_LINE, apiSchemas, singleLine } from './api.js';

/** Text an SMS may carry: no control characters but tab and newline (as /v1/messages). */
const smsText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, 'must not contain control characters other than tab and newline');

/** A one-time code some other system generated: short, one line, no spaces. */
export const CallerCode = z
  .string()
  .min(3)
  .max(32)
  .regex(/^[^\s\u0000-\u001f\u007f]+$/, 'must be one word without spaces or control characters');

const phone = singleLine(64).min(1).describe('Phone number, national or E.164');

/**
 * POST /integrations/send: the plain "send this text" endpoint, as JSON or
 * `application/x-www-form-urlencoded` (so form-only systems can call it).
 */
export const SendTextBody = z
  .object({
    to: phone,
    text: smsText(1600),
    code: CallerCode.optional().describe(
      'A one-time code inside `text`: stored masked, kept only encrypted, and the message lives KIRIM_OTP_TTL_SECONDS unless `ttl_seconds` says otherwise',
    ),
    ttl_seconds: z.coerce.number().int().min(60).max(7 * 86400).optional().describe('Lifetime; never sent after it. Default 24 hours, or KIRIM_OTP_TTL_SECONDS with a `code`.'),
  })
  .strict();
export type SendTextBody = z.infer<typeof SendTextBody>;

/**
 * POST /integrations/authentik/sms: authentik's generic SMS provider
 * (authentik/stages/authenticator_sms/models.py `send_generic`, documented
 * in its "SMS authenticator setup stage" page): `From`, `To`, `Body` (the
 * token), and in current releases `Message` (the text authentik composed).
 */
export const AuthentikSmsBody = z
  .object({
    From: z.string().max(64).regex(SINGLE_LINE).optional().describe('The stage\'s "From number"; the modem sends from its own SIM, so it is not used'),
    To: phone,
    Body: CallerCode.describe('The token the person types back'),
    Message: smsText(1600).optional().describe('The text authentik composed; used when it contains `Body`'),
  })
  // Fields a later authentik release adds are ignored rather than refused.
  .strip();
export type AuthentikSmsBody = z.infer<typeof AuthentikSmsBody>;

apiSchemas.add(SendTextBody, {
  id: 'SendText',
  examples: [{ to: '081234567890', text: 'Kode masuk Anda: 482913', code: '482913' }, { to: '+6281234567890', text: 'Paket Anda tiba besok.' }],
});
apiSchemas.add(AuthentikSmsBody, {
  id: 'AuthentikSms',
  examples: [{ From: 'Kirim', To: '+6281234567890', Body: '482913', Message: 'Use this code to authenticate in authentik: 482913' }],
});

/**
 * POST /integrations/supabase/{id}/send-sms: what Supabase Auth's Send SMS
 * hook posts (supabase/auth internal/hooks/v0hooks `SendSMSInput`; the
 * documented example in supabase/supabase apps/docs/content/guides/auth/
 * auth-hooks/send-sms-hook.mdx). Only what Kirim uses is checked; the
 * rest of the user object passes untouched.
 */
export const SupabaseSendSmsBody = z
  .object({
    metadata: z.object({ uuid: z.string().optional(), time: z.string().optional(), name: z.string().optional(), ip_address: z.string().optional() }).passthrough().optional(),
    user: z.object({ id: z.string().optional(), phone: z.string().max(64).optional().default('') }).passthrough(),
    sms: z
      .object({
        otp: CallerCode.describe('The code Supabase generated'),
        phone: z.string().max(64).optional().describe('Where to send it (a phone change sends to the new number); falls back to user.phone'),
        sms_type: z.string().max(32).optional().describe('e.g. `mfa`'),
      })
      .passthrough(),
  })
  .passthrough();
export type SupabaseSendSmsBody = z.infer<typeof SupabaseSendSmsBody>;

/** Supabase's hook error (internal/hooks/hookserrors), beside the problem+json fields. */
export const SupabaseError = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  error: z.object({ http_code: z.number().int(), message: z.string() }),
});

apiSchemas.add(SupabaseSendSmsBody, {
  id: 'SupabaseSendSms',
  examples: [{ metadata: { uuid: '8b8c6c1e-5b0a-4a51-9f1b-7c1f0e3d2a10', time: '2026-01-15T08:30:00Z', name: 'send-sms' }, user: { id: '6481a5c1-3d37-4a56-9f6a-bee08c554965', phone: '6281234567890' }, sms: { otp: '561166' } }],
});
apiSchemas.add(SupabaseError, {
  id: 'SupabaseHookError',
  examples: [{ type: 'https://kirim.dev/problems/rate-limited', title: 'Too Many Requests', status: 429, detail: 'budget spent', code: 'rate_limited', error: { http_code: 429, message: 'budget spent' } }],
});
