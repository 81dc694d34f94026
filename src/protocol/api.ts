/**
 * Schemas of the public HTTP API v1. The server validates requests and
 * serialises answers with them, the OpenAPI document is generated from
 * them, and a TypeScript client can import the same types.
 */
import { z } from 'zod';

/** Characters never allowed in any string field: NUL and the other C0 controls except tab/CR/LF. */
const NO_CONTROL = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;
/** Single-line fields additionally refuse CR and LF (header injection). */
export const SINGLE_LINE = /^[^\u0000-\u001f\u007f]*$/;

export const singleLine = (max: number) =>
  z.string().max(max).regex(SINGLE_LINE, 'must be a single line without control characters');

import { Channel, Locale, MessageStatus, Priority, SmsEncoding, VerificationMethod, VerificationStatus } from './enums.js';

export * from './enums.js';

const destination = singleLine(254).min(1).describe('Phone number (national or E.164) or email address');

/** One further channel of a verification's fallback. */
export const FallbackHop = z.discriminatedUnion('channel', [
  z
    .object({
      channel: z.literal('sms'),
      via: z.string().regex(/^(modem|[a-z0-9][a-z0-9_-]{0,31})$/, '`modem` (the gammu gateways) or an SMS provider id from KIRIM_SMS_PROVIDERS').describe('`modem` or an SMS provider id'),
    })
    .strict(),
  z
    .object({
      channel: z.literal('email'),
      to: singleLine(254).min(3).describe('The email address the code goes to'),
    })
    .strict(),
]);
export type FallbackHop = z.infer<typeof FallbackHop>;

export const StartVerificationBody = z
  .object({
    to: destination,
    channel: Channel,
    locale: Locale.optional().describe("Language of the message; defaults to the API key's default_locale (GET /v1/settings), else the server default (KIRIM_DEFAULT_LOCALE, id)"),
    ip: z.union([z.ipv4(), z.ipv6()]).optional().describe("End user's IP address, for rate limits"),
    method: VerificationMethod.optional(),
    fallback: z
      .array(FallbackHop)
      .min(1)
      .max(4)
      .optional()
      .describe('Where the same code goes next, in order, when the channel before fails, expires before it is sent, or is not sent within `fallback_after_seconds` (docs/fallback.md). The person never holds two different codes.'),
    fallback_after_seconds: z.number().int().min(5).max(3600).optional().describe('How long a channel may take to send the code before it falls back (default KIRIM_FALLBACK_AFTER_SECONDS, 30)'),
  })
  .strict()
  .refine((b) => b.method !== 'reverse' || b.channel === 'sms', { message: '`method: "reverse"` needs `channel: "sms"`', path: ['method'] })
  .refine((b) => b.method !== 'reverse' || b.fallback === undefined, { message: 'a reverse verification sends nothing, so it has no fallback', path: ['fallback'] })
  .refine((b) => b.fallback === undefined || b.channel === 'sms', { message: '`fallback` starts from an SMS: it needs `channel: "sms"`', path: ['fallback'] });

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
  method: VerificationMethod,
});
export type Verification = z.infer<typeof Verification>;

/** What the application shows for a reverse verification (docs/reverse-otp.md). */
export const ReverseInstructions = z.object({
  code: z.string().describe('The code the person texts; show it (it is not a secret from the person, and Kirim keeps it only as an HMAC and, while pending, encrypted)'),
  number: z.string().describe("The gateway's own number (E.164) to text it to"),
  text: z.string().describe('The exact text to send, e.g. `KIRIM 482913`'),
  sms_uri: z.string().describe('RFC 5724 link that opens the messaging app prefilled (`sms:+62…?body=…`; Android, iOS 8 and later)'),
  sms_uri_ios: z.string().describe('The same for older iOS and some in-app browsers (`sms:+62…&body=…`)'),
});
export type ReverseInstructions = z.infer<typeof ReverseInstructions>;

/** POST /v1/verifications answers the verification, and for `method: "reverse"` what to show. */
export const VerificationStart = Verification.extend({
  reverse: ReverseInstructions.optional().describe('Only for `method: "reverse"`, only in the answer to the start: what the person must send, and where'),
});
export type VerificationStart = z.infer<typeof VerificationStart>;

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

