/**
 * GET /v1/gateways: the gateways' state for operators, as `kirim gateways
 * list` shows it; POST /v1/gateways/{id}/revoke and /rotate, as `kirim
 * gateways revoke` and `rotate` do; PUT /v1/gateways/{id}/pins, as `kirim
 * gateways route` does (a bad prefix or country is refused with 422
 * `invalid_pins`, naming it); PUT /v1/gateways/{id}/number, as `kirim
 * gateways number` does (422 `invalid_number`). Registered inside the v1 routes (so an
 * API key is required) and further limited to keys with the `admin` scope:
 * any other key gets 403 `forbidden`. A revocation or rotation made here
 * is announced on the bus, so this server's open long-polls of that
 * gateway answer 401 at once.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatewayList, GatewayNumberBody, GatewayPinsBody, GatewayStatus, IdParams, Problem } from '../../protocol/api.js';
import { iso } from '../../protocol/time.js';
import { requireScope } from '../auth.js';
import { rotateGatewayToken } from '../credentials.js';
import { ApiError, notFound } from '../errors.js';
import { normalizeGatewayNumber } from '../destinations.js';
import { gatewayStatus, gatewayStatuses } from '../gateway-status.js';
import { PinError, parseCountries, parsePrefixes, pinColumns } from '../routing/pins.js';
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

    const admin = async (req: { apiKey: Parameters<typeof requireScope>[0] }) => requireScope(req.apiKey, 'admin');
    const problems = { 401: Problem, 403: Problem, 404: Problem };
    app.withTypeProvider<ZodTypeProvider>().post('/gateways/:id/revoke', {
      preValidation: admin,
      schema: {
        tags: ['gateways'],
        summary: 'Revoke a gateway (admin scope)',
        description: 'Its token is refused from now on, including by its open long-poll, which answers 401 at once.',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: z.object({ id: z.string(), name: z.string(), revoked_at: z.string() }), ...problems },
      },
    }, async (req) => {
      const row = await ctx.store.revokeGateway(req.params.id, ctx.now());
      if (!row) throw notFound('gateway');
      ctx.bus.emit('credentials:changed', 'gateway', row.id);
      req.log.info({ gateway: row.id, key: req.apiKey.id }, 'gateway revoked');
      return { id: row.id, name: row.name, revoked_at: iso(row.revoked_at!) };
    });
    app.withTypeProvider<ZodTypeProvider>().post('/gateways/:id/rotate', {
      preValidation: admin,
      schema: {
        tags: ['gateways'],
        summary: 'Replace a gateway token (admin scope)',
        description: 'Answers the new token, once; the old one is refused from now on, including by an open long-poll.',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: z.object({ id: z.string(), name: z.string(), token: z.string() }), ...problems },
      },
    }, async (req) => {
      const rotated = await rotateGatewayToken(ctx.store, req.params.id);
      if (!rotated) throw notFound('gateway (or it was revoked)');
      ctx.bus.emit('credentials:changed', 'gateway', rotated.row.id);
      req.log.info({ gateway: rotated.row.id, key: req.apiKey.id }, 'gateway token rotated');
      return { id: rotated.row.id, name: rotated.row.name, token: rotated.token };
    });
    app.withTypeProvider<ZodTypeProvider>().put('/gateways/:id/pins', {
      preValidation: admin,
      schema: {
        tags: ['gateways'],
        summary: 'Pin a gateway to number prefixes and countries (admin scope)',
        description:
          'The gateway then takes only SMS to numbers it matches best (the longest matching prefix wins; a prefix beats a country); unpinned gateways take what no eligible pinned gateway matches. Both lists empty: unpinned. Queued SMS are routed again within a second. A malformed prefix or unknown country answers 422 `invalid_pins`.',
        security: [{ bearer: [] }],
        params: IdParams,
        body: GatewayPinsBody,
        response: { 200: GatewayStatus, 422: Problem, ...problems },
      },
    }, async (req) => {
      let pins;
      try {
        pins = { prefixes: parsePrefixes(req.body.prefixes, ctx.config.defaultRegion), countries: parseCountries(req.body.countries) };
      } catch (err) {
        if (err instanceof PinError) throw new ApiError(422, 'invalid_pins', err.message);
        throw err;
      }
      const row = await ctx.store.getGateway(req.params.id);
      if (!row || row.revoked_at !== null) throw notFound('gateway (or it was revoked)');
      await ctx.store.updateGateway(row.id, pinColumns(pins));
      s.router.forget();
      req.log.info({ gateway: row.id, key: req.apiKey.id, pins }, 'gateway pins changed');
      return gatewayStatus({ ...row, ...pinColumns(pins) }, ctx.now(), ctx.config.gatewayOfflineSeconds);
    });
    app.withTypeProvider<ZodTypeProvider>().put('/gateways/:id/number', {
      preValidation: admin,
      schema: {
        tags: ['gateways'],
        summary: "Set a gateway SIM's own number (admin scope)",
        description:
          'The number people text a reverse OTP to (docs/reverse-otp.md), as `kirim gateways number` sets it; null forgets it. National or E.164; answered in E.164. A number that is not a mobile number in an allowed country answers 422 `invalid_number`.',
        security: [{ bearer: [] }],
        params: IdParams,
        body: GatewayNumberBody,
        response: { 200: GatewayStatus, 422: Problem, ...problems },
      },
    }, async (req) => {
      const number = req.body.number === null ? null : normalizeGatewayNumber(req.body.number, { defaultRegion: ctx.config.defaultRegion, allowedCountries: ctx.config.allowedCountries });
      const row = await ctx.store.getGateway(req.params.id);
      if (!row || row.revoked_at !== null) throw notFound('gateway (or it was revoked)');
      await ctx.store.updateGateway(row.id, { number });
      req.log.info({ gateway: row.id, key: req.apiKey.id }, 'gateway number changed');
      return gatewayStatus({ ...row, number }, ctx.now(), ctx.config.gatewayOfflineSeconds);
    });
  };
