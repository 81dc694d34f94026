/**
 * Supabase Auth's "Send SMS" hook (docs/integrations/supabase.md): Supabase
 * POSTs `{ user, sms: { otp, phone?, sms_type? } }` signed as a Standard
 * Webhook with a `v1,whsec_<base64>` secret, and expects `200` with a JSON
 * body, or an `{ "error": { "http_code", "message" } }` body
 * (supabase/auth: internal/hooks/hookshttp, internal/hooks/hookserrors).
 *
 * Promises:
 * - nothing is read from the body before its signature checks out: the
 *   raw bytes are verified (HMAC-SHA256 compared in constant time, in
 *   webhooks/sign.ts) against the integration's secret, with the
 *   timestamp within 5 minutes of now; every failure is the same 401;
 * - a hook call is done once: its idempotency key is the body's
 *   `metadata.uuid` (one per call; Supabase signs each retry of a call with
 *   a new `webhook-id` but the same body), or the `webhook-id` without it,
 *   so a retry or a replayed capture within the tolerance answers the
 *   first answer and sends nothing new, and the same key with another body
 *   is refused;
 * - Supabase's code is stored nowhere in clear: the SMS is composed with
 *   the bound key's OTP text settings, stored masked, sealed, and filled
 *   in when a gateway takes it (send.ts, messages/service.ts);
 * - the SMS goes as the bound API key, through the same budgets, routing
 *   and webhooks as any other; a revoked integration or key is refused.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { IdParams, Problem } from '../../protocol/api.js';
import { SupabaseError, SupabaseSendSmsBody } from '../../protocol/integrations.js';
import { iso } from '../../protocol/time.js';
import { otpTextSettings, resolveLocale } from '../app-settings.js';
import { requireScope } from '../auth.js';
import { createApiKey } from '../credentials.js';
import type { Keyring } from '../crypto.js';
import { ApiError, problemBody } from '../errors.js';
import { newId } from '../ids.js';
import { renderOtpSms } from '../messages/sms-text.js';
import type { Services } from '../services.js';
import type { ApiKeyRow, IntegrationRow, Repo } from '../store/index.js';
import { verifyWebhook } from '../webhooks/sign.js';
import { queueIntegrationSms } from './send.js';

/** Supabase's own check of a symmetric hook secret (internal/conf: `^v1,whsec_[A-Za-z0-9+/=]{32,88}`), anchored. */
export const SUPABASE_SECRET = /^v1,whsec_[A-Za-z0-9+/=]{32,88}$/;
/** How far `webhook-timestamp` may be from now (Standard Webhooks' usual 5 minutes). */
export const TOLERANCE_SECONDS = 300;
/** Supabase's default SMS OTP lifetime (GOTRUE_SMS_OTP_EXP, 60 s): the SMS is never sent after it. */
export const DEFAULT_TTL_SECONDS = 60;

export interface SupabaseSettings {
  ttl_seconds: number;
}
const Settings = z.object({ ttl_seconds: z.number().int().min(30).max(86400) });

/** A new secret in Supabase's form, for `kirim integrations create supabase` without `--secret`. */
export const generateSupabaseSecret = () => `v1,whsec_${randomBytes(32).toString('base64')}`;

/**
 * Creates a Supabase integration bound to `apiKeyId`, or to a new key with
 * only the `send` scope; returns its id and its secret (shown once).
 */
