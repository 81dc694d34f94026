/**
 * Assembles the server's services over a context, wires their events
 * (state changes → webhooks, verification sync, metrics) and runs the
 * background work: email worker, webhook worker, sweeper.
 */
import type { ServerContext } from './context.js';
import { createGatewayService, type GatewayService } from './channels/gateway/service.js';
import type { EmailTransport } from './channels/email/types.js';
import { createEmailWorker, type EmailWorker } from './channels/email/worker.js';
import { createSeedOutboxWriter, type SeedOutboxWriter } from './channels/seed-outbox/writer.js';
import { IDEMPOTENCY_TTL_MS } from './idempotency.js';
import { createLimits, type Limits } from './limits.js';
import { createMessageService, type MessageService } from './messages/service.js';
import { FINAL_MESSAGE_STATES, type MessageStatus } from './store/index.js';
import { createVerificationService, type VerificationService } from './verification/service.js';
import { createWebhookService, type WebhookService } from './webhooks/service.js';

export interface Services {
  ctx: ServerContext;
  limits: Limits;
  messages: MessageService;
  verifications: VerificationService;
  gateways: GatewayService;
  webhooks: WebhookService;
  email: EmailWorker;
  /** Seed compatibility (KIRIM_SEED_OUTBOX): SMS as gammu files in a folder for the seed's rsync. */
  seedOutbox?: SeedOutboxWriter;
  /** Starts background work (workers, sweeper). */
  start(): void;
  /** Stops background work and waits for what is in flight. */
  stop(): Promise<void>;
  /** One sweeper pass (expiry, lapsed leases, offline gateways); exposed for tests. */
  sweep(): Promise<void>;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Message states that become webhook events. */
const EVENT_STATES = new Set<MessageStatus>(['queued', 'spooled', 'sent', 'delivered', 'failed', 'expired', 'canceled']);

export function createServices(ctx: ServerContext, transport: EmailTransport): Services {
  const limits = createLimits(ctx.config);
  const messages = createMessageService(ctx);
  const verifications = createVerificationService(ctx, messages, limits);
  const gateways = createGatewayService(ctx, messages);
  const webhooks = createWebhookService(ctx);
  const email = createEmailWorker(ctx, messages, transport);
  const seedOutbox = ctx.config.seedOutboxDir ? createSeedOutboxWriter(ctx, messages, ctx.config.seedOutboxDir) : undefined;
  const { bus, log } = ctx;

  const safe = (what: string, p: Promise<unknown>) => p.catch((err) => log.error({ err }, `${what} failed`));

  bus.on('message:changed', (m, detail) => {
    ctx.metrics.messageTransitions.inc({ channel: m.channel, status: m.status });
    const status = m.status as MessageStatus;
    if (EVENT_STATES.has(status)) {
      safe('webhook fan-out', webhooks.emit(`message.${status}`, {
        id: m.id,
        to: m.to,
        channel: m.channel,
        status,
        at: iso(m.updated_at),
        ...(detail ? { detail } : {}),
        ...(m.verification_id ? { verification_id: m.verification_id } : {}),
      }, m.api_key_id));
    }
    if (FINAL_MESSAGE_STATES.includes(status)) safe('verification sync', verifications.onMessageFinal(m));
  });
  bus.on('verification:ended', (v) => {
    if (v.status === 'approved' || v.status === 'failed') {
      safe('webhook fan-out', webhooks.emit(`verification.${v.status}`, { id: v.id, to: v.to, channel: v.channel, status: v.status, at: iso(v.ended_at ?? ctx.now()) }, v.api_key_id));
    }
  });
  bus.on('gateway:state', (g) => {
    safe('webhook fan-out', webhooks.emit(`gateway.${g.state}`, { id: g.id, name: g.name, state: g.state, last_seen_at: g.last_seen_at ? iso(g.last_seen_at) : null }, null));
  });
  bus.on('inbound', (i) => {
    safe('webhook fan-out', webhooks.emit('message.received', { id: i.id, from: i.from, text: i.text, received_at: iso(i.received_at), gateway: i.gateway_id }, null));
  });

  async function sweep() {
    const now = ctx.now();
    for (const m of await ctx.store.listExpiredUnsent(now, 500)) {
      await messages.transition({ id: m.id, from: ['queued', 'dispatched'], to: 'expired', at: now, detail: 'expired before it was handed over' });
    }
    await verifications.expireOverdue();
    await gateways.sweep();
    await ctx.store.deleteIdempotencyBefore(now - IDEMPOTENCY_TTL_MS);
  }

  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | null = null;
  return {
    ctx,
    limits,
    messages,
    verifications,
    gateways,
    webhooks,
    email,
    ...(seedOutbox ? { seedOutbox } : {}),
    sweep,
    start() {
      email.start();
      webhooks.start();
      seedOutbox?.start();
      timer = setInterval(() => {
        if (sweeping) return;
        sweeping = sweep()
          .catch((err) => log.error({ err }, 'sweep failed'))
          .finally(() => {
            sweeping = null;
          });
      }, 1_000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await sweeping;
      await seedOutbox?.stop();
      await email.stop();
      await webhooks.stop();
    },
  };
}
