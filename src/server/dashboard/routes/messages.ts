/** Overview, messages and verifications: search, filters, and each one's timeline. Codes are never shown. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import { singleLine } from '../../../protocol/api.js';
import { Channel, MessageStatus, VerificationStatus } from '../../../protocol/enums.js';
import { notFound } from '../../errors.js';
import type { Dashboard } from '../index.js';
import { overview } from '../overview.js';
import { messageDetail, messageEvents, messageSummary, verificationSummary } from '../views.js';

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: singleLine(100).optional(),
});
/**
 * Ids and search text from the address bar: single-line text without
 * control characters (PostgreSQL refuses a NUL in a query; a 400 here
 * instead of a 500 there).
 */
export const PathId = z.object({ id: singleLine(100) });
/**
 * Destinations are stored in E.164 (+62812...), but people type local
 * numbers (0812...): a search that looks like one also matches in E.164.
 */
function searchTerm(q: string | undefined, region: CountryCode): string | undefined {
  if (!q) return undefined;
  const t = q.trim();
  if (/^0\d{3,}$/.test(t)) return `+${getCountryCallingCode(region)}${t.slice(1)}`;
  return t || undefined;
}

const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);
const optional = <T extends z.ZodType>(t: T) => z.preprocess(emptyToUndefined, t.optional());

export const messagesRoutes = (d: Dashboard): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const { ctx, names } = d;

    r.get('/overview', { schema: { querystring: z.object({ minutes: z.coerce.number().int().min(1).max(1440).default(60) }) } }, async (req) =>
      overview(ctx.store, await names.get(), ctx.now(), req.query.minutes),
    );

    r.get('/messages', {
      schema: {
        querystring: PageQuery.extend({
          q: optional(singleLine(200)),
          status: optional(MessageStatus),
          channel: optional(Channel),
          gateway: optional(singleLine(100)),
        }),
      },
    }, async (req) => {
      const { status, channel, gateway, limit, cursor } = req.query;
      const q = searchTerm(req.query.q, ctx.config.defaultRegion);
      const page = await ctx.store.searchMessages({ limit, ...(q ? { q } : {}), ...(status ? { status } : {}), ...(channel ? { channel } : {}), ...(gateway ? { gatewayId: gateway } : {}), ...(cursor ? { cursor } : {}) });
      const n = await names.get();
      return { data: page.items.map((m) => messageSummary(m, n)), next_cursor: page.nextCursor ?? null };
    });

    r.get('/messages/:id', { schema: { params: PathId } }, async (req) => {
      const m = await ctx.store.getMessage(req.params.id);
      if (!m) throw notFound('message');
      return messageDetail(m, await ctx.store.listMessageEvents(m.id), await names.get());
    });

    r.get('/verifications', {
      schema: {
        querystring: PageQuery.extend({
          q: optional(singleLine(200)),
          status: optional(VerificationStatus),
          channel: optional(Channel),
        }),
      },
    }, async (req) => {
      const { status, channel, limit, cursor } = req.query;
      const q = searchTerm(req.query.q, ctx.config.defaultRegion);
      const page = await ctx.store.searchVerifications({ limit, ...(q ? { q } : {}), ...(status ? { status } : {}), ...(channel ? { channel } : {}), ...(cursor ? { cursor } : {}) });
      const n = await names.get();
      return { data: page.items.map((v) => verificationSummary(v, n)), next_cursor: page.nextCursor ?? null };
    });

    r.get('/verifications/:id', { schema: { params: PathId } }, async (req) => {
      const v = await ctx.store.getVerification(req.params.id);
      if (!v) throw notFound('verification');
      const n = await names.get();
      const messages = await ctx.store.messagesOfVerification(v.id);
      return {
        ...verificationSummary(v, n),
        messages: await Promise.all(messages.map(async (m) => ({ ...messageSummary(m, n), events: messageEvents(await ctx.store.listMessageEvents(m.id)) }))),
      };
    });
  };
