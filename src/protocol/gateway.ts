/**
 * The protocol between `kirim server` and `kirim gateway` (the edge agent
 * beside gammu-smsd). Both sides import these schemas: the server validates
 * what gateways send, the gateway validates what the server answers.
 *
 * Transport: plain HTTP(S) requests made by the gateway (it connects out, so
 * it works behind home NAT). Every request carries
 * `Authorization: Bearer <gateway token>`; API keys are refused here and
 * gateway tokens are refused on /v1.
 *
 * Endpoints (all POST, JSON in and out, prefix {@link GATEWAY_PREFIX}):
 * - `/lease`     long-poll: held open until at least one message is leased to
 *                this gateway or `wait_ms` passes; answers at once when work
 *                is waiting. New messages wake waiting polls immediately.
 * - `/claims`    "about to write these to gammu's outbox": answered `claimed`
 *                or `lost` per message; only claimed ones may be written.
 * - `/reports`   state changes of leased messages. Idempotent: repeating a
 *                report is harmless and answered the same way.
 * - `/inbound`   received SMS. Idempotent by `key`.
 * - `/heartbeat` modem health and spool depth; also marks the gateway online.
 *
 * Errors use the same problem+json shape as the application API.
 */
import { z } from 'zod';
import { Priority } from './enums.js';

export { Priority };

export const GATEWAY_PREFIX = '/gateway/v1';

/** How long a lease lasts when the gateway does not report `spooled`. */
export const DEFAULT_LEASE_SECONDS = 30;
/** How often a gateway should send a heartbeat. */
export const DEFAULT_HEARTBEAT_SECONDS = 15;


/**
 * Names and ids never hold a NUL (PostgreSQL cannot store one, and no
 * file name or message id has one). Free text may: see routes/gateway.ts.
 */
const NO_NUL = /^[^\u0000]*$/;
const name = (max: number) => z.string().min(1).max(max).regex(NO_NUL, 'must not contain NUL');

/** E.164 with the plus sign, as the server always stores SMS destinations. */
export const E164 = z.string().regex(/^\+[1-9][0-9]{1,14}$/);

export const LeaseRequest = z
  .object({
    /** Most messages to lease in one answer. */
    max: z.number().int().min(1).max(100).default(10),
    /** How long the server may hold the request open when nothing waits. */
    wait_ms: z.number().int().min(0).max(30_000).default(25_000),
  })
  .strict();
export type LeaseRequest = z.infer<typeof LeaseRequest>;

export const LeasedMessage = z
  .object({
    id: z.string().min(1).max(64),
    to: E164,
    /** The full text to send (an OTP's code in clear, never stored so). */
    text: z.string().min(1).max(2000),
    priority: Priority,
    created_at: z.iso.datetime(),
    /** Never hand the message to the modem after this instant. */
    expires_at: z.iso.datetime(),
    /** Claim (or report `spooled`) before this instant or the lease is reclaimed. */
    lease_until: z.iso.datetime(),
    /** Ask the network for a delivery report (gammu `d` flag). */
    delivery_report: z.boolean(),
  })
  .strict();
export type LeasedMessage = z.infer<typeof LeasedMessage>;

export const LeaseResponse = z
  .object({
    messages: z.array(LeasedMessage),
    server_time: z.iso.datetime(),
  })
  .strict();
export type LeaseResponse = z.infer<typeof LeaseResponse>;

/**
 * States a gateway may report. `spooled`: the file is in gammu's outbox.
 * `sent`: gammu moved it to sent/. `delivered`: a delivery report arrived.
 * `failed`: gammu gave up or the gateway moved a stuck file to error/.
 * `expired`: the gateway removed it (or never wrote it) because its expiry
 * passed before gammu took it.
 */
export const ReportStatus = z.enum(['spooled', 'sent', 'delivered', 'failed', 'expired']);
export type ReportStatus = z.infer<typeof ReportStatus>;

export const Report = z
  .object({
    message_id: name(64),
    status: ReportStatus,
    /** When the gateway observed the change. */
    at: z.iso.datetime(),
    /** Human-readable reason, e.g. gammu's error text. */
    detail: z.string().max(500).optional(),
    /** Number of SMS parts the modem sent, when known. */
    parts: z.number().int().min(1).max(255).optional(),
  })
  .strict();
