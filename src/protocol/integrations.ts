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