export async function createSupabaseIntegration(
  { store, keyring }: { store: Repo; keyring: Keyring },
  { name, apiKeyId, secret = generateSupabaseSecret(), ttlSeconds = DEFAULT_TTL_SECONDS, now = Date.now() }: { name: string; apiKeyId?: string; secret?: string; ttlSeconds?: number; now?: number },
): Promise<{ id: string; secret: string; apiKeyId: string }> {
  if (!SUPABASE_SECRET.test(secret)) throw new ApiError(400, 'validation_failed', 'the secret must be in Supabase\'s form v1,whsec_<base64> (as Supabase generates it)');
  const settings = Settings.parse({ ttl_seconds: ttlSeconds });
  let keyId = apiKeyId;
  if (keyId !== undefined) {
    const key = await store.getApiKey(keyId);
    if (!key || key.revoked_at !== null) throw new ApiError(404, 'not_found', `no active API key ${keyId}; see \`kirim keys list\``);
  } else {
    keyId = (await createApiKey(store, `supabase ${name}`, { scopes: ['send'] })).id;
  }
  const id = newId('int', now);
  await store.insertIntegration({ id, kind: 'supabase', name, api_key_id: keyId, secret_enc: keyring.encrypt(id, secret), settings: JSON.stringify(settings), created_at: now, revoked_at: null });
  return { id, secret, apiKeyId: keyId };
}

/** Supabase's error body, with the problem's fields beside it (RFC 9457 allows extension members). */
function answer(err: ApiError) {
  return { ...problemBody(err), error: { http_code: err.status, message: err.detail } };
}

/** Supabase joins several signatures with ", " (hookshttp generateSignatures); Standard Webhooks separates them by spaces. */
const signatures = (header: string | string[] | undefined) =>
  (Array.isArray(header) ? header.join(' ') : (header ?? '')).split(/\s+/).map((sig) => sig.replace(/,$/, '')).join(' ');

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
    hook?: { integration: IntegrationRow; key: ApiKeyRow; webhookId: string };
  }
}

