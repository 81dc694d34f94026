/**
 * Schemas of the public HTTP API v1. The server validates requests and
 * serialises answers with them, the OpenAPI document is generated from
 * them, and a TypeScript client can import the same types.
 */
import { z } from 'zod';

/** Characters never allowed in any string field: NUL and the other C0 controls except tab/CR/LF. */
const NO_CONTROL = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;
/** Single-line fields additionally refuse CR and LF (header injection). */
const SINGLE_LINE = /^[^\u0000-\u001f\u007f]*$/;

const singleLine = (max: number) =>
  z.string().max(max).regex(SINGLE_LINE, 'must be a single line without control characters');

export const Channel = z.enum(['sms', 'email']).describe('Delivery channel');
export const Locale = z.enum(['id', 'en']);
export const Priority = z.enum(['high', 'normal', 'low']);

export const VerificationStatus = z.enum(['pending', 'approved', 'expired', 'canceled', 'max_attempts_reached', 'failed']);
export const MessageStatus = z.enum(['queued', 'dispatched', 'spooled', 'sent', 'delivered', 'failed', 'expired', 'canceled']);
export const SmsEncoding = z.enum(['gsm7', 'ucs2']);

export type Channel = z.infer<typeof Channel>;
export type Locale = z.infer<typeof Locale>;
export type Priority = z.infer<typeof Priority>;
export type VerificationStatus = z.infer<typeof VerificationStatus>;
export type MessageStatus = z.infer<typeof MessageStatus>;
export type SmsEncoding = z.infer<typeof SmsEncoding>;

const destination = singleLine(254).min(1).describe('Phone number (national or E.164) or email address');

export const StartVerificationBody = z
  .object({
    to: destination,
    channel: Channel,
    locale: Locale.optional().describe('Language of the message; defaults to the server default (id)'),
    ip: z.union([z.ipv4(), z.ipv6()]).optional().describe("End user's IP address, for rate limits"),
  })
  .strict();

export const CheckVerificationBody = z
  .object({
    to: destination.optional(),
    id: singleLine(64).min(1).optional(),
    code: singleLine(32).min(1),
  })
  .strict()
  .refine((b) => (b.to === undefined) !== (b.id === undefined), { message: 'give exactly one of `to` or `id`' });

export const Verification = z.object({
  id: z.string(),
  to: z.string(),
  channel: Channel,
  status: VerificationStatus,
  created_at: z.string(),
  expires_at: z.string(),
  sends: z.number().int(),
  attempts_left: z.number().int(),
  next_resend_at: z.string(),
});
export type Verification = z.infer<typeof Verification>;

export const SendMessageBody = z
  .object({
    to: destination,
    channel: Channel,
    text: z.string().min(1).max(5000).regex(NO_CONTROL, 'must not contain control characters other than tab and newline'),
    subject: singleLine(200).min(1).optional().describe('Email subject (email only)'),
    priority: Priority.optional().default('normal'),
    ttl_seconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 86400)
      .optional()
      .describe('Lifetime; the message is never sent after it. Default 24 hours.'),
  })
  .strict();

export const MessageEvent = z.object({ status: MessageStatus, at: z.string(), detail: z.string().optional() });

export const Message = z.object({
  id: z.string(),
  to: z.string(),
  channel: Channel,
  status: MessageStatus,
  priority: Priority,
  created_at: z.string(),
  expires_at: z.string(),
  text: z.string().describe("Text as stored; an OTP's code is masked"),
  subject: z.string().optional(),
  segments: z.number().int().optional(),
  encoding: SmsEncoding.optional(),
  gateway: z.string().optional(),
  verification_id: z.string().optional(),
  events: z.array(MessageEvent),
});
export type Message = z.infer<typeof Message>;

export const ListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: singleLine(64).min(1).optional(),
  })
  .strict();
export const ListMessagesQuery = ListQuery.extend({ status: MessageStatus.optional() }).strict();

export const MessageList = z.object({ data: z.array(Message), next_cursor: z.string().optional() });

export const Inbound = z.object({ id: z.string(), from: z.string(), text: z.string(), received_at: z.string(), gateway: z.string() });
export const InboundList = z.object({ data: z.array(Inbound), next_cursor: z.string().optional() });

export const WEBHOOK_EVENTS = [
  'message.queued',
  'message.spooled',
  'message.sent',
  'message.delivered',
  'message.failed',
  'message.expired',
  'message.canceled',
  'message.received',
  'verification.approved',
  'verification.failed',
  'gateway.online',
  'gateway.offline',
] as const;
export const WebhookEvent = z.enum(WEBHOOK_EVENTS);

export const CreateWebhookBody = z
  .object({
    url: z.string().min(1).max(2000).regex(SINGLE_LINE, 'must be a single line'),
    events: z.array(WebhookEvent).min(1).max(WEBHOOK_EVENTS.length),
  })
  .strict();
export const Webhook = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(WebhookEvent),
  created_at: z.string(),
  secret: z.string().optional().describe('Signing secret (Standard Webhooks); returned only when created'),
});
export const WebhookList = z.object({ data: z.array(Webhook) });

export const IdParams = z.object({ id: singleLine(64).min(1) }).strict();

/** RFC 9457 problem details, with Kirim's stable machine `code`. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof Problem>;
