/**
 * Wake-ups between server instances that share one PostgreSQL database
 * (LISTEN/NOTIFY).
 *
 * Why: inside one process a change wakes whoever waits for it through the
 * in-process bus (a gateway's long poll wakes the moment a message is
 * queued). A gateway polling instance B would hear of a message created on
 * instance A only at its next re-check. So the transaction that makes such
 * a change also runs `pg_notify` (`publish`), and every instance keeps one
 * dedicated connection that LISTENs (`listen`) and hands what the others
 * announced to its own bus.
 *
 * Promises kept here:
 * - nobody hears of an uncommitted change: PostgreSQL delivers a
 *   notification only when the transaction that sent it commits, and drops
 *   it when that transaction (or the savepoint it was sent in) rolls back;
 * - an instance ignores its own notifications (its bus already heard of the
 *   change, after the commit): each store has an instance id sent along;
 * - instances of different Kirim databases in one PostgreSQL database (one
 *   schema each) do not wake each other: the channel is named after the
 *   schema;
 * - a listening connection that drops (PostgreSQL restarted, a network cut,
 *   a dead socket found by the periodic ping) is opened again with
 *   exponential backoff, for as long as the store is open; every time
 *   LISTEN holds again `onListening` runs, so the caller can catch up on
 *   whatever was announced while nobody listened (notifications are not
 *   queued for a connection that is not there).
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import type { ClusterSignal } from '../types.js';

/** Where a store's notifications go: the channel and the sending instance. */
export interface NotifyTarget {
  channel: string;
  instance: string;
}

/** The channel of a schema: readable when it fits PostgreSQL's 63-byte identifiers, hashed otherwise. */
export function channelFor(schema: string): string {
  const plain = `kirim:${schema}`;
  return Buffer.byteLength(plain) <= 63 ? plain : `kirim:${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
}

/** Sends `signal` on `db` (a transaction: delivered at its commit; a plain connection: at once). */
export async function publish(db: Kysely<any>, target: NotifyTarget, signal: ClusterSignal): Promise<void> {
  const payload = JSON.stringify({ from: target.instance, signal });
  await sql`select pg_notify(${target.channel}, ${payload})`.execute(db);
}

/** The signal in a notification's payload, or undefined when it is not one (another program on the channel, a newer server). */
export function parseSignal(payload: string | undefined): { from: string; signal: ClusterSignal } | undefined {
  try {
    const v = JSON.parse(payload ?? '') as { from?: unknown; signal?: unknown };
    const s = v.signal;
    if (typeof v.from !== 'string' || !Array.isArray(s)) return undefined;
    if (s.length === 1 && (s[0] === 'queue:sms' || s[0] === 'queue:email')) return { from: v.from, signal: [s[0]] };
    if (s.length === 3 && s[0] === 'queue:sms' && (s[1] === null || typeof s[1] === 'string') && typeof s[2] === 'string') return { from: v.from, signal: ['queue:sms', s[1], s[2]] };
    if (s.length === 3 && s[0] === 'credentials:changed' && (s[1] === 'gateway' || s[1] === 'api_key') && typeof s[2] === 'string') {
      return { from: v.from, signal: ['credentials:changed', s[1], s[2]] };
    }
  } catch {
    // not JSON: not ours
  }
  return undefined;
}

export interface ListenHandlers {
  /** A signal another instance sent (its own are filtered out). */
  onSignal(signal: ClusterSignal): void;
  /** LISTEN holds (the first time, and after every reconnection); `gapMs` is how long nobody listened (0 the first time). */
  onListening(info: { reconnect: boolean; gapMs: number }): void;
  /** The listening connection failed or could not be opened; called once per outage, with the first error. */
  onLost(err: unknown): void;
}

export interface ListenOptions {
  /** First reconnection delay; doubles per failure up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** How often the connection is pinged, so a dead socket (a silent network cut) is found. */
  pingMs?: number;
}

export interface Listener {
  /** True while LISTEN holds. */
  readonly listening: boolean;
  close(): Promise<void>;
}

/** Opens the dedicated listening connection for `target` on `url` and keeps it open until `close()`. */
export function listen(url: string, target: NotifyTarget, handlers: ListenHandlers, { backoffMs = 100, maxBackoffMs = 5_000, pingMs = 15_000 }: ListenOptions = {}): Listener {
  let client: pg.Client | undefined;
  let closed = false;
  let listening = false;
  let connectedOnce = false;
  let failures = 0;
  let lostAt = 0;
  let retry: NodeJS.Timeout | undefined;
  let ping: NodeJS.Timeout | undefined;

  function lost(c: pg.Client, err: unknown) {
    if (c !== client || closed) return;
    client = undefined;
    listening = false;
    clearInterval(ping);
    c.removeAllListeners('notification');
    c.end().catch(() => {});
    if (failures++ === 0) {
      lostAt = Date.now();
      handlers.onLost(err);
    }
    retry = setTimeout(connect, Math.min(maxBackoffMs, backoffMs * 2 ** (failures - 1)));
    retry.unref();
  }

  async function connect() {
    if (closed) return;
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, keepAlive: true, query_timeout: 5_000 });
    client = c;
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c, new Error('the listening connection was closed')));
    c.on('notification', (n) => {
      if (n.channel !== target.channel) return;
      const parsed = parseSignal(n.payload);
      if (parsed && parsed.from !== target.instance) handlers.onSignal(parsed.signal);
    });
    try {
      await c.connect();
      await c.query(`listen ${pg.escapeIdentifier(target.channel)}`);
    } catch (err) {
      lost(c, err);
      return;
    }
    if (c !== client || closed) {
      await c.end().catch(() => {});
      return;
    }
    listening = true;
    const reconnect = connectedOnce;
    const gapMs = failures > 0 ? Date.now() - lostAt : 0;
    connectedOnce = true;
    failures = 0;
    ping = setInterval(() => {
      c.query('select 1').catch((err: unknown) => lost(c, err));
    }, pingMs);
    ping.unref();
    handlers.onListening({ reconnect, gapMs });
  }

  void connect();
  return {
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      listening = false;
      clearTimeout(retry);
      clearInterval(ping);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
