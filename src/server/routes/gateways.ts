/**
 * GET /v1/gateways: the gateways' state for operators, as `kirim gateways
 * list` shows it. Registered inside the v1 routes (so an API key is
 * required) and further limited to keys with the `admin` scope: a plain
 * application key gets 403 `forbidden`.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { GatewayList, Problem } from '../../protocol/api.js';
import { requireScope } from '../auth.js';
import { gatewayStatuses } from '../gateway-status.js';
import type { Services } from '../services.js';

export const gatewaysRoutes = (s: Services): FastifyPluginAsync =>
  async (app) => {
    const { ctx } = s;
    app.withTypeProvider<ZodTypeProvider>().get('/gateways', {
      schema: {
        tags: ['gateways'],
        summary: 'List gateways with their state now (admin scope)',
        description:
          '`state` is computed at the moment of the request from the last time the gateway was heard from (`KIRIM_GATEWAY_OFFLINE_SECONDS`); `modem` and `spool` come from its last heartbeat. Needs an API key with the `admin` scope (`kirim keys create --name NAME --admin`).',
        security: [{ bearer: [] }],
        response: { 200: GatewayList, 401: Problem, 403: Problem },
      },
    }, async (req) => {
      requireScope(req.apiKey, 'admin');
      return { data: gatewayStatuses(await ctx.store.listGateways(), ctx.now(), ctx.config.gatewayOfflineSeconds) };
    });
  };
