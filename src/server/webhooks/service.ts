/**
 * Webhook subscriptions and their durable delivery queue.
 *
 * Promises kept here:
 * - an event is stored (one delivery row per subscribed endpoint) in the
 *   same transaction as the change it reports (`enqueue(tx, ...)`): a crash
 *   can lose neither, and no event is sent for a change that rolled back;
 * - deliveries are signed as Standard Webhooks and retried with backoff
 *   until they succeed, the endpoint answers 410 (it is then disabled), or
 *   the schedule in backoff.ts runs out;
 * - a delivery is claimed (compare-and-set on its due time) before it is
 *   attempted, so two workers or two servers never attempt it at once;
 * - the worker runs in a background loop (loop.ts): a store outage is
 *   logged once and retried with backoff, and a stop aborts attempts in
 *   flight (they are due again at once, without counting as an attempt);
 * - an event reaches only the endpoints of keys allowed to see it (the
 *   fan-out in `audience`; docs/security.md, "Tenants and scopes"): a
 *   key's own message and verification events to that key; an inbound SMS
 *   (`message.received`) to the key it answers and to keys with the
 *   `inbound` scope; gateway events to keys with `admin`. Endpoints of
 *   revoked or expired keys hear nothing.
 */
import type { WEBHOOK_EVENTS } from '../../protocol/api.js';
import { iso } from '../../protocol/time.js';
import { hasScope } from '../auth.js';
import type { ServerContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { createServerLoop } from '../loop.js';
import type { Repo, Tx, WebhookDeliveryRow, WebhookRow } from '../store/index.js';
import { nextAttemptAt, webhookRetryDelays } from './backoff.js';
import { deliverWebhook } from './deliver.js';
import { subscribes } from './events.js';
import { generateWebhookSecret } from './sign.js';
import { parseAllowList } from './egress.js';
import { validateWebhookUrl } from './url.js';

type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];
type Subscription = WebhookRow & { key_scopes: string; events: Set<string> };

/**
 * Whether the endpoint `h` may hear an event of `type` about `owner` (the
 * API key the event concerns; for an inbound SMS, the key it answers, or
 * null when it answers none).
 */
export function audience(h: Pick<Subscription, 'api_key_id' | 'key_scopes'>, type: string, owner: string | null): boolean {
  const key = { scopes: h.key_scopes };
  if (type === 'message.received') return (owner !== null && h.api_key_id === owner) || hasScope(key, 'inbound');
  if (type.startsWith('gateway.')) return hasScope(key, 'admin');
  // A message or verification event belongs to its key; one without a key concerns operators only.
  return owner === null ? hasScope(key, 'admin') : h.api_key_id === owner;
}
/** How long a claimed delivery is hidden from other workers while it runs. */
const CLAIM_MS = 60_000;
/** How long the list of subscriptions is reused. */
const SUBSCRIPTIONS_TTL_MS = 2_000;
/** Deliveries attempted at once. */
const BATCH = 20;

export type WebhookService = ReturnType<typeof createWebhookService>;

