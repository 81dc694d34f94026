/**
 * Verifications: start (or resend), check, read, cancel.
 *
 * The code exists in clear only in memory: it is stored as an HMAC (to check
 * it) and, while the verification is pending, AES-GCM encrypted (so a resend
 * and the channel that delivers it can use the same code). The ciphertext is
 * erased the moment the verification ends.
 */
import type { Verification } from '../../protocol/api.js';
import { generateCode } from '../crypto.js';
import { ApiError, notFound, rateLimited } from '../errors.js';
import { newId } from '../ids.js';
import type { ServerContext } from '../context.js';
import type { Limits } from '../limits.js';
import type { MessageService } from '../messages/service.js';
import { maskCode, renderOtpSms } from '../messages/sms-text.js';
import { isUniqueViolation, type MessageRow, type Repo, type VerificationRow } from '../store/index.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The API object. Never contains the code. An overdue pending verification reads as expired. */
export function verificationView(v: VerificationRow, now: number): Verification {
  const status = v.status === 'pending' && v.expires_at <= now ? 'expired' : v.status;
  return {
    id: v.id,
    to: v.to,
    channel: v.channel as Verification['channel'],
    status: status as Verification['status'],
    created_at: iso(v.created_at),
    expires_at: iso(v.expires_at),
    sends: v.sends,
    attempts_left: v.attempts_left,
    next_resend_at: iso(v.next_resend_at),
  };
}

export interface StartInput {
  apiKeyId: string;
  to: string;
  channel: 'sms' | 'email';
  locale: 'id' | 'en';
  ip?: string;
}

export type VerificationService = ReturnType<typeof createVerificationService>;