export const supabaseRoutes = (s: Services): FastifyPluginAsync =>
  async (app) => {
    const { ctx } = s;
    const unauthorized = () => new ApiError(401, 'unauthorized', 'the webhook signature does not verify with this integration\'s secret (or its timestamp is more than 5 minutes away)');

    // The signature covers the exact bytes: keep them beside the parsed body.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
      req.rawBody = body as string;
      try {
        done(null, JSON.parse(body as string));
      } catch (err) {
        done(new ApiError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`), undefined);
      }
    });

    app.setErrorHandler((err, _req, reply) => {
      let problem: ApiError | undefined;
      if (err instanceof ApiError) problem = err;
      else if (hasZodFastifySchemaValidationErrors(err)) {
        const errors = err.validation.map((v) => ({ path: (v.instancePath || '/').replace(/^\//, '').replace(/\//g, '.') || '(body)', message: v.message ?? 'invalid' }));
        problem = new ApiError(400, 'validation_failed', `invalid body: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`.slice(0, 1000), { errors });
      }
      // Anything else (the store away...) is answered by the app's handler.
      if (!problem) throw err;
      for (const [k, v] of Object.entries(problem.extra.headers ?? {})) reply.header(k, v);
      reply.serializer(JSON.stringify);
      return reply.code(problem.status).type('application/json').send(answer(problem));
    });

    /** Checks the signature before the body is validated; refuses a revoked integration or key. */
    async function authenticate(req: FastifyRequest<{ Params: { id: string } }>) {
      const now = ctx.now();
      const integration = await ctx.store.getIntegration(req.params.id);
      if (!integration || integration.kind !== 'supabase') {
        // The same work as a real check, so an id's existence is not timed out of the answer.
        verifyWebhook({ secret: generateSupabaseSecret().slice(3), headers: req.headers, body: req.rawBody ?? '', now });
        throw unauthorized();
      }
      const verdict = verifyWebhook({
        secret: ctx.keyring.decrypt(integration.id, integration.secret_enc).slice('v1,'.length),
        headers: { ...req.headers, 'webhook-signature': signatures(req.headers['webhook-signature']) },
        body: req.rawBody ?? '',
        toleranceSeconds: TOLERANCE_SECONDS,
        now,
      });
      if (!verdict.ok) {
        req.log.info({ integration: integration.id, reason: verdict.reason }, 'Supabase hook refused');
        throw unauthorized();
      }
      if (integration.revoked_at !== null) throw new ApiError(401, 'unauthorized', `this integration was revoked at ${iso(integration.revoked_at)}`);
      const key = await ctx.store.getApiKey(integration.api_key_id);
      if (!key || key.revoked_at !== null) throw new ApiError(401, 'unauthorized', "the integration's API key is revoked; create the integration again");
      if (key.expires_at !== null && now >= key.expires_at) throw new ApiError(401, 'unauthorized', `the integration's API key expired at ${iso(key.expires_at)}`);
      requireScope(key, 'send', 'messages');
      req.hook = { integration, key, webhookId: verdict.id };
    }

    const r = app.withTypeProvider<ZodTypeProvider>();
    r.post('/:id/send-sms', {
      config: { integration: 'supabase' },
      preValidation: authenticate,
      schema: {
        tags: ['integrations'],
        summary: "Supabase Auth's Send SMS hook",
        description:
          "Set this URL as the HTTPS Send SMS hook of a Supabase project, with the secret of `kirim integrations create supabase`. Supabase signs each request as a Standard Webhook (`webhook-id`, `webhook-timestamp`, `webhook-signature`); Kirim checks the signature and a 5-minute timestamp tolerance, sends Supabase's code to `sms.phone` (or `user.phone`) as the integration's API key, and answers `200 {}`, or Supabase's `{\"error\": {\"http_code\", \"message\"}}` beside the problem fields. The `webhook-id` is the idempotency key: a repeated delivery answers the first answer and sends nothing. See docs/integrations/supabase.md.",
        params: IdParams,
        headers: z.object({
          'webhook-id': z.string().min(1).max(255).describe('Supabase: a UUID per hook call'),
          'webhook-timestamp': z.string().regex(/^\d{1,15}$/).describe('Unix seconds'),
          'webhook-signature': z.string().min(1).max(4000).describe('`v1,<base64 HMAC-SHA256>`, several separated by ", "'),
        }),
        body: SupabaseSendSmsBody,
        response: { 200: z.object({}).describe('Queued'), 400: SupabaseError, 401: SupabaseError, 403: SupabaseError, 409: SupabaseError, 422: SupabaseError, 429: SupabaseError, 503: Problem },
      },
    }, async (req, reply) => {
      const { integration, key, webhookId } = req.hook!;
      const settings = Settings.parse(JSON.parse(integration.settings));
      const { sms, user } = req.body;
      const raw = sms.phone || user.phone;
      if (!raw) throw new ApiError(400, 'validation_failed', 'neither sms.phone nor user.phone holds a phone number', { errors: [{ path: 'user.phone', message: 'empty' }] });
      // Supabase keeps numbers as E.164 digits without the "+".
      const to = /^\d{8,15}$/.test(raw) ? `+${raw}` : raw;
      const text = await composeText(s, key.id, sms.otp, settings.ttl_seconds);
      await queueIntegrationSms(s, {
        apiKeyId: key.id,
        to,
        text,
        code: sms.otp,
        ttlSeconds: settings.ttl_seconds,
        detail: `Supabase send-SMS hook${sms.sms_type ? ` (${sms.sms_type})` : ''}, integration ${integration.id}`,
        // Supabase signs each retry with a new webhook-id but sends the same
        // body, whose metadata.uuid names the hook call: that is the key.
        idempotencyKey: `supabase:${integration.id}:${req.body.metadata?.uuid ?? webhookId}`,
      }, req, reply);
      // Supabase reads a 200 with a JSON body; the message stays the key's to follow.
      reply.code(200).type('application/json');
      return {};
    });
  };

/** The OTP text of the bound key (its template, locale and autofill lines), with Supabase's code. */
async function composeText(s: Services, apiKeyId: string, code: string, ttlSeconds: number): Promise<string> {
  const { ctx } = s;
  const settings = otpTextSettings(await ctx.store.getAppSettings(apiKeyId));
  const locale = resolveLocale(undefined, settings, ctx.config.defaultLocale);
  return renderOtpSms({ appName: ctx.config.appName, code, ttlMinutes: ttlSeconds / 60, locale, template: settings.templates.sms?.[locale] ?? null, autofill: settings.autofill });
}