export function createWebhookService(ctx: ServerContext) {
  const { store, keyring } = ctx;
  const egress = parseAllowList(ctx.config.webhookAllowPrivate.join(','));

  // Every message state change asks which endpoints listen; reading them
  // from the store each time would put a query on the hot path. The list is
  // kept briefly and dropped whenever this server changes it or a key
  // (another server sharing PostgreSQL, or the CLI, is seen within
  // SUBSCRIPTIONS_TTL_MS: a key revoked there may still be sent events for
  // up to that long). It is read through the caller's transaction: on
  // SQLite a read on another connection would wait for that very transaction.
  let cached: { at: number; hooks: Subscription[] } | null = null;
  async function subscriptions(repo: Repo) {
    const now = ctx.now();
    if (!cached || now - cached.at > SUBSCRIPTIONS_TTL_MS || now < cached.at) {
      const rows = await repo.listWebhookSubscriptions(now);
      cached = { at: now, hooks: rows.map((r) => Object.assign({}, r, { events: new Set(JSON.parse(r.events) as string[]) })) };
    }
    return cached.hooks;
  }
  ctx.bus.on('credentials:changed', (kind) => {
    if (kind === 'api_key') cached = null;
  });

  const view = (w: WebhookRow, secret?: string) => ({
    id: w.id,
    url: w.url,
    events: JSON.parse(w.events) as WebhookEventName[],
    created_at: iso(w.created_at),
    ...(secret ? { secret } : {}),
  });

  async function deliverOne(id: string, due: number, signal: AbortSignal): Promise<void> {
    const now = ctx.now();
    if (!(await store.claimWebhookDelivery(id, due, now + CLAIM_MS))) return;
    const d = await store.getWebhookDelivery(id);
    if (!d) return;
    const hook = await store.getWebhook(d.webhook_id);
    if (!hook || hook.disabled_at) {
      await store.updateWebhookDelivery(id, { state: 'failed', last_error: 'endpoint removed', updated_at: now });
      return;
    }
    const secret = keyring.decrypt(hook.id, hook.secret_enc);
    const started = performance.now();
    const result = await deliverWebhook({ url: hook.url, secret, id: d.id, type: d.type, payload: JSON.parse(d.payload), occurredAt: d.created_at, signal, egress });
    const at = ctx.now();
    if (signal.aborted && !result.ok) {
      // Cut short by a stop: due again at once, and not an attempt.
      await store.updateWebhookDelivery(id, { next_attempt_at: at, updated_at: at });
      return;
    }
    const attempts = d.attempts + 1;
    // What the dashboard shows of the attempt: the answer's status, how long it took, what it said.
    const response = {
      response_status: result.status ?? null,
      latency_ms: Math.round(performance.now() - started),
      response_excerpt: result.ok ? null : result.detail.slice(0, 200),
    };
    let set: Partial<Omit<WebhookDeliveryRow, 'id'>>;
    if (result.ok) {
      ctx.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
      set = { state: 'delivered', attempts, last_error: null, updated_at: at, ...response };
    } else {
      const detail = result.detail.slice(0, 500);
      if (!result.retryable || attempts > webhookRetryDelays.length) {
        ctx.metrics.webhookDeliveries.inc({ outcome: 'failed' });
        set = { state: 'failed', attempts, last_error: detail, updated_at: at, ...response };
      } else {
        ctx.metrics.webhookDeliveries.inc({ outcome: 'retry' });
        set = { attempts, last_error: detail, next_attempt_at: nextAttemptAt(attempts, at), updated_at: at, ...response };
      }
    }
    await store.updateWebhookDelivery(id, set);
    if (!result.ok && result.status === 410) {
      await store.disableWebhook(hook.id, at);
      cached = null;
    }
    ctx.bus.emit('webhook:delivery', { ...d, ...set } as WebhookDeliveryRow);
  }

  /** Delivers what is due, in batches; a store error ends the pass (the loop retries it). */
  async function drain(signal: AbortSignal): Promise<void> {
    for (let rounds = 0; rounds < 50 && !signal.aborted; rounds++) {
      const due = await store.listDueWebhookDeliveries(ctx.now(), BATCH);
      if (due.length === 0) return;
      const results = await Promise.allSettled(due.map((d) => deliverOne(d.id, d.next_attempt_at, signal)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  const loop = createServerLoop(ctx, 'webhooks', 1_000, drain);

  return {
    /** Subscribes an endpoint (inside `repo`'s transaction when given, e.g. an idempotent request). */
    async create(apiKeyId: string, body: { url: string; events: string[] }, repo: Repo = store) {
      const problem = validateWebhookUrl(body.url, egress);
      if (problem) throw new ApiError(422, 'invalid_url', problem);
      const now = ctx.now();
      const id = newId('wh', now);
      const secret = generateWebhookSecret();
      const row: WebhookRow = { id, api_key_id: apiKeyId, url: body.url, events: JSON.stringify([...new Set(body.events)]), secret_enc: keyring.encrypt(id, secret), created_at: now, disabled_at: null };
      await repo.transaction(async (tx) => {
        await tx.insertWebhook(row);
        tx.afterCommit(() => {
          cached = null;
        });
      });
      return view(row, secret);
    },
    /** The subscription as created, secret included (an idempotent replay shows the same answer; the secret is read from its encrypted column, never from the replay record). */
    async createdView(apiKeyId: string, id: string) {
      const w = await store.getWebhook(id, apiKeyId);
      if (!w) throw notFound('webhook');
      return view(w, keyring.decrypt(w.id, w.secret_enc));
    },
    async list(apiKeyId: string) {
      return { data: (await store.listWebhooks(apiKeyId)).map((w) => view(w)) };
    },
    async remove(apiKeyId: string, id: string) {
      const w = await store.getWebhook(id, apiKeyId);
      if (!w || w.disabled_at) throw notFound('webhook');
      await store.disableWebhook(id, ctx.now());
      cached = null;
    },

    /**
     * Stores one delivery per endpoint subscribed to `type` and allowed to
     * hear it (`audience`) inside the caller's transaction; the worker is
     * woken once it commits.
     */
    async enqueue(tx: Tx, type: string, data: Record<string, unknown>, apiKeyId: string | null): Promise<void> {
      const hooks = (await subscriptions(tx)).filter((h) => subscribes(h.events, type) && audience(h, type, apiKeyId));
      if (hooks.length === 0) return;
      const now = ctx.now();
      for (const h of hooks) {
        await tx.insertWebhookDelivery({ id: newId('whd', now), webhook_id: h.id, type, payload: JSON.stringify(data), state: 'pending', attempts: 0, next_attempt_at: now, last_error: null, created_at: now, updated_at: now });
      }
      tx.afterCommit(() => loop.wake());
    },

    /**
     * Sends a past delivery again (the dashboard's replay): a new delivery
     * (new `webhook-id`) with the same event, payload and `created_at` — the
     * body's `timestamp` says when the event happened, so the replayed body
     * is the original's byte for byte — due now; the old one stays as it
     * was. Refused for a removed endpoint.
     */
    async replay(webhookId: string, deliveryId: string): Promise<WebhookDeliveryRow> {
      const hook = await store.getWebhook(webhookId);
      const old = await store.getWebhookDelivery(deliveryId);
      if (!hook || !old || old.webhook_id !== hook.id) throw notFound('webhook delivery');
      if (hook.disabled_at !== null) throw new ApiError(409, 'webhook_disabled', 'this webhook was removed; deliveries to it cannot be replayed');
      const now = ctx.now();
      const row: WebhookDeliveryRow = {
        id: newId('whd', now), webhook_id: hook.id, type: old.type, payload: old.payload, state: 'pending', attempts: 0, next_attempt_at: now,
        last_error: null, created_at: old.created_at, updated_at: now, response_status: null, latency_ms: null, response_excerpt: null,
      };
      await store.insertWebhookDelivery(row);
      ctx.bus.emit('webhook:delivery', row);
      loop.wake();
      return row;
    },

    /**
     * After a server-secret rotation: every signing secret still sealed
     * under a previous secret is sealed again under the current one (a
     * compare-and-set, so two servers doing it at once agree). Returns how
     * many were moved.
     */
    async resealSecrets(): Promise<number> {
      if (ctx.config.previousSecrets.length === 0) return 0;
      let moved = 0;
      for (const w of await store.listAllWebhooks()) {
        const sealed = keyring.reseal(w.id, w.secret_enc);
        if (sealed && (await store.resealWebhookSecret(w.id, w.secret_enc, sealed))) moved++;
      }
      return moved;
    },

    /** Delivers everything due now (tests and maintenance). */
    runOnce: () => drain(new AbortController().signal),

    start: () => loop.start(),
    stop: () => loop.stop(),
  };
}
