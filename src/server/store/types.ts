/**
 * The store port: every read and write the server makes, as domain
 * operations. One implementation written with Kysely serves both dialects
 * (see repo.ts); each dialect folder only knows how to open a connection.
 * The shared contract suite (store.test.ts) runs against every dialect.
 */
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Channel, MessageStatus, VerificationStatus } from '../../protocol/api.js';
import type {
  ApiKeysTable,
  AppSettingsTable,
  IntegrationsTable,
  Database,
  GatewaysTable,
  GuessFailuresTable,
  IdempotencyKeysTable,
  InboundSmsTable,
  MessageEventsTable,
  OperatorSessionsTable,
  OperatorsTable,
  MessagesTable,
  VerificationsTable,
  WebhookDeliveriesTable,
  WebhooksTable,
} from './schema.js';
import type { ListenHandlers, Listener } from './postgres/notify.js';

export type { ListenHandlers, Listener };

export type Dialect = 'sqlite' | 'postgres';
export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

export type ApiKeyRow = Selectable<ApiKeysTable>;
export type GatewayRow = Selectable<GatewaysTable>;
export type AppSettingsRow = Selectable<AppSettingsTable>;
export type IntegrationRow = Selectable<IntegrationsTable>;
/** Routing columns a new gateway may leave to their defaults (no pins, in rotation, eligible). */
type GatewayRoutingColumns = 'route_prefixes' | 'route_countries' | 'rotation' | 'rotation_since' | 'rotation_reason' | 'route_block' | 'number';
export type NewGatewayRow = Omit<GatewayRow, GatewayRoutingColumns> & Partial<Pick<GatewayRow, GatewayRoutingColumns>>;
export type VerificationRow = Selectable<VerificationsTable>;
export type MessageRow = Selectable<MessagesTable>;
/** A message to store; without a `route` it may go to any unpinned gateway. */
export type NewMessageRow = Omit<MessageRow, 'route' | 'text_enc'> & { route?: string | null; text_enc?: string | null };
export type MessageEventRow = Selectable<MessageEventsTable>;
export type IdempotencyRow = Selectable<IdempotencyKeysTable>;
export type InboundRow = Selectable<InboundSmsTable>;
export type WebhookRow = Selectable<WebhooksTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type OperatorRow = Selectable<OperatorsTable>;
export type OperatorSessionRow = Selectable<OperatorSessionsTable>;
export type GuessFailuresRow = Selectable<GuessFailuresTable>;

export type { MessageStatus };

/** States after which nothing more happens to a message. */
export const FINAL_MESSAGE_STATES: MessageStatus[] = ['delivered', 'failed', 'expired', 'canceled'];

export interface Transition {
  id: string;
  /** The change happens only if the message is in one of these states (compare-and-set). */
  from: MessageStatus[];
  to: MessageStatus;
  at: number;
  detail?: string | null;
  /** Only when the message is leased to this gateway. */
  gatewayId?: string;
  /** Only when no gateway claimed the message (a claim may race this change). */
  unclaimed?: boolean;
  /**
   * Only while the message still holds the lease it was read with (a
   * sweeper on another instance may have requeued it, and a gateway leased
   * it again, since this one read it).
   */
  leaseUntil?: number;
  /** Only while its attempt count is still this (another worker's attempt, started since it was read, changes it). */
  attempts?: number;
  /** Extra columns to set with the change. */
  set?: Partial<Omit<MessageRow, 'id' | 'status'>>;
}

/** One budget counter: a bucket in one fixed window. */
export interface CounterWindow {
  bucket: string;
  window_start: number;
  /** The window's end (the row may be swept after it). */
  expires_at: number;
}

