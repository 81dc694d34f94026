/**
 * The database schema as Kysely sees it. One schema for SQLite and
 * PostgreSQL: times are epoch milliseconds (integers) so comparisons and
 * ordering behave the same in both, and JSON is stored as text.
 */
import type { ColumnType, Generated } from 'kysely';
import type { Channel, Locale, MessageStatus, Priority, SmsEncoding, VerificationMethod, VerificationStatus } from '../../protocol/api.js';

export type GatewayState = 'new' | 'online' | 'offline';
export type WebhookDeliveryState = 'pending' | 'delivered' | 'failed';

export interface ApiKeysTable {
  id: string;
  name: string;
  /** SHA-256 of the whole key (keys carry 256 bits of entropy, so no slow hash is needed). */
  key_hash: string;
  /** First characters of the key, shown to people to tell keys apart. */
  prefix: string;
  created_at: number;
  revoked_at: number | null;
  /**
   * Space-separated scopes (`verify messages webhooks`...). Empty only on a
   * row written by a version before scopes: read as the default scopes.
   */
  scopes: ColumnType<string, string | undefined, string>;
  /** After this time the key is refused (401); null: never expires. */
  expires_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface GatewaysTable {
  id: string;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
  last_seen_at: number | null;
  state: GatewayState;
  /** Last heartbeat body (JSON). */
  health: string | null;
  /** Pinned number prefixes (E.164, e.g. `+62811 +62812`), space-separated; '' = none. */
  route_prefixes: Generated<string>;
  /** Pinned countries (ISO 3166 codes, e.g. `ID`), space-separated; '' = none. */
  route_countries: Generated<string>;
  /** The reliability monitor's circuit breaker: `in` rotation, `out` of it, or `probe` (one message let through). */
  rotation: Generated<'in' | 'out' | 'probe'>;
  /** When `rotation` last changed (the cool-off and the failure window start here). */
  rotation_since: number | null;
  /** Why it was taken out of rotation, for people. */
  rotation_reason: string | null;
  /** Why the router holds the gateway back now (offline, modem, spool, budget, rotation); null = eligible. */
  route_block: string | null;
  /** The SIM's own number (E.164), shown to people who text a reverse OTP; null = not known. */
  number: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface VerificationsTable {
  id: string;
  api_key_id: string;
  channel: Channel;
  to: string;
  status: VerificationStatus;
  locale: Locale;
  /** HMAC-SHA256 of the code under the server secret. */
  code_hash: string;
  /** AES-256-GCM ciphertext of the code while pending (a resend carries the same code); null once ended. */
  code_enc: string | null;
  ip: string | null;
  created_at: number;
  expires_at: number;
  sends: number;
  max_sends: number;
  attempts_left: number;
  next_resend_at: number;
  ended_at: number | null;
  /** `send`: Kirim sends the code; `reverse`: the person texts it to a gateway's number (docs/reverse-otp.md). */
  method: VerificationMethod;
  /** JSON: the channels the code falls back to, in order (verification/fallback.ts); null: none. */
  fallback: string | null;
  /** Which channel the code is on now: 0 the first, n the n-th of `fallback`. */
  hop: number;
  /** When the code went to its current channel (null: when the verification was created). */
  hop_since: number | null;
}

export interface MessagesTable {
  id: string;
  api_key_id: string | null;
  verification_id: string | null;
  channel: Channel;
  to: string;
  /** Text as stored: an OTP's code is masked here; the real code is only in the verification's ciphertext. */
  text: string;
  /**
   * AES-256-GCM ciphertext of the text as it is sent, for a message whose
   * caller named a code inside it (the identity-provider integrations):
   * `text` then holds it with the code masked. Null for every other message.
   */
  text_enc: ColumnType<string | null, string | null | undefined, string | null>;
  subject: string | null;
  priority: Priority;
  /** 0 = high, 1 = normal, 2 = low: sorts the queue. */
  priority_rank: number;
  status: MessageStatus;
  created_at: number;
  updated_at: number;
  expires_at: number;
  segments: number | null;
  encoding: SmsEncoding | null;
  gateway_id: string | null;
  lease_until: number | null;
  /**
   * When the gateway holding the lease claimed it (about to write it to
   * gammu's outbox). A claimed message stays with that gateway: it is never
   * requeued when its lease lapses, only leased to it again.
   */
  claimed_at: number | null;
  /**
   * Which gateways may lease this SMS (src/server/routing): null = any
   * unpinned gateway, a pin set (`+62811 +62812 ID`) = the gateways pinned
   * exactly so, a gateway id = that gateway only.
   */
  route: string | null;
  /** Delivery attempts so far (email retries). */
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

export interface MessageEventsTable {
  id: Generated<number>;
  message_id: string;
  status: MessageStatus;
  at: number;
  detail: string | null;
}

export interface IdempotencyKeysTable {
  api_key_id: string;
  key: string;
  /** Method, path and body hash of the first request. */
  fingerprint: string;
  status_code: number;
  body: string;
  created_at: number;
}

export interface InboundSmsTable {
  id: string;
  gateway_id: string;
  /** The gateway's own stable id for the SMS, so a repeated upload is ignored. */
  key: string;
  from: string;
  text: string;
  parts: number;
  received_at: number;
  created_at: number;
  /**
   * The API key this SMS answers: the key of the newest SMS sent to its
   * sender through the same gateway within KIRIM_INBOUND_OWNER_DAYS. Null
   * when none: then only keys with the `inbound` scope see it.
   */
  api_key_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface WebhooksTable {
  id: string;
  api_key_id: string;
  url: string;
  /** JSON array of event types. */
  events: string;
  /** The signing secret, encrypted under the server secret (it must be usable, so it cannot be hashed). */
  secret_enc: string;
  created_at: number;
  disabled_at: number | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  type: string;
  /** JSON of the event's data. */
  payload: string;
  state: WebhookDeliveryState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  /** HTTP status of the last attempt's answer (null: no answer, e.g. a timeout). */
  response_status: ColumnType<number | null, number | null | undefined, number | null>;
  /** How long the last attempt took, in ms. */
  latency_ms: ColumnType<number | null, number | null | undefined, number | null>;
  /** The start (≤ 200 characters) of the last attempt's answer or error. */
  response_excerpt: ColumnType<string | null, string | null | undefined, string | null>;
}

/** People who may sign in to the dashboard. */
export interface OperatorsTable {
  id: string;
  username: string;
  /** `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64url): the parameters travel with the hash. */
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
}

/** Dashboard sessions; the cookie's token is stored only as its SHA-256. */
export interface OperatorSessionsTable {
  /** SHA-256 (hex) of the session token. */
  id: string;
  operator_id: string;
  created_at: number;
  last_seen_at: number;
  /** Absolute end, whatever the activity. */
  expires_at: number;
}

/** Failed sign-ins, for the login throttle (per username and per client address). */
export interface LoginAttemptsTable {
  id: Generated<number>;
  /** `user:<username>` or `ip:<address>`. */
  key: string;
  at: number;
}

/** One row per gateway heartbeat, kept 24 hours, for the dashboard's timeline. */
export interface GatewayHeartbeatsTable {
  gateway_id: string;
  at: number;
}

/**
 * Failed code checks per destination (the normalized `to`), across codes,
 * API keys, restarts and instances: the guess limit's state. A successful
 * check deletes the row.
 */
export interface GuessFailuresTable {
  to: string;
  /** Failed checks since the last success. */
  failures: number;
  /** No check is evaluated and no verification starts before this time (0: none pending). */
  locked_until: number;
  /** Time of the last failed check. */
  updated_at: number;
}

/**
 * Budget counters shared by every server on the store: one row per (bucket,
 * fixed window). `bucket` names the budget and its subject, e.g.
 * `destination_per_hour:+6281234567890`; `window_start` is the window's
 * first millisecond. Incremented atomically with an upsert.
 */
export interface BudgetCountersTable {
  bucket: string;
  window_start: number;
  count: number;
  /** The window's end: the row is swept after it. */
  expires_at: number;
}

/** Members seen in a (bucket, window): a gateway's distinct recipients per day and per month. */
export interface BudgetMembersTable {
  bucket: string;
  window_start: number;
  member: string;
  expires_at: number;
}

/** An API key's OTP settings (docs/otp-texts.md); no row: everything built in. */
export interface AppSettingsTable {
  api_key_id: string;
  /** https origin whose origin-bound line ends the OTP SMS. */
  web_origin: string | null;
  /** The Android app's 11-character SMS Retriever hash. */
  android_app_hash: string | null;
  default_locale: Locale | null;
  /** JSON: `{ sms?: { id?, en? }, email?: { id?: { subject, text }, en?: ... } }`, checked when saved. */
  templates: string;
  updated_at: number;
}

/**
 * A sign-in system that calls Kirim with a secret of its own
 * (docs/integrations/supabase.md): bound to the API key its SMS are sent
 * as, with its signing secret encrypted under the server secret.
 */
export interface IntegrationsTable {
  id: string;
  /** Which system: `supabase`. */
  kind: 'supabase';
  name: string;
  api_key_id: string;
  /** AES-256-GCM ciphertext of the signing secret (context: the id). */
  secret_enc: string;
  /** JSON settings of the kind (Supabase: `{ "ttl_seconds": 60 }`). */
  settings: string;
  created_at: number;
  revoked_at: number | null;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface Database {
  api_keys: ApiKeysTable;
  gateways: GatewaysTable;
  verifications: VerificationsTable;
  messages: MessagesTable;
  message_events: MessageEventsTable;
  idempotency_keys: IdempotencyKeysTable;
  inbound_sms: InboundSmsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  settings: SettingsTable;
  app_settings: AppSettingsTable;
  integrations: IntegrationsTable;
  operators: OperatorsTable;
  operator_sessions: OperatorSessionsTable;
  login_attempts: LoginAttemptsTable;
  gateway_heartbeats: GatewayHeartbeatsTable;
  guess_failures: GuessFailuresTable;
  budget_counters: BudgetCountersTable;
  budget_members: BudgetMembersTable;
}
