/**
 * /integrations: Kirim as the SMS backend of systems that already send
 * sign-in codes (docs/integrations/). Each endpoint takes the request its
 * caller documents, authenticates it, and queues one SMS through
 * send.ts. Answers are problem+json like the rest of the API, except
 * Supabase's hook (supabase.ts), which answers in Supabase's own shape.
 *
 * - POST /integrations/send: `to` + `text` (+ `code`), JSON or form-encoded;
 * - POST /integrations/authentik/sms: authentik's generic SMS provider;
 * - POST /integrations/supabase/{id}/send-sms: Supabase Auth's Send SMS hook.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Message, Problem } from '../../protocol/api.js';
import { AuthentikSmsBody, SendTextBody } from '../../protocol/integrations.js';
import type { Services } from '../services.js';
import type { ApiKeyRow } from '../store/index.js';
import { integrationCaller } from './caller.js';
import { queueIntegrationSms } from './send.js';
import { supabaseRoutes } from './supabase.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The integration a route serves, for kirim_integration_requests_total. */
    integration?: string;
  }
}

const problems = { 400: Problem, 401: Problem, 403: Problem, 409: Problem, 413: Problem, 415: Problem, 422: Problem, 429: Problem, 503: Problem };
const security: Array<Record<string, string[]>> = [{ bearer: [] }, { basic: [] }];

/** The text authentik's token goes out in when its request has no usable `Message`. */
export function authentikText(appName: string, token: string, locale: 'id' | 'en'): string {
  return locale === 'id' ? `Kode masuk ${appName} Anda: ${token}. Jangan berikan kode ini kepada siapa pun.` : `Your ${appName} sign-in code: ${token}. Do not share this code with anyone.`;
}

export const integrationRoutes = (s: Services): FastifyPluginAsync =>
  async (app) => {
    const { ctx } = s;

    app.addHook('onResponse', async (req, reply) => {
      const integration = req.routeOptions.config.integration;
      if (!integration) return;
      const outcome = reply.statusCode < 300 ? (reply.getHeader('idempotent-replayed') ? 'replayed' : 'queued') : String(reply.statusCode);
      ctx.metrics.integrationRequests.inc({ integration, outcome });
    });

    // Systems that only post forms (a URL and two fields) can call
    // /integrations/send too; repeated fields keep their last value.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    await app.register(async (keyed) => {
      keyed.decorateRequest('caller', null as unknown as ApiKeyRow);
      // Authenticated before the body is read against its schema, as /v1 is.
      keyed.addHook('onRequest', async (req) => {
        req.caller = await integrationCaller(ctx.store, req.headers.authorization, ctx.now());
      });
      const r = keyed.withTypeProvider<ZodTypeProvider>();

      r.post('/send', {
        config: { integration: 'send' },
        schema: {
          tags: ['integrations'],
          summary: 'Send this text by SMS',
          description:
            'The plainest way to send an SMS: `to` and `text`, as JSON or `application/x-www-form-urlencoded`, with an API key as `Authorization: Bearer <key>` or as the password of HTTP Basic authentication. A key with only the `send` scope can do nothing else. With `code` (a one-time code that appears in `text`) the code is stored masked and kept only encrypted. Budgets apply as for POST /v1/messages. See docs/integrations/generic.md.',
          security,
          consumes: ['application/json', 'application/x-www-form-urlencoded'],
          body: SendTextBody,
          response: { 202: Message, ...problems },
        },
      }, async (req, reply) =>
        queueIntegrationSms(s, {
          apiKeyId: req.caller.id,
          to: req.body.to,
          text: req.body.text,
          ...(req.body.code !== undefined ? { code: req.body.code } : {}),
          ...(req.body.ttl_seconds !== undefined ? { ttlSeconds: req.body.ttl_seconds } : {}),
          detail: 'accepted by /integrations/send',
        }, req, reply),
      );

      r.post('/authentik/sms', {
        config: { integration: 'authentik' },
        schema: {
          tags: ['integrations'],
          summary: "authentik's generic SMS provider",
          description:
            "Takes the JSON authentik's SMS authenticator stage posts with the generic provider (`From`, `To`, `Body` = the token, and `Message` in current releases), authenticated by Bearer token or HTTP Basic (password = a Kirim API key with the `send` scope). The token is stored masked. See docs/integrations/authentik.md.",
          security,
          body: AuthentikSmsBody,
          response: { 202: Message, ...problems },
        },
      }, async (req, reply) => {
        const b = req.body;
        // authentik composes `Message` around the token; a mapping may send another text, or none.
        const text = b.Message !== undefined && b.Message.includes(b.Body) ? b.Message : authentikText(ctx.config.appName, b.Body, ctx.config.defaultLocale);
        if (b.Message !== undefined && !b.Message.includes(b.Body)) {
          req.log.info('authentik Message does not contain the token; sending Kirim\'s text instead');
        }
        return queueIntegrationSms(s, { apiKeyId: req.caller.id, to: b.To, text, code: b.Body, detail: 'accepted from authentik' }, req, reply);
      });
    });

    // Signed by the caller with its own secret instead of an API key.
    await app.register(supabaseRoutes(s), { prefix: '/supabase' });
  };

declare module 'fastify' {
  interface FastifyRequest {
    caller: ApiKeyRow;
  }
}