export interface LeaseRecipients {
  /** How many messages may go to recipients new to the `knownIn` windows. */
  newAllowed: number;
  knownIn: Array<{ bucket: string; window_start: number }>;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/**
 * A wake-up for the other server instances sharing the database, as the
 * in-process bus event it becomes there (context.ts BusEvents).
 */
export type ClusterSignal =
  /** Anything may have changed in the SMS queue. */
  | ['queue:sms']
  /** One SMS was queued on `route` (null: the unpinned share); `id` is the message's. */
  | ['queue:sms', route: string | null, id: string]
  | ['queue:email']
  | ['credentials:changed', 'gateway' | 'api_key', string];

/** Everything the server reads and writes; available plain or inside a transaction. */
export interface Repo {
  /**
   * Runs `fn` in one transaction; a thrown error rolls back everything `fn`
   * did. Called on a transaction, it nests as a savepoint, so a service can
   * be composed into a larger unit of work (e.g. an idempotent request).
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;

  /**
   * Announces `signal` to the other server instances sharing the database
   * (PostgreSQL NOTIFY, postgres/notify.ts; nothing on SQLite, which has
   * one instance). On a transaction it is delivered when the transaction
   * commits, and dropped if it rolls back; on the store, at once.
   */
  notifyInstances(signal: ClusterSignal): Promise<void>;

  // API keys and gateways
  insertApiKey(row: Insertable<ApiKeysTable>): Promise<void>;
  /** The unrevoked key with this hash (expired ones too: the caller says why it is refused). */
  findApiKeyByHash(hash: string): Promise<ApiKeyRow | undefined>;
  /** An API key's OTP settings; undefined when it never saved any. */
  getAppSettings(apiKeyId: string): Promise<AppSettingsRow | undefined>;
  /** Creates or replaces an API key's OTP settings (the whole row). */
  putAppSettings(row: AppSettingsRow): Promise<void>;
  // Integrations (src/server/integrations)
  insertIntegration(row: IntegrationRow): Promise<void>;
  /** The integration with this id, revoked ones included (the caller says why one is refused). */
  getIntegration(id: string): Promise<IntegrationRow | undefined>;
  listIntegrations(): Promise<IntegrationRow[]>;
  /** Sets revoked_at unless already revoked; false when there was nothing to revoke. */
  revokeIntegration(id: string, at: number): Promise<boolean>;
  insertGateway(row: NewGatewayRow): Promise<void>;
  findGatewayByHash(hash: string): Promise<GatewayRow | undefined>;
  getGateway(id: string): Promise<GatewayRow | undefined>;
  listGateways(): Promise<GatewayRow[]>;
  /** Sets revoked_at unless already revoked; returns the gateway as it is now. Announced to the other instances (`credentials:changed`). */
  revokeGateway(id: string, at: number): Promise<GatewayRow | undefined>;
  /** Replaces an unrevoked gateway's token hash (the old token stops matching); undefined when none. Announced like a revocation. */
  rotateGatewayToken(id: string, tokenHash: string, prefix: string): Promise<GatewayRow | undefined>;
  updateGateway(id: string, set: Partial<Omit<GatewayRow, 'id'>>): Promise<void>;
  /** Applies `set` and switches the gateway online unless it already is (compare-and-set); the row when this call switched it. */
  markGatewayOnline(id: string, set: Partial<Omit<GatewayRow, 'id' | 'state'>>): Promise<GatewayRow | undefined>;
  /** Online gateways not heard from since `cutoff`, switched to offline; returns them. */
  markSilentGatewaysOffline(cutoff: number): Promise<GatewayRow[]>;

  // Verifications
  insertVerification(row: VerificationRow): Promise<void>;
  /** By id; only the key's own when `apiKeyId` is given. */
  getVerification(id: string, apiKeyId?: string): Promise<VerificationRow | undefined>;
  findPendingVerification(apiKeyId: string, to: string, channel: Channel): Promise<VerificationRow | undefined>;
  /** The newest verification for this destination (any channel), for checks by `to`. */
  findLatestVerification(apiKeyId: string, to: string): Promise<VerificationRow | undefined>;
  /** Compare-and-set update: applies only while the row is `pending` (and `attemptsLeft` matches when given). */
  updatePendingVerification(
    id: string,
    set: Partial<Omit<VerificationRow, 'id'>>,
    expect?: { attemptsLeft?: number; sends?: number; hop?: number },
  ): Promise<boolean>;
  /** Pending verifications with a fallback left to take (verification/fallback.ts), oldest first. */
  listFallbackPending(limit: number): Promise<VerificationRow[]>;
  /** Pending verifications whose lifetime has passed. */
  listExpiredPendingVerifications(now: number, limit: number): Promise<VerificationRow[]>;
  /**
   * Pending reverse verifications to `to` (any API key), oldest first, at
   * most `limit`: what an inbound SMS from `to` may answer (an index probe).
   */
  listPendingReverse(to: string, limit: number): Promise<VerificationRow[]>;

