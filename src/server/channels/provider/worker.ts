/**
 * Hands the SMS routed to one provider (route `provider:<id>`) to it, in a
 * background loop (loop.ts) woken by SMS queued on that route and every
 * second for retries that came due. Every state change goes through the
 * messages service.
 *
 * The life of an SMS here:
 * 1. leased to `provider:<id>` (queued → dispatched), like a gateway's lease;
 * 2. marked `spooled` ("handing to provider …, attempt n") in its own
 *    commit, with a lease covering the HTTP call, BEFORE the call: from
 *    here on the provider may have it;
 * 3. the call; then, from what it gave:
 *    - accepted → `sent` (the provider's id in the history);
 *    - refused for good (4xx, or an error inside a 2xx) → `failed` with the
 *      provider's error;
 *    - not taken now (5xx, 408, 429, or no connection at all) → `queued`
 *      again with a backoff (`next_attempt_at`), or `expired` when the next
 *      attempt would come after the message's expiry;
 *    - unknown (the connection broke or timed out after the request left)
 *      → stays `spooled`, never sent again; a delivery report settles it,
 *      else it is `failed` at its expiry ("outcome unknown").
 *
 * Nothing sent twice: an SMS is handed over again only when the provider
 * cannot have taken it (it answered "not now", or no connection opened).
 * If the server stops between 2 and the recording of 3, the SMS stays
 * `spooled` with a lapsed lease; the next pass records that its outcome is
 * unknown and does not send it again. The price is at most once: such an
 * SMS may not have gone out (docs/providers.md, "Guarantees").
 */
import { iso } from '../../../protocol/time.js';
import type { ServerContext } from '../../context.js';
import { createServerLoop } from '../../loop.js';
import type { MessageService } from '../../messages/service.js';
import type { MessageRow } from '../../store/index.js';
import { backoffMs } from '../../webhooks/backoff.js';
import { providerRoute } from './config.js';
import { callProvider } from './http-call.js';
import type { ProviderAdapter } from './types.js';

/** Beyond the HTTP timeout, how long a hand-over's lease lasts (a slow commit after the answer). */
const HANDOVER_SLACK_MS = 30_000;

export interface ProviderWorker {
  readonly id: string;
  /** One pass: settle interrupted hand-overs, then hand over what is queued; resolves with how many were handed over. */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
  /** Whether the last hand-overs failed (answers of "not now" or no connection) — the router passes over a failing provider. */
  readonly failing: boolean;
}

/**
 * Consecutive temporary failures after which a provider counts as failing,
 * until one hand-over gets an answer or FAILING_FOR_MS pass without a new
 * failure (then new SMS may try it again).
 */
const FAILING_AFTER = 3;
const FAILING_FOR_MS = 60_000;