export function createVerificationService(ctx: ServerContext, messages: MessageService, limits: Limits) {
  const { store, keyring, config } = ctx;
  const { otp } = config;

  const resendDelayMs = (sends: number) =>
    1000 * (otp.resendDelaysSeconds[Math.min(sends - 1, otp.resendDelaysSeconds.length - 1)] ?? 30);

  function otpMessage(v: VerificationRow, apiKeyId: string) {
    const masked = renderOtpSms({
      appName: config.appName,
      code: maskCode('0'.repeat(otp.digits)),
      ttlMinutes: Math.round(otp.ttlSeconds / 60),
      locale: v.locale as 'id' | 'en',
    });
    return {
      apiKeyId,
      to: v.to,
      channel: v.channel as 'sms' | 'email',
      text: masked,
      subject: v.channel === 'email' ? (v.locale === 'id' ? `Kode verifikasi ${config.appName}` : `${config.appName} verification code`) : null,
      priority: 'high' as const,
      expiresAt: v.expires_at,
      verificationId: v.id,
    };
  }

  /** Ends a verification (erasing its code) and cancels its messages that have not left yet. */
  async function end(repo: Repo, v: VerificationRow, status: string, now: number): Promise<boolean> {
    const ok = await repo.updatePendingVerification(v.id, { status, code_enc: null, ended_at: now });
    return ok;
  }

  async function cancelUnsent(verificationId: string, reason: string, now: number) {
    for (const m of await store.messagesOfVerification(verificationId)) {
      if (m.status === 'queued') {
        await messages.transition({ id: m.id, from: ['queued'], to: 'canceled', at: now, detail: reason });
      }
    }
  }

  return {
    /** Starts a verification, or resends the pending one's code. */
    async start(input: StartInput): Promise<{ created: boolean; verification: Verification }> {
      const now = ctx.now();
      for (let attempt = 0; ; attempt++) {
        try {
          const result = await store.transaction(async (tx) => {
            let pending = await tx.findPendingVerification(input.apiKeyId, input.to, input.channel);
            if (pending && pending.expires_at <= now) {
              await end(tx, pending, 'expired', now);
              pending = undefined;
            }
            if (pending) {
              if (pending.sends >= pending.max_sends) {
                throw rateLimited(`this verification was already sent ${pending.sends} times; wait for it to expire`, pending.expires_at - now);
              }
              if (now < pending.next_resend_at) {
                throw rateLimited('resend requested too soon; see next_resend_at', pending.next_resend_at - now);
              }
              const sends = pending.sends + 1;
              const next = { sends, next_resend_at: now + resendDelayMs(sends) };
              if (!(await tx.updatePendingVerification(pending.id, next, { sends: pending.sends }))) {
                throw rateLimited('a resend of this verification is already in progress', 1000);
              }
              const updated = { ...pending, ...next };
              // The earlier copy of the code has not left yet: one message is enough.
              const superseded: string[] = [];
              for (const m of await tx.messagesOfVerification(pending.id)) {
                if (m.status === 'queued' && (await tx.transition({ id: m.id, from: ['queued'], to: 'canceled', at: now, detail: 'superseded by a resend' }))) {
                  superseded.push(m.id);
                }
              }
              const msg = await messages.insert({ ...otpMessage(updated, input.apiKeyId), detail: `resend ${sends} of the verification code` }, tx, now);
              return { created: false, v: updated, msg, superseded };
            }
            limits.verificationStart(input.apiKeyId, input.to, now);
            const id = newId('ver', now);
            const code = generateCode(otp.digits);
            const v: VerificationRow = {
              id,
              api_key_id: input.apiKeyId,
              channel: input.channel,
              to: input.to,
              status: 'pending',
              locale: input.locale,
              code_hash: keyring.mac(id, code),
              code_enc: keyring.encrypt(id, code),
              ip: input.ip ?? null,
              created_at: now,
              expires_at: now + otp.ttlSeconds * 1000,
              sends: 1,
              max_sends: otp.maxSends,
              attempts_left: otp.maxAttempts,
              next_resend_at: now + resendDelayMs(1),
              ended_at: null,
            };
            await tx.insertVerification(v);
            const msg = await messages.insert({ ...otpMessage(v, input.apiKeyId), detail: 'verification code' }, tx, now);
            return { created: true, v, msg, superseded: [] as string[] };
          });
          ctx.metrics.verificationsStarted.inc({ channel: input.channel, outcome: result.created ? 'created' : 'resent' });
          messages.announce(result.msg);
          for (const id of result.superseded) {
            const row = await store.getMessage(id);
            if (row) ctx.bus.emit('message:changed', row, 'superseded by a resend');
          }
          return { created: result.created, verification: verificationView(result.v, now) };
        } catch (err) {
          // Two starts raced and the other created the pending verification:
          // run again, which turns this one into a resend (or a 429).
          if (isUniqueViolation(err) && attempt < 3) continue;
          if (err instanceof ApiError && err.status === 429) {
            ctx.metrics.verificationsStarted.inc({ channel: input.channel, outcome: 'rate_limited' });
          }
          throw err;
        }
      }
    },

    /** Checks a code. Approves once; a wrong code costs one attempt. */
    async check(q: { apiKeyId: string; id?: string; to?: string; code: string }): Promise<Verification> {
      const lookup = () => (q.id ? store.getVerification(q.id, q.apiKeyId) : store.findLatestVerification(q.apiKeyId, q.to!));
      for (let round = 0; round < 10; round++) {
        const now = ctx.now();
        const v = await lookup();
        if (!v) {
          ctx.metrics.verificationChecks.inc({ outcome: 'not_found' });
          throw notFound('verification');
        }
        if (v.status === 'pending' && v.expires_at <= now) {
          await end(store, v, 'expired', now);
          continue;
        }
        if (v.status === 'approved' || v.status === 'canceled') {
          // Approval happens once; a second check must not read as another approval.
          ctx.metrics.verificationChecks.inc({ outcome: 'closed' });
          throw new ApiError(404, 'not_found', `no pending verification to check: it is ${v.status}; start a new one`);
        }
        if (v.status !== 'pending') {
          ctx.metrics.verificationChecks.inc({ outcome: v.status });
          return verificationView(v, now);
        }
        const right = /^[0-9]+$/.test(q.code) && keyring.verifyMac(v.id, q.code, v.code_hash);
        if (right) {
          if (await store.updatePendingVerification(v.id, { status: 'approved', code_enc: null, ended_at: now }, { attemptsLeft: v.attempts_left })) {
            ctx.metrics.verificationChecks.inc({ outcome: 'approved' });
            await cancelUnsent(v.id, 'verification approved', now);
            ctx.bus.emit('verification:ended', { ...v, status: 'approved', code_enc: null, ended_at: now });
            return verificationView({ ...v, status: 'approved', code_enc: null, ended_at: now }, now);
          }
          continue; // a concurrent check changed it; decide again on fresh state
        }
        const left = v.attempts_left - 1;
        const set = left <= 0 ? { attempts_left: 0, status: 'max_attempts_reached', code_enc: null, ended_at: now } : { attempts_left: left };
        if (await store.updatePendingVerification(v.id, set, { attemptsLeft: v.attempts_left })) {
          ctx.metrics.verificationChecks.inc({ outcome: left <= 0 ? 'max_attempts_reached' : 'wrong_code' });
          if (left <= 0) await cancelUnsent(v.id, 'maximum check attempts reached', now);
          return verificationView({ ...v, ...set }, now);
        }
      }
      throw new ApiError(409, 'conflict', 'the verification is being checked concurrently; try again');
    },

    async get(id: string, apiKeyId: string): Promise<Verification> {
      const v = await store.getVerification(id, apiKeyId);
      if (!v) throw notFound('verification');
      return verificationView(v, ctx.now());
    },

    async cancel(id: string, apiKeyId: string): Promise<Verification> {
      const now = ctx.now();
      const v = await store.getVerification(id, apiKeyId);
      if (!v) throw notFound('verification');
      if (v.status === 'canceled') return verificationView(v, now);
      if (v.status !== 'pending' || v.expires_at <= now) {
        throw new ApiError(409, 'not_pending', `the verification is ${verificationView(v, now).status} and can no longer be canceled`);
      }
      if (!(await end(store, v, 'canceled', now))) return this.cancel(id, apiKeyId);
      await cancelUnsent(v.id, 'verification canceled', now);
      return verificationView({ ...v, status: 'canceled', code_enc: null, ended_at: now }, now);
    },

    /**
     * Keeps a verification in step with its messages: when the last message
     * that could carry the code failed or expired, the verification did too.
     */
    async onMessageFinal(m: MessageRow): Promise<void> {
      if (!m.verification_id || (m.status !== 'failed' && m.status !== 'expired')) return;
      const v = await store.getVerification(m.verification_id);
      if (!v || v.status !== 'pending') return;
      const all = await store.messagesOfVerification(v.id);
      const stillGoing = all.some((x) => ['queued', 'dispatched', 'spooled', 'sent', 'delivered'].includes(x.status));
      if (stillGoing) return;
      const status = m.status === 'expired' ? 'expired' : 'failed';
      const now = ctx.now();
      if (await end(store, v, status, now)) {
        ctx.bus.emit('verification:ended', { ...v, status, code_enc: null, ended_at: now });
      }
    },

    /** Marks overdue pending verifications expired and erases their codes (sweeper). */
    async expireOverdue(): Promise<number> {
      const now = ctx.now();
      let n = 0;
      for (const v of await store.listExpiredPendingVerifications(now, 500)) {
        if (await end(store, v, 'expired', now)) n++;
      }
      return n;
    },
  };
}
