/** Operations endpoints: liveness, readiness, Prometheus metrics. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { gatewayStatuses } from '../gateway-status.js';
import { setGatewayGauges } from '../metrics.js';
import type { Services } from '../services.js';
import { storeUnavailableReason } from '../store/index.js';

export const opsRoutes = (s: Services): FastifyPluginAsync =>
  async (app) => {
    const { ctx } = s;
    app.get('/healthz', { schema: { tags: ['operations'], summary: 'The process is up' } }, async () => ({ status: 'ok' }));

    app.get('/readyz', { schema: { tags: ['operations'], summary: 'The store answers' } }, async (_req, reply) => {
      try {
        await ctx.store.ping();
        return { status: 'ready' };
      } catch (err) {
        reply.code(503).type('application/problem+json').header('retry-after', '5');
        const detail = storeUnavailableReason(err) ?? 'the store does not answer';
        return { type: 'https://kirim.dev/problems/not-ready', title: 'Service Unavailable', status: 503, detail, code: 'not_ready' };
      }
    });

    // Hashing first gives both sides one length, so the comparison leaks nothing.
    const digest = (s: string) => createHash('sha256').update(s).digest();
    const metricsToken = ctx.config.metricsToken ? digest(`Bearer ${ctx.config.metricsToken}`) : undefined;

    app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics (KIRIM_METRICS_TOKEN: with Authorization: Bearer <token>)' } }, async (req, reply) => {
      if (metricsToken && !timingSafeEqual(digest(req.headers.authorization ?? ''), metricsToken)) {
        reply.code(401).type('application/problem+json').header('www-authenticate', 'Bearer realm="metrics"');
        return { type: 'https://kirim.dev/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'metrics need Authorization: Bearer <KIRIM_METRICS_TOKEN>', code: 'unauthorized' };
      }
      // Gauges read from the store at scrape time. While the store is away the
      // scrape still answers (an outage is when metrics matter most), with
      // kirim_store_up 0 and the store-read gauges left out.
      try {
        const counts = await ctx.store.countMessagesByStatus();
        const gateways = await ctx.store.listGateways();
        ctx.metrics.messagesByStatus.reset();
        for (const row of counts) ctx.metrics.messagesByStatus.set({ channel: row.channel, status: row.status }, row.count);
        setGatewayGauges(ctx.metrics, gatewayStatuses(gateways, ctx.now(), ctx.config.gatewayOfflineSeconds));
        ctx.metrics.storeUp.set(1);
      } catch (err) {
        if (!storeUnavailableReason(err)) throw err;
        ctx.metrics.storeUp.set(0);
        ctx.metrics.messagesByStatus.reset();
        setGatewayGauges(ctx.metrics, []);
        ctx.metrics.gatewaysOnline.reset();
      }
      reply.type(ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    });
  };
