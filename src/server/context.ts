/**
 * What every part of the server shares: settings, the store, the keyring,
 * the in-process event bus, metrics and the logger. Built once in app.ts.
 */
import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import type { ServerConfig } from './config.js';
import type { Keyring } from './crypto.js';
import type { Metrics } from './metrics.js';
import type { GatewayRow, InboundRow, MessageRow, Store, VerificationRow, WebhookDeliveryRow } from './store/index.js';

/** A queued SMS's wake-up: the route it was queued on (null: the unpinned gateways' share). */
export interface SmsWake {
  route: string | null;
}

/** In-process signals. Cross-instance wake-ups (PostgreSQL LISTEN/NOTIFY) can feed the same bus. */
export interface BusEvents {
  /**
   * A message became available for a channel (new, requeued). With a
   * wake-up, one SMS on that route; without, anything may have changed
   * (every waiting poll looks).
   */
  'queue:sms': [wake?: SmsWake];
  'queue:email': [];
  /** A message changed state (after the change is stored). */
  'message:changed': [message: MessageRow, detail: string | null];
  /** A verification left `pending` (approved, failed, expired...). */
  'verification:ended': [verification: VerificationRow];
  /** A gateway went online or offline. */
  'gateway:state': [gateway: GatewayRow];
  /** The reliability monitor took a gateway out of rotation or put it back. */
  'gateway:rotation': [gateway: GatewayRow];
  /** An inbound SMS was stored. */
  inbound: [sms: InboundRow];
  /** A gateway's heartbeat was stored (the row as it is now). */
  'gateway:heartbeat': [gateway: GatewayRow];
  /**
   * A credential was revoked or rotated by this server (the CLI changes the
   * store directly; open long-polls see that at their next re-check).
   * Waiting gateway long-polls re-check their token at once.
   */
  'credentials:changed': [kind: 'gateway' | 'api_key', id: string];
  /** A webhook delivery was created or an attempt at it finished (the row as stored). */
  'webhook:delivery': [delivery: WebhookDeliveryRow];
}

export class Bus extends EventEmitter<BusEvents> {
  constructor() {
    super();
    // Every waiting gateway long-poll listens; do not warn at 10.
    this.setMaxListeners(0);
  }
}

export interface ServerContext {
  config: ServerConfig;
  store: Store;
  keyring: Keyring;
  bus: Bus;
  metrics: Metrics;
  log: FastifyBaseLogger;
  /** Set when the server begins to shut down: long-polls answer at once. */
  closing: boolean;
  /** Clock, replaceable in tests. */
  now(): number;
}