  // Guess limit: failed checks per destination
  getGuessFailures(to: string): Promise<GuessFailuresRow | undefined>;
  /** Inserts unless the destination has a row already; true when inserted. */
  insertGuessFailures(row: GuessFailuresRow): Promise<boolean>;
  /** Compare-and-set: applies only while the row still has `expectFailures` failures; false otherwise. */
  updateGuessFailures(to: string, expectFailures: number, set: Omit<GuessFailuresRow, 'to'>): Promise<boolean>;
  deleteGuessFailures(to: string): Promise<void>;

  // Messages
  insertMessage(row: NewMessageRow, detail?: string | null): Promise<void>;
  getMessage(id: string, apiKeyId?: string): Promise<MessageRow | undefined>;
  listMessages(q: { apiKeyId: string; status?: MessageStatus; limit: number; cursor?: string }): Promise<Page<MessageRow>>;
  listMessageEvents(messageId: string): Promise<MessageEventRow[]>;
  /** Applies a state change and records its event, atomically; false when the message was not in a `from` state. */
  transition(t: Transition): Promise<boolean>;
  messagesOfVerification(verificationId: string): Promise<MessageRow[]>;
  /**
   * Leases up to `max` queued SMS to a gateway, fair share first: OTPs, then
   * round robin across API keys, then priority and age. With `recipients`,
   * at most `newAllowed` of them go to a recipient not yet a member of
   * every `knownIn` bucket window (a gateway's distinct-recipient budget).
   * With `routes`, only messages whose route is one of these (null = the
   * unpinned gateways' share); absent = whatever the route. With `due`,
   * only messages whose `next_attempt_at` has come (a provider's retries
   * wait in the queue until then).
   */
  leaseSms(q: { gatewayId: string; max: number; now: number; leaseUntil: number; recipients?: LeaseRecipients; routes?: Array<string | null>; due?: boolean }): Promise<MessageRow[]>;
  /**
   * Claims an SMS for the gateway about to write it (docs/gateway-protocol.md,
   * "Claims"). Succeeds while the message is `dispatched` to this gateway
   * (its lease may have lapsed), or `queued` with this gateway as its last
   * holder and nobody else leased it since (the lapsed lease was requeued):
   * then it becomes `dispatched` again with a new lease until `leaseUntil`
   * and a `dispatched` event (`requeued: true`). Repeating a claim answers
   * the same. Undefined when the message is not this gateway's to write
   * (another gateway holds it, it moved on, it expired, or no such SMS).
   */
  claimSms(q: { id: string; gatewayId: string; now: number; leaseUntil: number }): Promise<{ row: MessageRow; requeued: boolean } | undefined>;
  /**
   * Leases again, to the gateway that claimed them, up to `max` claimed SMS
   * whose lease lapsed before the gateway reported on them (it restarted
   * between its claim and its report): they can go nowhere else.
   */
  leaseClaimedAgain(q: { gatewayId: string; max: number; now: number; leaseUntil: number }): Promise<MessageRow[]>;
  /** Queued SMS per route (null: the unpinned share). */
  countQueuedByRoute(): Promise<Array<{ route: string | null; count: number }>>;
  /** The routes queued SMS have now, besides null (read off the route index, one probe per value). */
  listQueuedRoutes(): Promise<string[]>;
  /** Up to `limit` queued SMS on `route` (oldest first by id after `after`, when given). */
  listQueuedOnRoute(route: string | null, limit: number, after?: string): Promise<Array<Pick<MessageRow, 'id' | 'to' | 'route' | 'verification_id'>>>;
  /** Up to `limit` queued SMS to numbers starting with one of `prefixes`, ids after `after`, by id. */
  listQueuedToPrefixes(prefixes: string[], limit: number, after?: string): Promise<Array<Pick<MessageRow, 'id' | 'to' | 'route' | 'verification_id'>>>;
  /** Sets `route` on those of `ids` still queued with route `from` (compare-and-set); returns how many changed. */
  setQueuedRoute(ids: string[], from: string | null, to: string | null): Promise<number>;
  /** How many SMS routed to `route` are queued, leased or spooled (a probe in flight). */
  countRoutedInFlight(route: string): Promise<number>;
  /** Sent and failed reports of a gateway's SMS since `since` (message events; one message counts once per outcome). */
  countGatewayOutcomes(gatewayId: string, since: number): Promise<{ sent: number; failed: number }>;
  /** Changes a gateway's rotation state if it is still `from` (compare-and-set: several servers may try); returns the row when changed. */
  setGatewayRotation(id: string, from: GatewayRow['rotation'], set: Pick<GatewayRow, 'rotation' | 'rotation_since' | 'rotation_reason'>): Promise<GatewayRow | undefined>;
  /** Records why the router holds a gateway back (null: eligible) if it still says `from`; true when changed. */
  setGatewayRouteBlock(id: string, from: string | null, to: string | null): Promise<boolean>;
  /** Dispatched, unclaimed SMS whose lease ran out before the gateway reported `spooled`. */
  listLapsedLeases(now: number, limit: number): Promise<MessageRow[]>;
  /**
   * A provider's `spooled` SMS that need a look (channels/provider): a
   * hand-over whose lease ran out (the server stopped between marking it and
   * recording the provider's answer), and ones whose outcome is unknown
   * (`lease_until` null) past their expiry.
   */
  listProviderHandovers(gatewayId: string, now: number, limit: number): Promise<MessageRow[]>;
  /** Not-yet-final messages (queued or dispatched) whose expiry has passed. */
  listExpiredUnsent(now: number, limit: number): Promise<MessageRow[]>;
  /** Queued email messages due for an attempt. */
  listDueEmails(now: number, limit: number): Promise<MessageRow[]>;
  countMessagesByStatus(): Promise<Array<{ channel: Channel; status: MessageStatus; count: number }>>;

