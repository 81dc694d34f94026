/**
 * Delivery reports from SMS providers: `GET|POST /providers/v1/{provider}/dlr?m=<message id>&t=<token>`,
 * the callback URL Kirim gives the provider with each SMS (Kannel's
 * `dlr-url`, a generic provider's `{{callback_url}}`). The token
 * authenticates the report (channels/provider/channel.ts); the rest of the
 * report is the provider's own: a query string (Kannel), a JSON body or a
 * form body. Answers are JSON; errors problem+json. The URL's token is kept
 * out of the request log (app.ts logs these paths without their query).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import type { Services } from '../services.js';

const Params = z.object({ provider: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/).describe('the provider id from the providers file') });
const Query = z
  .object({
    m: z.string().min(1).max(100).describe('the message id'),
    t: z.string().min(1).max(100).describe("the message's report token"),
  })
  .catchall(z.string().max(2000))
  .describe("Kirim's own m and t, and whatever the provider adds (Kannel: type, answer, time)");
const ReportAnswer = z.object({
  message_id: z.string(),
  status: z.enum(['queued', 'dispatched', 'spooled', 'sent', 'delivered', 'failed', 'expired', 'canceled']),
  changed: z.boolean().describe('false for a repeated or late report, or a status Kirim does not record'),
});

export const providerRoutes = (s: Services): FastifyPluginAsync =>
  async (app) => {
    // Form bodies (many providers post reports as forms); scoped to these routes.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    const r = app.withTypeProvider<ZodTypeProvider>();
    const schema = {
      tags: ['providers'],
      summary: 'Delivery report from an SMS provider',
      description: 'The callback URL Kirim gives a provider with each SMS (docs/providers.md). Authenticated by the per-message token `t`; repeated reports are answered 200 and change nothing.',
      params: Params,
      querystring: Query,
      response: { 200: ReportAnswer },
    };
    const handle = async (req: { params: z.infer<typeof Params>; query: z.infer<typeof Query>; body?: unknown }) => {
      if (!s.providers) throw new ApiError(404, 'not_found', 'no SMS providers are configured (KIRIM_SMS_PROVIDERS)');
      const { m, t, ...rest } = req.query;
      return s.providers.report(req.params.provider, m, t, { query: rest as Record<string, string>, body: req.body ?? undefined });
    };
    r.get('/:provider/dlr', { schema }, async (req) => handle(req));
    r.post('/:provider/dlr', { schema: { ...schema, body: z.unknown().optional() } }, async (req) => handle(req));
  };