const isoTime = (what: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .describe(`${what}, an ISO 8601 time with a zone, e.g. 2026-05-01T08:00:00Z or 2026-05-01T15:00:00+07:00`);

export const ListInboundQuery = ListQuery.extend({
  from: singleLine(40).min(1).optional().describe('Only SMS from this sender: a number (national or E.164, matched as E.164) or a name such as TELKOMSEL'),
  since: isoTime('Only SMS received at or after this time'),
  until: isoTime('Only SMS received before this time'),
}).strict();

export const Inbound = z.object({ id: z.string(), from: z.string().describe('Sender: E.164 for a phone number, else as the network gave it (e.g. TELKOMSEL)'), text: z.string(), received_at: z.string(), gateway: z.string() });
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
  'gateway.unhealthy',
  'gateway.healthy',
] as const;
export const WebhookEvent = z.enum(WEBHOOK_EVENTS);
/** `*` subscribes to every event, including events added later. */
export const WebhookSubscription = z.union([WebhookEvent, z.literal('*')]).describe('An event name, or `*` for every event');

export const CreateWebhookBody = z
  .object({
    url: z.string().min(1).max(2000).regex(SINGLE_LINE, 'must be a single line').describe('HTTPS (or, for development, http://localhost) URL that receives the POSTs'),
    events: z
      .array(WebhookSubscription)
      .min(1)
      .max(WEBHOOK_EVENTS.length)
      .refine((e) => !e.includes('*') || e.length === 1, { message: '"*" (every event) must be the only entry' })
      .describe('Event names, or `["*"]` for every event'),
  })
  .strict();
export const Webhook = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(WebhookSubscription),
  created_at: z.string(),
  secret: z.string().optional().describe('Signing secret (Standard Webhooks); returned only when created'),
});
export const WebhookList = z.object({ data: z.array(Webhook) });

/*
 * Webhook deliveries. Each POST carries `{ type, timestamp, data }`, signed
 * as Standard Webhooks; `data` depends on the event's family. These schemas
 * describe what the server sends (docs/webhooks.md, the OpenAPI `webhooks`).
 */
export const MESSAGE_STATE_EVENTS = WEBHOOK_EVENTS.filter((e) => e.startsWith('message.') && e !== 'message.received');
export const VERIFICATION_EVENTS = WEBHOOK_EVENTS.filter((e) => e.startsWith('verification.'));
export const GATEWAY_EVENTS = WEBHOOK_EVENTS.filter((e) => e.startsWith('gateway.'));

export const MessageEventData = z.object({
  id: z.string().describe('Message id'),
  to: z.string().describe('E.164 number or email address'),
  channel: Channel,
  status: MessageStatus.describe('The state the message entered'),
  at: z.string().describe('When it entered the state (ISO 8601)'),
  detail: z.string().optional().describe('Why, for people (e.g. the gammu error, "sent by the modem (2 parts)")'),
  verification_id: z.string().optional().describe('Present when the message carries a verification code'),
});
export const InboundEventData = z.object({
  id: z.string().describe('Inbound SMS id (as in GET /v1/inbound)'),
  from: z.string().describe('Sender number'),
  text: z.string().describe('The whole text (a multipart SMS is joined)'),
  received_at: z.string(),
  gateway: z.string().describe('Id of the gateway whose modem received it'),
});
export const VerificationEventData = z.object({
  id: z.string().describe('Verification id'),
  to: z.string(),
  channel: Channel,
  status: z.enum(['approved', 'failed']),
  at: z.string().describe('When the verification ended'),
});
export const GatewayEventData = z.object({
  id: z.string().describe('Gateway id'),
  name: z.string(),
  state: z.enum(['online', 'offline']),
  last_seen_at: z.string().nullable().describe('Last request from the gateway'),
  rotation: z.enum(['in', 'out']).optional().describe('gateway.unhealthy / gateway.healthy: whether the reliability monitor has it in rotation now'),
  reason: z.string().optional().describe('gateway.unhealthy: why it was taken out of rotation, e.g. "failure rate 80 % over 10 sends"'),
});

const delivery = <T extends z.ZodType>(types: readonly string[], data: T) =>
  z.object({
    type: z.enum(types as [string, ...string[]]).describe('The event name'),
    timestamp: z.string().describe('When the event happened (ISO 8601); the same on every retry'),
    data,
  });