export function createProviderWorker(ctx: ServerContext, messages: MessageService, adapter: ProviderAdapter, callbackUrl: (messageId: string) => string): ProviderWorker {
  const { config } = adapter;
  const gatewayId = providerRoute(config.id);
  const name = `provider ${config.id}`;
  let temporaryFailures = 0;
  let lastFailureAt = 0;
  const count = (outcome: string) => ctx.metrics.providerSends.inc({ provider: config.id, outcome });

  async function handOver(row: MessageRow): Promise<void> {
    const d = await messages.deliverable(row);
    if ('drop' in d) {
      await messages.transition({ id: row.id, from: ['dispatched'], to: d.drop, at: ctx.now(), detail: d.detail, gatewayId });
      return;
    }
    const attempt = row.attempts + 1;
    const started = ctx.now();
    // The point after which the provider may have it: committed before the call.
    const marked = await messages.transition({
      id: row.id,
      from: ['dispatched'],
      to: 'spooled',
      at: started,
      detail: `handing to ${name} (attempt ${attempt})`,
      gatewayId,
      ...(row.lease_until !== null ? { leaseUntil: row.lease_until } : {}),
      set: { lease_until: started + config.timeout_ms + HANDOVER_SLACK_MS, attempts: attempt },
    });
    if (!marked) return;
    const outcome = await callProvider({ ...adapter.request({ id: row.id, to: row.to, text: d.text, encoding: row.encoding, callbackUrl: callbackUrl(row.id) }), timeoutMs: config.timeout_ms });
    const at = ctx.now();
    const settle = (to: MessageRow['status'], detail: string, set: Partial<MessageRow> = {}) =>
      messages.transition({ id: row.id, from: ['spooled'], to, at, detail, gatewayId, set: { lease_until: null, ...set } });

    if (outcome.kind === 'unknown') {
      temporaryFailures = 0;
      count('unknown');
      ctx.log.warn({ provider: config.id, message_id: row.id }, `${name}: ${outcome.detail}; whether it took ${row.id} is unknown, so it is not sent again`);
      await settle('spooled', `${name}: ${outcome.detail}; whether it took the SMS is unknown, so it is not sent again (a delivery report will settle it)`, { last_error: outcome.detail });
      return;
    }
    const verdict = outcome.kind === 'answered' ? adapter.interpret(outcome.status, outcome.body) : { outcome: 'retry' as const, detail: outcome.detail };
    if (verdict.outcome === 'accepted') {
      temporaryFailures = 0;
      count('accepted');
      await settle('sent', `accepted by ${name}${verdict.providerId ? `, its message id ${verdict.providerId}` : ''}: ${verdict.detail}`, { last_error: null });
      return;
    }
    if (verdict.outcome === 'rejected') {
      temporaryFailures = 0;
      count('rejected');
      await settle('failed', `${name} refused it: ${verdict.detail}`, { last_error: verdict.detail });
      return;
    }
    temporaryFailures++;
    lastFailureAt = at;
    const next = at + backoffMs(attempt, { baseMs: config.retry_base_ms, maxMs: config.retry_max_ms });
    if (next >= row.expires_at) {
      count('expired');
      await settle('expired', `${name}: ${verdict.detail}; not retried, as the next attempt would come after the message's expiry`, { last_error: verdict.detail });
      return;
    }
    count('retry');
    await settle('queued', `${name}: ${verdict.detail}; attempt ${attempt + 1} at ${iso(next)}`, { next_attempt_at: next, last_error: verdict.detail });
  }

  /**
   * Hand-overs the server stopped in the middle of (lease lapsed while
   * `spooled`): their outcome is unknown, and they are not sent again. And
   * unknown outcomes nobody settled by the message's expiry: failed.
   */
  async function settleInterrupted(): Promise<void> {
    const now = ctx.now();
    for (const row of await ctx.store.listProviderHandovers(gatewayId, now, 200)) {
      if (row.lease_until !== null) {
        count('unknown');
        await messages.transition({ id: row.id, from: ['spooled'], to: 'spooled', at: now, gatewayId, leaseUntil: row.lease_until, detail: `the hand-over to ${name} was interrupted (the server stopped during it); whether it took the SMS is unknown, so it is not sent again (a delivery report will settle it)`, set: { lease_until: null } });
      } else {
        await messages.transition({ id: row.id, from: ['spooled'], to: 'failed', at: now, gatewayId, detail: `no word from ${name} by the message's expiry; whether it was sent is unknown` });
      }
    }
  }

  /** A stop lets calls in flight finish (each within its timeout): aborting them would leave their outcome unknown. */
  async function drain(signal?: AbortSignal): Promise<number> {
    await settleInterrupted();
    let handled = 0;
    while (!signal?.aborted) {
      const now = ctx.now();
      const rows = await messages.lease({ gatewayId, max: config.max_in_flight, now, leaseUntil: now + config.timeout_ms + HANDOVER_SLACK_MS, routes: [gatewayId], due: true });
      if (rows.length === 0) break;
      const results = await Promise.allSettled(rows.map((r) => handOver(r)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      handled += rows.length;
    }
    return handled;
  }

  const loop = createServerLoop(ctx, `provider-${config.id}`, 1_000, drain);
  const wake = (w?: { route: string | null }) => {
    if (!w || w.route === gatewayId) loop.wake();
  };

  return {
    id: config.id,
    runOnce: () => drain(),
    get failing() {
      return temporaryFailures >= FAILING_AFTER && ctx.now() - lastFailureAt < FAILING_FOR_MS;
    },
    start() {
      ctx.bus.on('queue:sms', wake);
      loop.start();
    },
    async stop() {
      ctx.bus.off('queue:sms', wake);
      await loop.stop();
    },
  };
}
