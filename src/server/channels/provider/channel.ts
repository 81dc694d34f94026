/**
 * The SMS provider channel: one worker per configured provider
 * (worker.ts), the per-message callback URL with its token, and the
 * delivery reports providers send back (routes/providers.ts).
 *
 * Promises about delivery reports:
 * - a report is accepted only with the token Kirim put in that message's
 *   callback URL: an HMAC of the provider and the message id under the
 *   server secret (crypto.ts keyring, compared in constant time; reports
 *   for messages sealed under a previous secret still check). A token for
 *   one provider's message opens nothing at another provider's URL, and a
 *   message handed to another provider (or a gateway) is not touched;
 * - a report only moves a message forward: delivered or failed from
 *   `spooled` or `sent`, `sent` from `spooled`; a repeated or late report
 *   changes nothing and is answered 200 all the same (providers retry
 *   reports that were not answered 2xx);
 * - a report Kirim cannot read is answered 400 with what was wrong.
 */
import type { ServerContext } from '../../context.js';
import { ApiError } from '../../errors.js';
import type { MessageService } from '../../messages/service.js';
import type { MessageStatus } from '../../store/index.js';
import { providerRoute, type ProvidersConfig } from './config.js';
import { createGenericProvider } from './generic.js';
import { createKannelProvider } from './kannel.js';
import type { ProviderAdapter, ReportInput } from './types.js';
import { createProviderWorker, type ProviderWorker } from './worker.js';

/** Path of the delivery-report callback (mounted under /providers/v1). */
export const dlrPath = (providerId: string) => `/providers/v1/${providerId}/dlr`;

const REPORT_FROM: Record<'delivered' | 'failed' | 'sent', MessageStatus[]> = {
  delivered: ['spooled', 'sent'],
  failed: ['spooled', 'sent'],
  sent: ['spooled'],
};

export interface ReportAnswer {
  message_id: string;
  status: MessageStatus;
  /** Whether this report changed the message (false: a repeat, a late report, or a status Kirim does not record). */
  changed: boolean;
}

export type ProviderChannel = ReturnType<typeof createProviderChannel>;

export function createProviderChannel(ctx: ServerContext, messages: MessageService, settings: ProvidersConfig) {
  const adapters = new Map<string, ProviderAdapter>(settings.providers.map((p) => [p.id, p.type === 'kannel' ? createKannelProvider(p) : createGenericProvider(p)]));
  const tokenContext = (providerId: string) => `provider-dlr:${providerId}`;
  const token = (providerId: string, messageId: string) => ctx.keyring.mac(tokenContext(providerId), messageId);
  const callbackUrl = (providerId: string) => (messageId: string) =>
    `${settings.callbackBaseUrl ?? ''}${dlrPath(providerId)}?m=${encodeURIComponent(messageId)}&t=${token(providerId, messageId)}`;
  const workers = new Map<string, ProviderWorker>([...adapters].map(([id, a]) => [id, createProviderWorker(ctx, messages, a, callbackUrl(id))]));

  return {
    workers,
    /** Whether provider `id` is configured and not failing now (routing passes over a failing one). */
    usable(id: string): boolean {
      const w = workers.get(id);
      return w !== undefined && !w.failing;
    },
    has: (id: string) => adapters.has(id),

    /** Applies a delivery report for message `m`, authenticated by token `t`. */
    async report(providerId: string, m: string, t: string, input: ReportInput): Promise<ReportAnswer> {
      const adapter = adapters.get(providerId);
      if (!adapter) throw new ApiError(404, 'not_found', `no provider ${providerId} is configured`);
      if (!ctx.keyring.verifyMac(tokenContext(providerId), m, t)) throw new ApiError(401, 'unauthorized', 'the report token does not match this provider and message');
      const row = await ctx.store.getMessage(m);
      const gatewayId = providerRoute(providerId);
      if (!row || row.gateway_id !== gatewayId) throw new ApiError(404, 'not_found', `message ${m} was not handed to provider ${providerId}`);
      const verdict = adapter.report(input);
      if (typeof verdict === 'string') throw new ApiError(400, 'invalid_report', verdict);
      ctx.metrics.providerReports.inc({ provider: providerId, status: verdict.status });
      if (verdict.status === 'ignored') return { message_id: m, status: row.status, changed: false };
      const moved = await messages.transition({ id: m, from: REPORT_FROM[verdict.status], to: verdict.status, at: ctx.now(), gatewayId, detail: `${providerId}: ${verdict.detail}`, set: { lease_until: null } });
      return { message_id: m, status: moved?.status ?? (await ctx.store.getMessage(m))?.status ?? row.status, changed: moved !== undefined };
    },

    start() {
      for (const w of workers.values()) w.start();
    },
    async stop() {
      await Promise.all([...workers.values()].map((w) => w.stop()));
    },
  };
}
