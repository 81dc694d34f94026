/**
 * The application API v1: verifications, messages, inbound SMS, webhooks.
 * Every route needs an API key, and the scope it names (`need`, checked
 * before the body is validated): `verify` for verifications, `messages`
 * for messages, `webhooks` for webhooks; GET /v1/inbound shows a key the
 * SMS that answer it (with `verify` or `messages`), or every SMS (with
 * `inbound`). A key without the scope gets 403 `forbidden` naming it.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CheckVerificationBody,
  CreateWebhookBody,
  IdParams,
  InboundList,
  ListInboundQuery,
  ListMessagesQuery,
  Message,
  MessageList,
  Problem,
  SendMessageBody,
  StartVerificationBody,
  Verification,
  VerificationStart,
  Webhook,
  WebhookList,
} from '../../protocol/api.js';
import { iso } from '../../protocol/time.js';
import type { ApiScope } from '../../protocol/api.js';
import { authenticateApiKey, hasScope, requireScope } from '../auth.js';
import { normalizeAnyDestination, normalizeDestination, normalizeSender } from '../destinations.js';
import { ApiError } from '../errors.js';
import { idempotent } from '../idempotency.js';
import { DEFAULT_MESSAGE_TTL_SECONDS } from '../messages/service.js';
import type { Services } from '../services.js';
import { gatewaysRoutes } from './gateways.js';
import { settingsRoutes } from './settings.js';
import type { ApiKeyRow } from '../store/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKeyRow;
  }
}

const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem, 503: Problem };
const security = [{ bearer: [] }];

/** A route hook: 403 unless the request's key carries one of `scopes`. */
const need = (...scopes: [ApiScope, ...ApiScope[]]) => async (req: { apiKey: ApiKeyRow }) => requireScope(req.apiKey, ...scopes);
const verify = need('verify');
const messages = need('messages');
const webhooks = need('webhooks');

