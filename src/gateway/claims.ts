/**
 * The claim step between a lease answer and the outbox: the messages of
 * one lease answer are recorded (`claiming`, durable), claimed in one
 * request, and only the `claimed` ones are written. The server records a
 * claim before answering it, and a claimed message never moves to another
 * gateway, so a file in this outbox is never also in another's.
 *
 * When the server cannot be reached, nothing is written: the claim is
 * retried with backoff while the lease still holds. After that the server
 * may have given the message to another gateway; the journal keeps it
 * `claiming`, and if it comes back in a later lease answer (requeued to
 * this gateway, or leased again because the server did record the claim)
 * it is claimed again then.
 */
import type { LeasedMessage } from '../protocol/gateway.js';
import { Backoff, sleep } from './backoff.js';
import { logServerError, type GatewayClient } from './client.js';
import type { Logger } from './logger.js';
import type { Spooler } from './spooler.js';

export interface ClaimsOptions {
  client: GatewayClient;
  spooler: Spooler;
  log: Logger;
  /** Runs a change of the journal or the outbox under the agent's lock. */
  serialize: <T>(fn: () => Promise<T>) => Promise<T>;
  backoffBaseMs: number;
  backoffCapMs: number;
  signal: AbortSignal;
}

export class Claims {
  constructor(private readonly o: ClaimsOptions) {}

  /**
   * Handles one lease answer. `validUntil` is the local time (ms) the
   * earliest lease of the answer ends, from the server's `lease_until` and
   * `server_time` (clocks of the Pi and the server need not agree).
   */
  async handle(messages: LeasedMessage[], validUntil: number): Promise<void> {
    const { spooler, serialize, log } = this.o;
    const waiting: LeasedMessage[] = [];
    for (const m of messages) {
      try {
        if (await serialize(() => spooler.prepare(m))) waiting.push(m);
      } catch (err) {
        log.error({ err, messageId: m.id }, 'cannot spool message');
      }
    }
    if (waiting.length === 0) return;
    const results = await this.claim(waiting.map((m) => m.id), validUntil);
    if (!results) return;
    for (const m of waiting) {
      const r = results.get(m.id);
      // An id the answer left out stays `claiming`: not written.
      if (!r) continue;
      // Not aborted by stop(): a write that started finishes.
      await serialize(() => spooler.claimAnswered(m, r.outcome, r.status)).catch((err) => log.error({ err, messageId: m.id }, 'cannot spool message'));
    }
  }

  /** The server's answers by id, or undefined when it could not be asked before `validUntil`. */
  private async claim(ids: string[], validUntil: number): Promise<Map<string, { outcome: 'claimed' | 'lost'; status?: string }> | undefined> {
    const { client, log, signal } = this.o;
    const backoff = new Backoff(this.o.backoffBaseMs, this.o.backoffCapMs);
    for (;;) {
      try {
        const res = await client.claims(ids, signal);
        return new Map(res.results.map((r) => [r.message_id, r.status === undefined ? { outcome: r.outcome } : { outcome: r.outcome, status: r.status }]));
      } catch (err) {
        if (signal.aborted) return undefined;
        const delay = backoff.next();
        if (Date.now() + delay >= validUntil) {
          log.warn({ messages: ids.length, error: err instanceof Error ? err.message : String(err) }, 'could not claim before the lease ended; not written (a later lease decides)');
          return undefined;
        }
        logServerError(log, err, 'claims', delay, backoff.failures);
        await sleep(delay, signal);
      }
    }
  }
}