  // Idempotency keys
  getIdempotency(apiKeyId: string, key: string): Promise<IdempotencyRow | undefined>;
  /**
   * Claims a key before the work it guards, inside the work's transaction.
   * Throws a unique-constraint error when the key is taken; on PostgreSQL a
   * twin still in flight makes this wait until that twin commits or rolls
   * back, so exactly one of them does the work.
   */
  insertIdempotency(row: IdempotencyRow): Promise<void>;
  /** Records the answer of a claimed key (same transaction as the claim). */
  completeIdempotency(apiKeyId: string, key: string, set: { status_code: number; body: string }): Promise<void>;
  deleteIdempotencyBefore(cutoff: number): Promise<number>;
  /** Removes one key's record if it is older than `cutoff` (expired, not yet swept). */
  deleteExpiredIdempotency(apiKeyId: string, key: string, cutoff: number): Promise<void>;

  // Inbound SMS
  /** Inserts unless this gateway already uploaded the same key; true when inserted. */
  insertInbound(row: Insertable<InboundSmsTable>): Promise<boolean>;
  /** Newest first; `from` exact, `since` inclusive and `until` exclusive on `received_at`; only `apiKeyId`'s own when given. */
  listInbound(q: { limit: number; cursor?: string; from?: string; since?: number; until?: number; apiKeyId?: string }): Promise<Page<InboundRow>>;
  /** The key of the newest SMS sent to `from` through `gatewayId` since `since`: whom a reply from `from` belongs to. */
  findInboundOwner(q: { from: string; gatewayId: string; since: number }): Promise<string | undefined>;