export const v1Routes = (s: Services): FastifyPluginAsync =>
  async (app) => {
    const { ctx } = s;
    const rules = { defaultRegion: ctx.config.defaultRegion, allowedCountries: ctx.config.allowedCountries };
    app.decorateRequest('apiKey', null as unknown as ApiKeyRow);
    app.addHook('onRequest', async (req) => {
      req.apiKey = await authenticateApiKey(ctx.store, req, ctx.now());
    });
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.post('/verifications', {
      preValidation: verify,
      schema: {
        tags: ['verifications'],
        summary: 'Start a verification, or resend the pending one',
        description:
          'Sends a one-time code by SMS or email. While a pending verification exists for the same key, `to` and `channel`, the same call resends the same code (200), or answers 429 before `next_resend_at`. With `method: "reverse"` (SMS only) Kirim sends nothing: the answer\'s `reverse` holds the code, the gateway number to text it to, the exact text and `sms:` links; the person\'s SMS from `to` approves it (docs/reverse-otp.md). The same call while it is pending shows the same code again (200). 409 `no_reverse_number` / `no_reverse_gateway` when no gateway with a number set can receive now, 409 `verification_pending` when a verification of the other method is pending.',
        security,
        body: StartVerificationBody,
        response: { 200: VerificationStart, 201: VerificationStart, ...problems },
      },
    }, async (req, reply) => {
      const to = normalizeDestination(req.body.to, req.body.channel, rules);
      const method = req.body.method ?? 'send';
      return idempotent(ctx, req.apiKey.id, req, reply, {
        reserve: () => s.limits.take({ apiKeyId: req.apiKey.id, to, channel: req.body.channel, sends: method === 'send', ...(req.body.ip ? { ip: req.body.ip } : {}) }, ctx.now()),
        async create(repo) {
          const { created, verification, reverse } = await s.verifications.start({
            apiKeyId: req.apiKey.id,
            to,
            channel: req.body.channel,
            ...(req.body.locale ? { locale: req.body.locale } : {}),
            method,
            ...(req.body.ip ? { ip: req.body.ip } : {}),
            ...(req.body.fallback ? { fallback: req.body.fallback } : {}),
            ...(req.body.fallback_after_seconds ? { fallbackAfterSeconds: req.body.fallback_after_seconds } : {}),
          }, repo);
          return { status: created ? 201 : 200, body: reverse ? { ...verification, reverse } : verification };
        },
        // A replay record never holds the code: it is rebuilt from the verification's ciphertext while it is pending.
        redact: (body: VerificationStart) => ({ ...body, reverse: undefined }),
        async restore(stored) {
          const body = stored as VerificationStart;
          if (body.method !== 'reverse') return body;
          const row = await ctx.store.getVerification(body.id, req.apiKey.id);
          const again = row ? await s.verifications.reverse.instructionsFor(row) : undefined;
          return again ? { ...body, reverse: again } : body;
        },
      });
    });

    r.post('/verifications/check', {
      preValidation: verify,
      schema: {
        tags: ['verifications'],
        summary: 'Check a code',
        description: '`status` is `approved` only for the right code, within its lifetime, before the attempts run out, once. A wrong code answers 200 with `attempts_left` one lower. By `to`, 404 when no verification is pending for the destination, whether there never was one or it is over. Wrong codes count per destination across codes and API keys: past KIRIM_GUESS_FREE_FAILURES, checks and starts for it answer 429 with Retry-After for a growing cooling-off.',
        security,
        body: CheckVerificationBody,
        response: { 200: Verification, ...problems },
      },
    }, async (req) => {
      const b = req.body;
      const to = b.to !== undefined ? normalizeAnyDestination(b.to, rules) : undefined;
      return s.verifications.check({ apiKeyId: req.apiKey.id, code: b.code, ...(b.id ? { id: b.id } : {}), ...(to ? { to } : {}) });
    });

    r.get('/verifications/:id', {
      preValidation: verify,
      schema: { tags: ['verifications'], summary: 'Read a verification', security, params: IdParams, response: { 200: Verification, ...problems } },
    }, async (req) => s.verifications.get(req.params.id, req.apiKey.id));

    r.post('/verifications/:id/cancel', {
      preValidation: verify,
      schema: { tags: ['verifications'], summary: 'Cancel a pending verification', security, params: IdParams, response: { 200: Verification, ...problems } },
    }, async (req) => s.verifications.cancel(req.params.id, req.apiKey.id));

    r.post('/messages', {
      preValidation: messages,
      schema: {
        tags: ['messages'],
        summary: 'Send a message',
        description: 'Queues an SMS (through a gateway and gammu-smsd) or an email. Answers 202 with the message; follow its status with GET /v1/messages/{id} or webhooks.',
        security,
        body: SendMessageBody,
        response: { 202: Message, ...problems },
      },
    }, async (req, reply) => {
      const b = req.body;
      const to = normalizeDestination(b.to, b.channel, rules);
      if (b.subject !== undefined && b.channel !== 'email') {
        throw new ApiError(400, 'validation_failed', '`subject` is only for the email channel');
      }
      return idempotent(ctx, req.apiKey.id, req, reply, {
        reserve: () => s.limits.take({ apiKeyId: req.apiKey.id, to, channel: b.channel }, ctx.now()),
        async create(repo) {
          const now = ctx.now();
          const input = {
            apiKeyId: req.apiKey.id,
            to,
            channel: b.channel,
            text: b.text,
            subject: b.subject ?? null,
            priority: b.priority,
            expiresAt: now + (b.ttl_seconds ?? DEFAULT_MESSAGE_TTL_SECONDS) * 1000,
          };
          const row = await s.messages.insert(input, repo, now);
          return { status: 202, body: s.messages.insertedView(row, input) };
        },
      });
    });

    r.get('/messages/:id', {
      preValidation: messages,
      schema: { tags: ['messages'], summary: 'Read a message with its event history', security, params: IdParams, response: { 200: Message, ...problems } },
    }, async (req) => s.messages.get(req.params.id, req.apiKey.id));

    r.get('/messages', {
      preValidation: messages,
      schema: { tags: ['messages'], summary: 'List messages, newest first', security, querystring: ListMessagesQuery, response: { 200: MessageList, ...problems } },
    }, async (req) =>
      s.messages.list({ apiKeyId: req.apiKey.id, limit: req.query.limit, ...(req.query.status ? { status: req.query.status } : {}), ...(req.query.cursor ? { cursor: req.query.cursor } : {}) }),
    );

    r.get('/inbound', {
      preValidation: need('inbound', 'messages', 'verify'),
      schema: {
        tags: ['inbound'],
        summary: 'List received SMS, newest first',
        description:
          'Filter by sender (`from`, a number matched in E.164 as it is stored) and by time received (`since` inclusive, `until` exclusive). A key sees the SMS that answer it (from a number it sent an SMS to through the same gateway within `KIRIM_INBOUND_OWNER_DAYS`); a key with the `inbound` scope sees every received SMS.',
        security,
        querystring: ListInboundQuery,
        response: { 200: InboundList, ...problems },
      },
    }, async (req) => {
      const q = req.query;
      const since = q.since !== undefined ? Date.parse(q.since) : undefined;
      const until = q.until !== undefined ? Date.parse(q.until) : undefined;
      if (since !== undefined && until !== undefined && since >= until) {
        throw new ApiError(400, 'validation_failed', `\`since\` (${q.since}) must be before \`until\` (${q.until})`, { errors: [{ path: 'since', message: 'must be before until' }] });
      }
      const page = await ctx.store.listInbound({
        limit: q.limit,
        ...(q.cursor ? { cursor: q.cursor } : {}),
        ...(q.from !== undefined ? { from: normalizeSender(q.from, ctx.config.defaultRegion) } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        ...(hasScope(req.apiKey, 'inbound') ? {} : { apiKeyId: req.apiKey.id }),
      });
      return {
        data: page.items.map((i) => ({ id: i.id, from: i.from, text: i.text, received_at: iso(i.received_at), gateway: i.gateway_id })),
        ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
      };
    });

    r.post('/webhooks', {
      preValidation: webhooks,
      schema: {
        tags: ['webhooks'],
        summary: 'Subscribe an endpoint to events',
        description: 'Deliveries are signed as Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with the returned `secret`, and retried with backoff.',
        security,
        body: CreateWebhookBody,
        response: { 201: Webhook, ...problems },
      },
    }, async (req, reply) =>
      idempotent(ctx, req.apiKey.id, req, reply, {
        create: async (repo) => ({ status: 201, body: await s.webhooks.create(req.apiKey.id, req.body, repo) }),
        // The signing secret stays out of the replay record; a replay reads it from its encrypted column.
        redact: ({ secret: _secret, ...rest }) => rest,
        restore: (stored) => s.webhooks.createdView(req.apiKey.id, (stored as { id: string }).id),
      }),
    );

    r.get('/webhooks', {
      preValidation: webhooks,
      schema: { tags: ['webhooks'], summary: 'List webhook endpoints', security, response: { 200: WebhookList, ...problems } },
    }, async (req) => s.webhooks.list(req.apiKey.id));

    r.delete('/webhooks/:id', {
      preValidation: webhooks,
      schema: { tags: ['webhooks'], summary: 'Remove a webhook endpoint', security, params: IdParams, response: { 204: z.null(), ...problems } },
    }, async (req, reply) => {
      await s.webhooks.remove(req.apiKey.id, req.params.id);
      reply.code(204);
      return null;
    });

    await app.register(gatewaysRoutes(s));
    await app.register(settingsRoutes(s));
  };
