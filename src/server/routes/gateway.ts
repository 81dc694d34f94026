/**
 * The gateways' endpoints (internal to Kirim; see docs/gateway-protocol.md).
 * Authenticated with gateway tokens; left out of the public OpenAPI document.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  ClaimsRequest,
  ClaimsResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  InboundRequest,
  InboundResponse,
  LeaseRequest,
  LeaseResponse,
  ReportsRequest,
  ReportsResponse,
} from '../../protocol/gateway.js';
import { iso } from '../../protocol/time.js';
import { authenticateGateway } from '../auth.js';
import type { Services } from '../services.js';
import type { GatewayRow } from '../store/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    gateway: GatewayRow;
  }
}

/**
 * Free text from the modem (an SMS, gammu's error text) may hold a NUL (an
 * 8-bit SMS read as latin1), which PostgreSQL cannot store: it becomes
 * U+FFFD, as any undecodable character does, rather than failing the
 * whole batch with a 500 the gateway would retry forever.
 */
export const storable = (text: string) => text.replace(/\u0000/g, '\ufffd');

export const gatewayRoutes = (s: Services): FastifyPluginAsync =>
  async (app) => {
    const { ctx } = s;
    app.decorateRequest('gateway', null as unknown as GatewayRow);
    app.addHook('onRequest', async (req) => {
      req.gateway = await authenticateGateway(ctx.store, req);
    });
    // The request log is off for these routes (app.ts): one debug line per
    // poll, but a refused one (a wrong token, a bad report) stays visible.
    app.addHook('onResponse', async (req, reply) => {
      const level = reply.statusCode >= 400 ? 'warn' : 'debug';
      req.log[level]({ gateway: req.gateway?.id, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'gateway request');
    });
    const r = app.withTypeProvider<ZodTypeProvider>();
    const now = () => iso(ctx.now());

    r.post('/lease', { schema: { hide: true, body: LeaseRequest, response: { 200: LeaseResponse } } }, async (req, reply) => {
      // Stop leasing once the gateway hung up: what it cannot receive must
      // stay queued. (The request stream itself ends once its body is read,
      // so the response's close is the signal.)
      let gone = false;
      const onClose = () => {
        if (!reply.raw.writableFinished) gone = true;
      };
      reply.raw.once('close', onClose);
      const messages = await s.gateways.lease(req.gateway, { max: req.body.max, waitMs: req.body.wait_ms }, () => gone);
      reply.raw.off('close', onClose);
      return { messages, server_time: now() };
    });

    r.post('/claims', { schema: { hide: true, body: ClaimsRequest, response: { 200: ClaimsResponse } } }, async (req) => ({
      results: await s.gateways.claim(req.gateway, req.body.message_ids),
    }));

    r.post('/reports', { schema: { hide: true, body: ReportsRequest, response: { 200: ReportsResponse } } }, async (req) => ({
      results: await s.gateways.report(req.gateway, req.body.reports.map((r) => (r.detail === undefined ? r : { ...r, detail: storable(r.detail) }))),
    }));

    r.post('/inbound', { schema: { hide: true, body: InboundRequest, response: { 200: InboundResponse } } }, async (req) =>
      s.gateways.inbound(req.gateway, req.body.messages.map((m) => ({ ...m, text: storable(m.text) }))),
    );

    r.post('/heartbeat', { schema: { hide: true, body: HeartbeatRequest, response: { 200: HeartbeatResponse } } }, async (req) => {
      await s.gateways.heartbeat(req.gateway, req.body);
      return { server_time: now(), heartbeat_seconds: ctx.config.heartbeatSeconds };
    });
  };