  // Webhooks
  insertWebhook(row: WebhookRow): Promise<void>;
  listWebhooks(apiKeyId?: string): Promise<WebhookRow[]>;
  /** Enabled webhooks whose key is neither revoked nor expired at `now`, with that key's scopes. */
  listWebhookSubscriptions(now: number): Promise<Array<WebhookRow & { key_scopes: string }>>;
  /** By id; only the key's own when `apiKeyId` is given. */
  getWebhook(id: string, apiKeyId?: string): Promise<WebhookRow | undefined>;
  disableWebhook(id: string, at: number): Promise<void>;
  /** Replaces the sealed signing secret when it is still `expect` (re-encryption under a new server secret). */
  resealWebhookSecret(id: string, expect: string, secretEnc: string): Promise<boolean>;
  insertWebhookDelivery(row: Insertable<WebhookDeliveriesTable>): Promise<void>;
  getWebhookDelivery(id: string): Promise<WebhookDeliveryRow | undefined>;
  listDueWebhookDeliveries(now: number, limit: number): Promise<WebhookDeliveryRow[]>;
  /** Claims a due delivery by pushing its next attempt forward; false when another worker claimed it. */
  claimWebhookDelivery(id: string, expectNextAttemptAt: number, until: number): Promise<boolean>;
  updateWebhookDelivery(id: string, set: Partial<Omit<WebhookDeliveryRow, 'id'>>): Promise<void>;

  // Dashboard operators, their sessions and the login throttle
  insertOperator(row: OperatorRow): Promise<void>;
  findOperatorByUsername(username: string): Promise<OperatorRow | undefined>;
  listOperators(): Promise<OperatorRow[]>;
  /** Removes the operator and every session of theirs; false when there was none. */
  deleteOperator(username: string): Promise<boolean>;
  insertOperatorSession(row: OperatorSessionRow): Promise<void>;
  /** The session with this token hash and its (enabled) operator, if both exist. */
  findOperatorSession(id: string): Promise<{ session: OperatorSessionRow; operator: OperatorRow } | undefined>;
  touchOperatorSession(id: string, at: number): Promise<void>;
  deleteOperatorSession(id: string): Promise<void>;
  /** Sessions past their absolute end or idle since before `idleCutoff`. */
  deleteStaleOperatorSessions(now: number, idleCutoff: number): Promise<number>;
  recordLoginFailure(keys: string[], at: number): Promise<void>;
  /** Failures per key since `since`, with the oldest one's time. */
  loginFailures(key: string, since: number): Promise<{ count: number; oldest: number | null }>;
  clearLoginFailures(key: string): Promise<void>;
  deleteLoginFailuresBefore(cutoff: number): Promise<number>;

  // Gateway heartbeats (the dashboard's timeline)
  insertGatewayHeartbeat(gatewayId: string, at: number): Promise<void>;
  listGatewayHeartbeats(since: number): Promise<Array<{ gateway_id: string; at: number }>>;
  deleteGatewayHeartbeatsBefore(cutoff: number): Promise<number>;

  // Dashboard reads (operators see every API key's data)
  /** Newest first; `q` matches an id prefix or a destination substring. */
  searchMessages(q: { q?: string; status?: MessageStatus; channel?: Channel; gatewayId?: string; limit: number; cursor?: string }): Promise<Page<MessageRow>>;
  /** Newest first; `q` matches an id prefix or a destination substring. */
  searchVerifications(q: { q?: string; status?: VerificationStatus; channel?: Channel; limit: number; cursor?: string }): Promise<Page<VerificationRow>>;
  /** Events from `since`, counted per minute (`minute` = epoch ms of the minute's start) and status. */
  countEventsPerMinute(since: number): Promise<Array<{ minute: number; status: MessageStatus; count: number }>>;
  /** For events of `status` from `since`: how long after its message's creation each happened (ms). */
  stageDurations(status: MessageStatus, since: number, limit: number): Promise<number[]>;
  /** Verifications created from `since`, one row per (verification, message, reached sent/delivered event). */
  funnelRows(since: number): Promise<Array<{ id: string; channel: Channel; to: string; status: VerificationStatus; gateway_id: string | null; reached: MessageStatus | null }>>;
  /** Message counts per gateway and status (all time). */
  countMessagesByGateway(): Promise<Array<{ gateway_id: string; status: MessageStatus; count: number }>>;
  countQueuedSms(): Promise<number>;
  countInboundByGateway(): Promise<Array<{ gateway_id: string; count: number }>>;
  listApiKeys(): Promise<ApiKeyRow[]>;
  getApiKey(id: string): Promise<ApiKeyRow | undefined>;
  /** Replaces an unrevoked key's hash (the old key stops matching); undefined when none. Announced to the other instances (`credentials:changed`). */
  rotateApiKey(id: string, keyHash: string, prefix: string): Promise<ApiKeyRow | undefined>;
  /** Sets revoked_at unless already revoked; returns the key as it is now. Announced like a rotation. */
  revokeApiKey(id: string, at: number): Promise<ApiKeyRow | undefined>;
  /** Every webhook, removed ones too. */
  listAllWebhooks(): Promise<WebhookRow[]>;
  /** A webhook's deliveries, the most recently made first (by id: a replay keeps its event's created_at). */
  listWebhookDeliveries(webhookId: string, limit: number): Promise<WebhookDeliveryRow[]>;