export type Report = z.infer<typeof Report>;

export const ReportsRequest = z.object({ reports: z.array(Report).min(1).max(500) }).strict();
export type ReportsRequest = z.infer<typeof ReportsRequest>;

export const ReportResult = z
  .object({
    message_id: z.string(),
    /**
     * `applied`: the state changed. `duplicate`: already recorded (a retry).
     * `stale`: the message is already past this state or final.
     * `unknown`: no such message leased to this gateway; drop the report.
     */
    outcome: z.enum(['applied', 'duplicate', 'stale', 'unknown']),
    /** The message's status after the report, when the message is known. */
    status: z.string().optional(),
  })
  .strict();
export type ReportResult = z.infer<typeof ReportResult>;

export const ReportsResponse = z.object({ results: z.array(ReportResult) }).strict();
export type ReportsResponse = z.infer<typeof ReportsResponse>;

/**
 * Claims: before writing leased messages to gammu's outbox the gateway asks
 * the server to record that it is about to. A claimed message stays with
 * that gateway until it reports on it or it expires; it is never requeued
 * when its lease lapses and never leased to another gateway.
 */
export const ClaimsRequest = z.object({ message_ids: z.array(name(64)).min(1).max(100) }).strict();
export type ClaimsRequest = z.infer<typeof ClaimsRequest>;

export const ClaimResult = z
  .object({
    message_id: z.string(),
    /**
     * `claimed`: write it (repeating a claim answers `claimed` again).
     * `lost`: do not write it; it moved on (requeued and leased to another
     * gateway, canceled, expired, already reported) or is unknown here.
     */
    outcome: z.enum(['claimed', 'lost']),
    /** The message's status, when the message is known to this gateway. */
    status: z.string().optional(),
  })
  .strict();
export type ClaimResult = z.infer<typeof ClaimResult>;

export const ClaimsResponse = z.object({ results: z.array(ClaimResult) }).strict();
export type ClaimsResponse = z.infer<typeof ClaimsResponse>;

export const InboundSms = z
  .object({
    /** Stable id chosen by the gateway (e.g. the first inbox file's name); repeats are ignored. */
    key: name(200),
    from: name(40),
    text: z.string().max(10_000),
    received_at: z.iso.datetime(),
    parts: z.number().int().min(1).max(255).default(1),
  })
  .strict();
export type InboundSms = z.infer<typeof InboundSms>;

export const InboundRequest = z.object({ messages: z.array(InboundSms).min(1).max(200) }).strict();
export type InboundRequest = z.infer<typeof InboundRequest>;

export const InboundResponse = z.object({ accepted: z.number().int(), duplicates: z.number().int() }).strict();
export type InboundResponse = z.infer<typeof InboundResponse>;

export const ModemHealth = z
  .object({
    /** false when gammu-smsd is down, the modem does not answer, or no network. */
    ok: z.boolean(),
    signal_percent: z.number().min(0).max(100).optional(),
    battery_percent: z.number().min(0).max(100).optional(),
    network: z.string().max(100).optional(),
    imei: z.string().max(40).optional(),
    imsi: z.string().max(40).optional(),
    sent: z.number().int().min(0).optional(),
    received: z.number().int().min(0).optional(),
    failed: z.number().int().min(0).optional(),
    /** Why `ok` is false, for people. */
    error: z.string().max(500).optional(),
  })
  .strict();
export type ModemHealth = z.infer<typeof ModemHealth>;

export const SpoolDepth = z
  .object({
    outbox: z.number().int().min(0),
    sent: z.number().int().min(0).optional(),
    error: z.number().int().min(0).optional(),
    inbox: z.number().int().min(0).optional(),
    /** Reports waiting to reach the server (journal backlog). */
    pending_reports: z.number().int().min(0).optional(),
  })
  .strict();
export type SpoolDepth = z.infer<typeof SpoolDepth>;

export const HeartbeatRequest = z
  .object({
    version: z.string().max(40),
    started_at: z.iso.datetime(),
    modem: ModemHealth,
    spool: SpoolDepth,
  })
  .strict();
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;

export const HeartbeatResponse = z
  .object({
    server_time: z.iso.datetime(),
    heartbeat_seconds: z.number().int().positive(),
  })
  .strict();
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;