export const MessageEventDelivery = delivery(MESSAGE_STATE_EVENTS, MessageEventData);
export const InboundEventDelivery = delivery(['message.received'], InboundEventData);
export const VerificationEventDelivery = delivery(VERIFICATION_EVENTS, VerificationEventData);
export const GatewayEventDelivery = delivery(GATEWAY_EVENTS, GatewayEventData);

/** The delivery schema of each event. */
export function webhookDeliverySchema(type: (typeof WEBHOOK_EVENTS)[number]) {
  if (type === 'message.received') return InboundEventDelivery;
  if (type.startsWith('message.')) return MessageEventDelivery;
  if (type.startsWith('verification.')) return VerificationEventDelivery;
  return GatewayEventDelivery;
}

/**
 * What an API key may do (docs/security.md, "Tenants and scopes"):
 * - `verify`: the verification routes (/v1/verifications...);
 * - `messages`: send and read its own messages (/v1/messages...);
 * - `inbound`: read every received SMS (GET /v1/inbound, `message.received`),
 *   not only the replies to its own messages;
 * - `webhooks`: manage its webhook endpoints (/v1/webhooks...);
 * - `admin`: the gateways (GET /v1/gateways, revoke, rotate; `gateway.*` events);
 * - `send`: only send an SMS through the integration endpoints
 *   (/integrations/...; docs/integrations/), for systems that hold a key
 *   and should do nothing else with it (`messages` opens them too).
 */
export const ApiScope = z.enum(['verify', 'messages', 'inbound', 'webhooks', 'admin', 'settings', 'send']);
export type ApiScope = z.infer<typeof ApiScope>;
/** The scopes of a key created without any: what every key could do before scopes existed. */
export const DEFAULT_API_SCOPES: readonly ApiScope[] = ['verify', 'messages', 'webhooks'];

/** A gateway as the server sees it at the moment of asking. */
export const GatewayStatus = z.object({
  id: z.string(),
  name: z.string(),
  /**
   * `online` when heard from within KIRIM_GATEWAY_OFFLINE_SECONDS of this
   * answer, `offline` after that, `new` when never heard from.
   */
  state: z.enum(['online', 'offline', 'new']),
  last_seen_at: z.string().nullable(),
  /** Whole seconds since the gateway was last heard from (null when never). */
  seconds_since_seen: z.number().int().nullable(),
  /** From the last heartbeat; null before the first one. */
  modem: z
    .object({
      /** The gateway says the modem works, it has a signal, and it reports no error. */
      healthy: z.boolean(),
      /** Why it is not healthy, for people (empty when healthy). */
      problems: z.array(z.string()),
      signal_percent: z.number().optional(),
      battery_percent: z.number().optional(),
      network: z.string().optional(),
      error: z.string().optional(),
      sent: z.number().int().optional(),
      received: z.number().int().optional(),
      failed: z.number().int().optional(),
    })
    .nullable(),
  spool: z
    .object({
      outbox: z.number().int(),
      sent: z.number().int().optional(),
      error: z.number().int().optional(),
      inbox: z.number().int().optional(),
      pending_reports: z.number().int().optional(),
    })
    .nullable(),
  version: z.string().optional(),
  started_at: z.string().optional(),
  /** The SIM's own number (E.164), shown to people texting a reverse OTP; null when not set (`kirim gateways number`). */
  number: z.string().nullable(),
  /** What it is pinned to (`kirim gateways route`); both empty: any number no pinned gateway takes. */
  pins: z.object({
    prefixes: z.array(z.string()).describe('E.164 number prefixes, e.g. +62811'),
    countries: z.array(z.string()).describe('ISO 3166 country codes, e.g. ID'),
  }),
  /** Whether the router sends it new SMS (docs/scaling.md, "Several gateways and modems"). */
  routing: z.object({
    /** New SMS may be routed to it. */
    eligible: z.boolean(),
    /** Why not, when not eligible: offline, modem, spool, SIM budget, out of rotation. */
    reason: z.string().optional(),
    /** The reliability monitor: `in` rotation, `out` (too many failed sends), `probe` (one SMS let through after the cool-off). */
    rotation: z.enum(['in', 'out', 'probe']),
    rotation_since: z.string().optional().describe('When the rotation last changed'),
    rotation_reason: z.string().optional().describe('Why it was taken out, e.g. "failure rate 80 % over 10 sends"'),
  }),
});
export type GatewayStatus = z.infer<typeof GatewayStatus>;
/** PUT /v1/gateways/{id}/pins: both empty (or absent) unpins the gateway. */
export const GatewayPinsBody = z
  .object({
    prefixes: z.array(z.string().max(20)).max(100).default([]).describe('E.164 number prefixes, e.g. ["+62811", "+62812"]'),
    countries: z.array(z.string().max(5)).max(100).default([]).describe('ISO 3166 country codes, e.g. ["ID"]'),
  })
  .strict();