  // Budgets (limits.ts): counters per (bucket, fixed window), shared by every server
  /** Adds `by` to each counter atomically (created at `by` when absent); returns the counts after, in `rows` order. */
  addToCounters(rows: CounterWindow[], by: number): Promise<number[]>;
  /** Undoes an `addToCounters` (a refused or failed request gives its count back). */
  takeBackFromCounters(rows: Array<Omit<CounterWindow, 'expires_at'>>, by: number): Promise<void>;
  readCounters(rows: Array<Omit<CounterWindow, 'expires_at'>>): Promise<number[]>;
  /** Records members (e.g. recipients) of bucket windows; true for each that was new. */
  addBudgetMembers(rows: Array<CounterWindow & { member: string }>): Promise<boolean[]>;
  /** Counters and members whose window has ended. */
  deleteExpiredBudgets(now: number): Promise<number>;

  // Settings
  getSetting(key: string): Promise<string | undefined>;
  /** Sets the value unless one exists; returns the stored value (first writer wins). */
  setSettingIfAbsent(key: string, value: string): Promise<string>;
}

/** A repository inside a transaction. */
export interface Tx extends Repo {
  /**
   * Runs `fn` once the outermost transaction has committed; dropped when the
   * transaction (or the savepoint it was registered in) rolls back. In-process
   * signals go here, so nothing announces a change that was not stored.
   */
  afterCommit(fn: () => void): void;
}

export interface Store extends Repo {
  readonly dialect: Dialect;
  /** This store's own id in the announcements it sends (`notifyInstances`), so its listener can skip them. */
  readonly instanceId: string;
  /**
   * Hears the other instances' announcements (PostgreSQL LISTEN on a
   * dedicated connection, reopened after a drop; postgres/notify.ts).
   * Undefined on SQLite: one instance, nobody to hear.
   */
  listen(handlers: ListenHandlers): Listener | undefined;
  /** Round trip to the database (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** The underlying Kysely instance, for tests and maintenance tools. */
  readonly db: Kysely<Database>;
}

/** Connection-level PostgreSQL errors: the server went away, refused, or is starting or stopping. */
const PG_UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
const PG_UNAVAILABLE_MESSAGES = /Connection terminated|connection error|timeout exceeded when trying to connect|Client was closed|not queryable/i;
/** SQLite result codes (and extended codes) that mean the file cannot be used right now, not that the SQL is wrong. */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|READONLY|IOERR|CANTOPEN|FULL|PROTOCOL|NOTADB|CORRUPT)/;

/**
 * Why the store cannot serve right now, in one sentence for an API client
 * or a log line; undefined when `err` is not an availability problem (a
 * bug or a constraint must not be disguised as an outage).
 */
export function storeUnavailableReason(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown; errors?: unknown[] };
  if (!e || typeof e !== 'object') return undefined;
  const code = typeof e.code === 'string' ? e.code : '';
  if (SQLITE_UNAVAILABLE.test(code)) {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'the database is locked by another process';
    if (code.startsWith('SQLITE_READONLY')) return 'the database is read-only';
    if (code === 'SQLITE_FULL') return 'the disk holding the database is full';
    return `the database file cannot be used (${code})`;
  }
  if (PG_UNAVAILABLE_CODES.has(code) || code.startsWith('08')) return 'the database does not answer';
  if (typeof e.message === 'string' && PG_UNAVAILABLE_MESSAGES.test(e.message)) return 'the database does not answer';
  // Connecting to several addresses at once fails with an AggregateError.
  if (Array.isArray(e.errors)) for (const inner of e.errors) if (storeUnavailableReason(inner)) return 'the database does not answer';
  return undefined;
}

/** True for the unique-constraint errors of both dialects. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
