/**
 * Assembles the server's services over a context and runs the background
 * work: the email, webhook and seed-outbox workers and the sweepers, each
 * in its own background loop (loop.ts), so one failing (a store outage)
 * neither stops the others nor crashes the process.
 *
 * Webhook events are not wired here: every change enqueues its own event in
 * its own transaction (outbox.ts).
 */
import type { ServerContext } from './context.js';
import { createGatewayService, type GatewayService } from './channels/gateway/service.js';
import type { EmailTransport } from './channels/email/types.js';
import { createEmailWorker, type EmailWorker } from './channels/email/worker.js';
import { createSeedOutboxWriter, type SeedOutboxWriter } from './channels/seed-outbox/writer.js';
import { createProviderChannel, type ProviderChannel } from './channels/provider/channel.js';
import { IDEMPOTENCY_TTL_MS } from './idempotency.js';
import { IDLE_TIMEOUT_MS } from './dashboard/sessions.js';
import { LOGIN_WINDOW_MS } from './dashboard/throttle.js';
import { createLimits, type Limits } from './limits.js';
import { createServerLoop, type Loop } from './loop.js';
import { createClusterWakeups } from './cluster.js';
import { createMessageService, type MessageService } from './messages/service.js';
import { createOutbox } from './outbox.js';
import { createMonitor, type Monitor } from './routing/monitor.js';
import { createRouter, type Router } from './routing/router.js';
import { createVerificationService, type VerificationService } from './verification/service.js';
import { createAppSettings, type AppSettingsService } from './app-settings.js';
import { createWebhookService, type WebhookService } from './webhooks/service.js';

/** How long the gateways' heartbeat history is kept. */
export const HEARTBEAT_HISTORY_MS = 24 * 3600_000;

export interface Services {
  ctx: ServerContext;
  limits: Limits;
  messages: MessageService;
  router: Router;
  monitor: Monitor;
  verifications: VerificationService;
  /** Each API key's OTP settings (web origin, app hash, templates). */
  appSettings: AppSettingsService;
  gateways: GatewayService;
  webhooks: WebhookService;
  email: EmailWorker;
  /** Seed compatibility (KIRIM_SEED_OUTBOX): SMS as gammu files in a folder for the seed's rsync. */
  seedOutbox?: SeedOutboxWriter;
  /** SMS providers (KIRIM_SMS_PROVIDERS): a worker per provider and their delivery reports. */
  providers?: ProviderChannel;
  /** Starts background work (workers, sweepers). */
  start(): void;
  /** Stops background work and waits for what is in flight. */
  stop(): Promise<void>;
  /** One pass of every sweeper (expiry, lapsed leases, offline gateways, old idempotency keys); for tests. */
  sweep(): Promise<void>;
}

export function createServices(ctx: ServerContext, transport: EmailTransport): Services {
  const limits = createLimits(ctx);
  const webhooks = createWebhookService(ctx);
  const outbox = createOutbox(ctx, webhooks);
  const router = createRouter(ctx, limits);
  const messages = createMessageService(ctx, outbox, router);
  const monitor = createMonitor(ctx, outbox, router);
  const verifications = createVerificationService(ctx, messages, limits, outbox);
  const gateways = createGatewayService(ctx, messages, outbox, limits, router, monitor, verifications.reverse);
  const email = createEmailWorker(ctx, messages, transport);
  const seedOutbox = ctx.config.seedOutboxDir ? createSeedOutboxWriter(ctx, messages, ctx.config.seedOutboxDir) : undefined;
  const providers = ctx.config.providers ? createProviderChannel(ctx, messages, ctx.config.providers) : undefined;
  if (providers) router.useProviders(providers);

  /** Queued or leased messages past their expiry, then overdue verifications. */
  async function expire() {
    const now = ctx.now();
    for (const m of await ctx.store.listExpiredUnsent(now, 500)) {
      await messages.transition({ id: m.id, from: ['queued', 'dispatched'], to: 'expired', at: now, detail: 'expired before it was handed over' });
    }
    await verifications.expireOverdue();
  }
  const forgetIdempotencyKeys = () => ctx.store.deleteIdempotencyBefore(ctx.now() - IDEMPOTENCY_TTL_MS);

  /** The dashboard's history and sign-in leftovers: heartbeats older than a day, stale sessions, old login failures. */
  async function forgetDashboardLeftovers() {
    const now = ctx.now();
    await ctx.store.deleteGatewayHeartbeatsBefore(now - HEARTBEAT_HISTORY_MS);
    await ctx.store.deleteStaleOperatorSessions(now, now - IDLE_TIMEOUT_MS);
    await ctx.store.deleteLoginFailuresBefore(now - LOGIN_WINDOW_MS);
  }

  const sweepers: Array<[name: string, intervalMs: number, run: () => Promise<unknown>]> = [
    ['expiry', 1_000, expire],
    ['leases', 1_000, gateways.requeueLapsed],
    ['gateways-offline', 1_000, gateways.markSilentOffline],
    // After the offline sweep, so a gateway it just marked offline is routed around at once.
    ['routing', 1_000, async () => {
      await monitor.tick();
      await router.refresh();
    }],
    // A code whose channel failed or stalled moves to its fallback's next channel.
    ['fallback', 1_000, verifications.runFallback],
    ['idempotency-keys', 60_000, forgetIdempotencyKeys],
    ['dashboard-history', 60_000, forgetDashboardLeftovers],
    ['budgets', 60_000, () => limits.sweep(ctx.now())],
  ];
  const loops: Loop[] = sweepers.map(([name, intervalMs, run]) => createServerLoop(ctx, name, intervalMs, run));
  // A verification's message failing moves its code on at once, not at the next tick.
  const fallbackLoop = loops[sweepers.findIndex(([name]) => name === 'fallback')]!;
  const onMessage = (m: { verification_id: string | null; status: string }) => {
    if (m.verification_id !== null && m.status === 'failed') fallbackLoop.wake();
  };
  // Wake-ups from other instances on PostgreSQL (nothing on SQLite).
  const cluster = createClusterWakeups(ctx);

  return {
    ctx,
    limits,
    messages,
    router,
    monitor,
    verifications,
    appSettings: createAppSettings(ctx),
    gateways,
    webhooks,
    email,
    ...(seedOutbox ? { seedOutbox } : {}),
    ...(providers ? { providers } : {}),
    async sweep() {
      for (const [, , run] of sweepers) await run();
    },
    start() {
      cluster.start();
      email.start();
      webhooks.start();
      seedOutbox?.start();
      providers?.start();
      for (const loop of loops) loop.start();
      ctx.bus.on('message:changed', onMessage);
    },
    async stop() {
      ctx.bus.off('message:changed', onMessage);
      await Promise.all([cluster.stop(), ...loops.map((l) => l.stop()), seedOutbox?.stop(), providers?.stop(), email.stop(), webhooks.stop()]);
    },
  };
}
