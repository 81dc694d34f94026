/**
 * Webhook subscriptions and their durable delivery queue: every event is
 * stored per subscribed endpoint, then delivered (signed as Standard
 * Webhooks) by a worker that retries with backoff until it succeeds, the
 * endpoint answers 410, or the schedule runs out.
 */
import type { WEBHOOK_EVENTS } from '../../protocol/api.js';
import type { ServerContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { WebhookRow } from '../store/index.js';
import { nextAttemptAt, webhookRetryDelays } from './backoff.js';
import { deliverWebhook } from './deliver.js';
import { generateWebhookSecret } from './sign.js';
import { validateWebhookUrl } from './url.js';

type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];
const iso = (ms: number) => new Date(ms).toISOString();
/** Events that concern no single API key go to every subscribed endpoint. */
const GLOBAL_EVENTS = new Set(['message.received', 'gateway.online', 'gateway.offline']);
/** How long a claimed delivery is hidden from other workers while it runs. */
const CLAIM_MS = 60_000;
/** How long the list of subscriptions is reused. */
const SUBSCRIPTIONS_TTL_MS = 2_000;

export type WebhookService = ReturnType<typeof createWebhookService>;

export function createWebhookService(ctx: ServerContext) {
  const { store, keyring, log } = ctx;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | null = null;

  // Every message state change asks which endpoints listen; reading them
  // from the store each time would put a query on the hot path. The list is
  // kept briefly and dropped whenever this server changes it (another server
  // sharing PostgreSQL sees a change within SUBSCRIPTIONS_TTL_MS).
  let cached: { at: number; hooks: Array<WebhookRow & { events: Set<string> }> } | null = null;
  async function subscriptions() {
    const now = Date.now();
    if (!cached || now - cached.at > SUBSCRIPTIONS_TTL_MS) {
      const rows = await store.listWebhooks();
      cached = { at: now, hooks: rows.map((r) => Object.assign({}, r, { events: new Set(JSON.parse(r.events) as string[]) })) };
    }
    return cached.hooks;
  }

  const view = (w: WebhookRow, secret?: string) => ({
    id: w.id,
    url: w.url,
    events: JSON.parse(w.events) as WebhookEventName[],
    created_at: iso(w.created_at),
    ...(secret ? { secret } : {}),
  });

  async function deliverOne(id: string, due: number): Promise<void> {
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
    const result = await deliverWebhook({ url: hook.url, secret, id: d.id, type: d.type, payload: JSON.parse(d.payload), occurredAt: d.created_at });
    const at = ctx.now();
    const attempts = d.attempts + 1;
    if (result.ok) {
      ctx.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
      await store.updateWebhookDelivery(id, { state: 'delivered', attempts, last_error: null, updated_at: at });
      return;
    }
    const detail = result.detail.slice(0, 500);
    if (!result.retryable || attempts > webhookRetryDelays.length) {
      ctx.metrics.webhookDeliveries.inc({ outcome: 'failed' });
      await store.updateWebhookDelivery(id, { state: 'failed', attempts, last_error: detail, updated_at: at });
      if (result.status === 410) {
        await store.disableWebhook(hook.id, at);
        cached = null;
      }
      return;
    }
    ctx.metrics.webhookDeliveries.inc({ outcome: 'retry' });
    await store.updateWebhookDelivery(id, { attempts, last_error: detail, next_attempt_at: nextAttemptAt(attempts, at), updated_at: at });
  }

  async function drain(): Promise<void> {
    for (let rounds = 0; rounds < 50; rounds++) {
      const due = await store.listDueWebhookDeliveries(ctx.now(), 20);
      if (due.length === 0) return;
      await Promise.all(due.map((d) => deliverOne(d.id, d.next_attempt_at).catch((err) => log.error({ err, delivery: d.id }, 'webhook delivery crashed'))));
    }
  }

  function kick() {
    if (!running || pass) return;
    pass = drain().finally(() => {
      pass = null;
    });
  }

  return {
    async create(apiKeyId: string, body: { url: string; events: string[] }) {
      const problem = validateWebhookUrl(body.url);
      if (problem) throw new ApiError(422, 'invalid_url', problem);
      const now = ctx.now();
      const id = newId('wh', now);
      const secret = generateWebhookSecret();
      const row: WebhookRow = { id, api_key_id: apiKeyId, url: body.url, events: JSON.stringify([...new Set(body.events)]), secret_enc: keyring.encrypt(id, secret), created_at: now, disabled_at: null };
      await store.insertWebhook(row);
      cached = null;
      return view(row, secret);
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

    /** Stores one delivery per endpoint subscribed to `type` (the owner's, or everyone's for global events). */
    async emit(type: string, data: Record<string, unknown>, apiKeyId: string | null): Promise<void> {
      const global = GLOBAL_EVENTS.has(type) || apiKeyId === null;
      const hooks = (await subscriptions()).filter((h) => h.events.has(type) && (global || h.api_key_id === apiKeyId));
      const now = ctx.now();
      let any = false;
      for (const h of hooks) {
        await store.insertWebhookDelivery({ id: newId('whd', now), webhook_id: h.id, type, payload: JSON.stringify(data), state: 'pending', attempts: 0, next_attempt_at: now, last_error: null, created_at: now, updated_at: now });
        any = true;
      }
      if (any) kick();
    },

    /** Delivers everything due now (tests and maintenance). */
    runOnce: () => drain(),

    start() {
      running = true;
      timer = setInterval(kick, 1_000);
      timer.unref();
      kick();
    },
    async stop() {
      running = false;
      clearInterval(timer);
      await pass;
    },
  };
}