/** PUT /v1/gateways/{id}/number: the SIM's own number, or null to forget it. */
export const GatewayNumberBody = z
  .object({
    number: singleLine(32).min(1).nullable().describe("The gateway SIM's own number, national or E.164 (e.g. +6281311112222); null: not known"),
  })
  .strict();
export const GatewayList = z.object({ data: z.array(GatewayStatus) });

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

/*
 * Named schemas: the OpenAPI document lists these once under
 * `components.schemas` and refers to them by `$ref`. They live in zod's
 * global registry, where `.describe()` keeps descriptions, so a name does
 * not lose them. The examples are the document's examples; openapi.test.ts
 * checks each one against its schema.
 */
export type SchemaMeta = { id: string; description?: string; examples?: unknown[] };
const named = new Map<z.ZodType, SchemaMeta>();
export const apiSchemas = {
  add(schema: z.ZodType, meta: SchemaMeta) {
    z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), ...meta });
    named.set(schema, meta);
  },
  get: (schema: z.ZodType) => named.get(schema),
  all: () => [...named],
};

const t0 = '2026-01-15T08:30:00.000Z';
const exampleMessage = {
  id: 'msg_01jh3zk8q2x5v7n9r4t6w8y0ab',
  to: '+6281234567890',
  channel: 'sms',
  status: 'delivered',
  priority: 'normal',
  created_at: t0,
  expires_at: '2026-01-16T08:30:00.000Z',
  text: 'Paket Anda tiba besok.',
  segments: 1,
  encoding: 'gsm7',
  gateway: 'gw_01jh3y0000000000000000000a',
  events: [
    { status: 'queued', at: t0 },
    { status: 'dispatched', at: '2026-01-15T08:30:00.120Z' },
    { status: 'spooled', at: '2026-01-15T08:30:00.180Z', detail: 'written to the gammu outbox' },
    { status: 'sent', at: '2026-01-15T08:30:04.900Z', detail: 'sent by the modem (1 part)' },
    { status: 'delivered', at: '2026-01-15T08:30:07.300Z' },
  ],
};
const exampleVerification = {
  id: 'ver_01jh3zk8q2x5v7n9r4t6w8y0cd',
  to: '+6281234567890',
  channel: 'sms',
  status: 'pending',
  created_at: t0,
  expires_at: '2026-01-15T08:40:00.000Z',
  sends: 1,
  attempts_left: 5,
  next_resend_at: '2026-01-15T08:30:30.000Z',
  method: 'send',
};
const exampleReverse = {
  code: '482913',
  number: '+6281311112222',
  text: 'KIRIM 482913',
  sms_uri: 'sms:+6281311112222?body=KIRIM%20482913',
  sms_uri_ios: 'sms:+6281311112222&body=KIRIM%20482913',
};
const exampleInbound = { id: 'in_01jh3zk8q2x5v7n9r4t6w8y0ef', from: '+6281298765432', text: 'STOP', received_at: t0, gateway: 'gw_01jh3y0000000000000000000a' };
const exampleWebhook = { id: 'wh_01jh3zk8q2x5v7n9r4t6w8y0gh', url: 'https://app.example.com/kirim-events', events: ['message.delivered', 'message.failed'], created_at: t0 };

