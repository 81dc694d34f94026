/** Operations endpoints: liveness, readiness, Prometheus metrics. */
import type { FastifyPluginAsync } from 'fastify';
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

    app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
      // Gauges read from the store at scrape time.
      ctx.metrics.messagesByStatus.reset();
      for (const row of await ctx.store.countMessagesByStatus()) ctx.metrics.messagesByStatus.set({ channel: row.channel, status: row.status }, row.count);
      ctx.metrics.gatewaysOnline.set((await ctx.store.listGateways()).filter((g) => g.state === 'online').length);
      reply.type(ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    });
  };
