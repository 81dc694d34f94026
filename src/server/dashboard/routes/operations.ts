/** Gateways, inbound SMS, webhooks (with replay) and API keys (list, create, revoke). */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEFAULT_API_SCOPES } from '../../../protocol/api.js';
import { iso } from '../../../protocol/time.js';
import { createApiKey } from '../../credentials.js';
import { ApiError, notFound } from '../../errors.js';
import { gatewaysView } from '../gateways.js';
import type { Dashboard } from '../index.js';
import { deliveryView, inboundView, keyView, webhookView } from '../views.js';
import { singleLine } from '../../../protocol/api.js';
import { PageQuery, PathId } from './messages.js';

const RECENT_DELIVERIES = 20;

export const operationsRoutes = (d: Dashboard): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const { ctx, names, services } = d;

    r.get('/gateways', async () => gatewaysView(ctx));

    r.get('/inbound', { schema: { querystring: PageQuery } }, async (req) => {
      const page = await ctx.store.listInbound({ limit: req.query.limit, ...(req.query.cursor ? { cursor: req.query.cursor } : {}) });
      const n = await names.get();
      return { data: page.items.map((i) => inboundView(i, n)), next_cursor: page.nextCursor ?? null };
    });

    r.get('/webhooks', async () => {
      const hooks = await ctx.store.listAllWebhooks();
      const n = await names.get();
      return { data: await Promise.all(hooks.map(async (w) => webhookView(w, await ctx.store.listWebhookDeliveries(w.id, RECENT_DELIVERIES), n))) };
    });

    r.post('/webhooks/:id/deliveries/:delivery/replay', { schema: { params: z.object({ id: singleLine(100), delivery: singleLine(100) }) } }, async (req, reply) => {
      const row = await services.webhooks.replay(req.params.id, req.params.delivery);
      req.log.info({ operator: req.dashboardSession?.operator.username, webhook: req.params.id, delivery: row.id }, 'webhook delivery replayed');
      return reply.code(202).send({ delivery: deliveryView(row) });
    });

    r.get('/keys', async () => ({ data: (await ctx.store.listApiKeys()).map(keyView) }));

    r.post('/keys', { schema: { body: z.object({ name: z.string().min(1).max(64), admin: z.boolean().optional() }) } }, async (req, reply) => {
      const name = req.body.name;
      // The same rule as `kirim keys create --name`.
      if (!/^[\p{L}\p{N} ._-]{1,64}$/u.test(name)) throw new ApiError(400, 'validation_failed', 'name: use 1-64 letters, digits, spaces, dots, dashes or underscores');
      const { id, key } = await createApiKey(ctx.store, name, { scopes: req.body.admin ? [...DEFAULT_API_SCOPES, 'admin'] : [] });
      const row = (await ctx.store.getApiKey(id))!;
      names.get(true).catch(() => {});
      req.log.info({ operator: req.dashboardSession?.operator.username, key: id }, 'API key created from the dashboard');
      return reply.code(201).send({ id, name: row.name, prefix: row.prefix, key, created_at: iso(row.created_at) });
    });

    r.post('/keys/:id/revoke', { schema: { params: PathId } }, async (req) => {
      const row = await ctx.store.revokeApiKey(req.params.id, ctx.now());
      if (!row) throw notFound('API key');
      ctx.bus.emit('credentials:changed', 'api_key', row.id);
      req.log.info({ operator: req.dashboardSession?.operator.username, key: row.id }, 'API key revoked from the dashboard');
      return keyView(row);
    });
  };