apiSchemas.add(Channel, { id: 'Channel' });
apiSchemas.add(Priority, { id: 'Priority' });
apiSchemas.add(MessageStatus, { id: 'MessageStatus' });
apiSchemas.add(VerificationStatus, { id: 'VerificationStatus' });
apiSchemas.add(VerificationMethod, { id: 'VerificationMethod' });
apiSchemas.add(StartVerificationBody, { id: 'StartVerification', examples: [{ to: '081234567890', channel: 'sms', locale: 'id' }, { to: '081234567890', channel: 'sms', method: 'reverse' }] });
apiSchemas.add(CheckVerificationBody, { id: 'CheckVerification', examples: [{ to: '081234567890', code: '482913' }] });
apiSchemas.add(Verification, { id: 'Verification', examples: [exampleVerification] });
apiSchemas.add(ReverseInstructions, { id: 'ReverseInstructions', examples: [exampleReverse] });
apiSchemas.add(VerificationStart, { id: 'VerificationStart', examples: [exampleVerification, { ...exampleVerification, method: 'reverse', sends: 0, reverse: exampleReverse }] });
apiSchemas.add(SendMessageBody, { id: 'SendMessage', examples: [{ to: '081234567890', channel: 'sms', text: 'Paket Anda tiba besok.' }] });
apiSchemas.add(MessageEvent, { id: 'MessageEvent' });
apiSchemas.add(Message, { id: 'Message', examples: [exampleMessage] });
apiSchemas.add(MessageList, { id: 'MessageList', examples: [{ data: [exampleMessage], next_cursor: 'msg_01jh3zk8q2x5v7n9r4t6w8y0ab' }] });
apiSchemas.add(Inbound, { id: 'Inbound', examples: [exampleInbound] });
apiSchemas.add(InboundList, { id: 'InboundList', examples: [{ data: [exampleInbound] }] });
apiSchemas.add(CreateWebhookBody, { id: 'CreateWebhook', examples: [{ url: exampleWebhook.url, events: exampleWebhook.events }, { url: exampleWebhook.url, events: ['*'] }] });
apiSchemas.add(Webhook, { id: 'Webhook', examples: [{ ...exampleWebhook, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }] });
apiSchemas.add(WebhookList, { id: 'WebhookList', examples: [{ data: [exampleWebhook] }] });
apiSchemas.add(Problem, {
  id: 'Problem',
  description: 'RFC 9457 problem details; `code` is stable, `detail` is for people',
  examples: [{ type: 'https://kirim.dev/problems/rate-limited', title: 'Too Many Requests', status: 429, detail: 'too many verifications for this destination; retry in 24 s', code: 'rate_limited' }],
});
apiSchemas.add(MessageEventData, { id: 'MessageEventData' });
apiSchemas.add(InboundEventData, { id: 'InboundEventData' });
apiSchemas.add(VerificationEventData, { id: 'VerificationEventData' });
apiSchemas.add(GatewayEventData, { id: 'GatewayEventData' });
apiSchemas.add(MessageEventDelivery, {
  id: 'MessageEventDelivery',
  description: 'message.queued, .spooled, .sent, .delivered, .failed, .expired, .canceled: a message entered that state',
  examples: [{ type: 'message.delivered', timestamp: '2026-01-15T08:30:07.300Z', data: { id: exampleMessage.id, to: exampleMessage.to, channel: 'sms', status: 'delivered', at: '2026-01-15T08:30:07.300Z' } }],
});
apiSchemas.add(InboundEventDelivery, {
  id: 'InboundEventDelivery',
  description: 'message.received: an SMS reached a gateway\'s modem (sent to every endpoint that subscribed, whatever its API key)',
  examples: [{ type: 'message.received', timestamp: t0, data: exampleInbound }],
});
apiSchemas.add(VerificationEventDelivery, {
  id: 'VerificationEventDelivery',
  description: 'verification.approved (the right code was checked, or, for a reverse verification, the person\'s SMS carried it) or verification.failed (every message that could carry its code failed)',
  examples: [{ type: 'verification.approved', timestamp: t0, data: { id: exampleVerification.id, to: exampleVerification.to, channel: 'sms', status: 'approved', at: t0 } }],
});
apiSchemas.add(GatewayEventDelivery, {
  id: 'GatewayEventDelivery',
  description:
    'gateway.online / gateway.offline: a gateway was heard from again, or was silent too long; gateway.unhealthy / gateway.healthy: the reliability monitor took it out of rotation (too many failed sends) or put it back (its probe SMS was sent). Sent to the endpoints of keys with the admin scope',
  examples: [{ type: 'gateway.offline', timestamp: t0, data: { id: 'gw_01jh3y0000000000000000000a', name: 'pi-kitchen', state: 'offline', last_seen_at: '2026-01-15T08:29:15.000Z' } }],
});
