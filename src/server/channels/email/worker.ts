/**
 * Moves queued email messages through the transport: `queued → dispatched
 * (attempt under way) → sent`, or back to `queued` with backoff after a
 * temporary failure, or `failed`. The claim is a compare-and-set on the row,
 * so two workers (or two servers) never send the same attempt. It runs in a
 * background loop (loop.ts), woken by new email and every second for
 * retries that came due.
 */
import type { ServerContext } from '../../context.js';
import { createServerLoop } from '../../loop.js';
import type { MessageService } from '../../messages/service.js';
import type { MessageRow } from '../../store/index.js';
import { backoffMs } from '../../webhooks/backoff.js';
import { renderOtpEmail, renderPlainEmail } from './templates.js';
import type { EmailTransport } from './types.js';

/** How long an attempt may hold a message before another worker may retry it. */
const ATTEMPT_LEASE_MS = 120_000;

export interface EmailWorker {
  /** Runs one pass over due messages; resolves when they are handled. */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export function createEmailWorker(ctx: ServerContext, messages: MessageService, transport: EmailTransport): EmailWorker {
  const { store, bus, config } = ctx;

  /**
   * An OTP email: the built-in one (with its HTML part) when the stored
   * text is the built-in text, else the key's template as written, in the
   * plain wrapper.
   */
  function otpEmail(text: string, subject: string | undefined, otp: { code: string; ttlMinutes: number; locale: 'id' | 'en' }) {
    const builtIn = renderOtpEmail({ appName: config.appName, code: otp.code, ttlMinutes: otp.ttlMinutes, locale: otp.locale });
    if (text === builtIn.text || subject === undefined) return builtIn;
    return renderPlainEmail({ subject, text });
  }

  async function attempt(row: MessageRow): Promise<void> {
    const now = ctx.now();
    // `attempts`: on another instance this attempt may have been made, failed and rescheduled since `row` was read.
    const claimed = await messages.transition({
      id: row.id,
      from: ['queued'],
      to: 'dispatched',
      at: now,
      detail: `email attempt ${row.attempts + 1}`,
      attempts: row.attempts,
      set: { gateway_id: 'email', lease_until: now + ATTEMPT_LEASE_MS, attempts: row.attempts + 1 },
    });
    if (!claimed) return;
    const d = await messages.deliverable(claimed);
    if ('drop' in d) {
      await messages.transition({ id: row.id, from: ['dispatched'], to: d.drop, at: ctx.now(), detail: d.detail });
      return;
    }
    const mail = d.otp ? otpEmail(d.text, d.subject, d.otp) : renderPlainEmail({ subject: row.subject ?? config.appName, text: d.text });
    const result = await transport.send({ messageId: row.id, to: row.to, from: config.mailFrom, ...mail });
    const at = ctx.now();
    ctx.metrics.emailAttempts.inc({ outcome: result.ok ? 'sent' : result.temporary ? 'temporary' : 'permanent' });
    if (result.ok) {
      await messages.transition({ id: row.id, from: ['dispatched'], to: 'sent', at, detail: `accepted by ${transport.describe()}`, set: { lease_until: null, last_error: null } });
      return;
    }
    const attempts = row.attempts + 1;
    if (result.temporary && attempts < config.emailMaxAttempts) {
      const next = at + backoffMs(attempts, { baseMs: 2_000, maxMs: 600_000 });
      if (next < claimed.expires_at) {
        await messages.transition({ id: row.id, from: ['dispatched'], to: 'queued', at, detail: `temporary failure, retry ${attempts + 1} soon: ${result.detail}`, set: { lease_until: null, next_attempt_at: next, last_error: result.detail } });
        return;
      }
    }
    await messages.transition({ id: row.id, from: ['dispatched'], to: 'failed', at, detail: result.detail, set: { lease_until: null, last_error: result.detail } });
  }

  /** Attempts what is due, a handful at a time (SMTP round trips dominate); a store error ends the pass for the loop to retry. */
  async function drain(signal?: AbortSignal): Promise<number> {
    let handled = 0;
    while (!signal?.aborted) {
      const due = await store.listDueEmails(ctx.now(), 20);
      if (due.length === 0) break;
      const results = await Promise.allSettled(due.map((row) => attempt(row)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      handled += due.length;
    }
    return handled;
  }

  const loop = createServerLoop(ctx, 'email', 1_000, drain);
  const wake = () => loop.wake();

  return {
    runOnce: () => drain(),
    start() {
      bus.on('queue:email', wake);
      loop.start();
    },
    async stop() {
      bus.off('queue:email', wake);
      await loop.stop();
      await transport.close();
    },
  };
}
