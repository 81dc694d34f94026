/**
 * Verifications: start (or resend), check, read, cancel.
 *
 * The code exists in clear only in memory: it is stored as an HMAC (to check
 * it) and, while the verification is pending, AES-GCM encrypted (so a resend
 * and the channel that delivers it can use the same code). The ciphertext is
 * erased the moment the verification ends.
 *
 * Every evaluated check counts against the destination's guess limit
 * (guesses.ts) in the check's own transaction. A check by `to` answers the
 * same 404 whether the destination never had a verification or its latest
 * one is over, after the same work (one lookup, one HMAC comparison), so
 * neither the answer nor its timing tells the two apart.
 */
import type { Channel, FallbackHop, Locale, ReverseInstructions, Verification, VerificationMethod } from '../../protocol/api.js';
import { iso } from '../../protocol/time.js';
import { generateCode } from '../crypto.js';
import { ApiError, notFound, rateLimited } from '../errors.js';
import { newId } from '../ids.js';
import type { ServerContext } from '../context.js';
import type { Limits } from '../limits.js';
import type { MessageService } from '../messages/service.js';
import { maskCode, renderOtpSms } from '../messages/sms-text.js';
import { fillTemplate } from '../messages/otp-template.js';
import { otpTextSettings, resolveLocale, type OtpTextSettings } from '../app-settings.js';
import { renderOtpEmail } from '../channels/email/templates.js';
import type { Outbox } from '../outbox.js';
import { isUniqueViolation, type Repo, type Tx, type VerificationRow } from '../store/index.js';
import { endVerification } from './end.js';
import { createGuessLimit } from './guesses.js';
import { createReverse } from './reverse.js';
import { createFallback, hopAt, type FallbackPlan } from './fallback.js';
import { MODEM } from '../routing/rules.js';
import { normalizeDestination } from '../destinations.js';

/** The API object. Never contains the code. An overdue pending verification reads as expired. */
export function verificationView(v: VerificationRow, now: number): Verification {
  const status = v.status === 'pending' && v.expires_at <= now ? 'expired' : v.status;
  return {
    id: v.id,
    to: v.to,
    channel: v.channel,
    status,
    created_at: iso(v.created_at),
    expires_at: iso(v.expires_at),
    sends: v.sends,
    attempts_left: v.attempts_left,
    next_resend_at: iso(v.next_resend_at),
    method: v.method,
  };
}

/** Thrown inside a check's transaction to roll it back and decide again. */
const RETRY = new Error('retry the check');

export interface StartInput {
  apiKeyId: string;
  to: string;
  channel: Channel;
  /** Absent: the key's default locale, else the server's (app-settings.ts). */
  locale?: Locale;
  ip?: string;
  /** Default `send`; `reverse` (SMS only) sends nothing: the person texts the code (reverse.ts). */
  method?: VerificationMethod;
  /** Where the same code goes next when its channel fails or stalls (fallback.ts). */
  fallback?: FallbackHop[];
  fallbackAfterSeconds?: number;
}

export type VerificationService = ReturnType<typeof createVerificationService>;

export function createVerificationService(ctx: ServerContext, messages: MessageService, _limits: Limits, outbox: Outbox) {
  const { store, keyring, config } = ctx;
  const { otp } = config;
  const guesses = createGuessLimit(ctx);
  const reverse = createReverse(ctx, outbox, guesses);
  // Compared against when there is no code to compare with, so every
  // answer to a check costs the same HMAC.
  const DUMMY_CONTEXT = 'ver_none';
  const dummyMac = keyring.mac(DUMMY_CONTEXT, 'no code');
  const nothingToCheck = () => new ApiError(404, 'not_found', 'no pending verification to check for this destination; start a new one');

  const resendDelayMs = (sends: number) =>
    1000 * (otp.resendDelaysSeconds[Math.min(sends - 1, otp.resendDelaysSeconds.length - 1)] ?? 30);

  /**
   * The OTP message as stored: the key's template (or the built-in one)
   * for the verification's locale, with the code masked; the channel puts
   * the code back in at the last moment (messages.deliverable).
   */
  function otpMessage(v: VerificationRow, apiKeyId: string, settings: OtpTextSettings, hop: FallbackHop = hopAt(v, v.hop)) {
    const values = { code: maskCode('0'.repeat(otp.digits)), app: config.appName, minutes: otp.ttlSeconds / 60 };
    let text: string;
    let subject: string | null = null;
    const channel = v.hop === 0 ? v.channel : hop.channel;
    if (channel === 'email') {
      const custom = settings.templates.email?.[v.locale];
      const mail = custom
        ? { subject: fillTemplate(custom.subject, values), text: fillTemplate(custom.text, values) }
        : renderOtpEmail({ appName: values.app, code: values.code, ttlMinutes: values.minutes, locale: v.locale });
      text = mail.text;
      subject = mail.subject;
    } else {
      text = renderOtpSms({ appName: values.app, code: values.code, ttlMinutes: values.minutes, locale: v.locale, template: settings.templates.sms?.[v.locale] ?? null, autofill: settings.autofill });
    }
    return {
      apiKeyId,
      to: v.hop > 0 && hop.channel === 'email' ? hop.to : v.to,
      channel,
      text,
      subject,
      priority: 'high' as const,
      expiresAt: v.expires_at,
      verificationId: v.id,
      // A fallback hop names its SMS channel; the first SMS goes where the routing rules say.
      ...(v.hop > 0 && hop.channel === 'sms' ? { via: hop.via } : {}),
    };
  }

  /** The fallback plan of a new verification, checked: known providers, normalized email addresses. */
  function fallbackPlan(input: StartInput): string | null {
    if (!input.fallback) return null;
    const known = new Set((config.providers?.providers ?? []).map((p) => p.id));
    const hops = input.fallback.map((h, i): FallbackHop => {
      if (h.channel === 'email') {
        try {
          return { channel: 'email', to: normalizeDestination(h.to, 'email', { defaultRegion: config.defaultRegion, allowedCountries: config.allowedCountries }) };
        } catch (err) {
          if (err instanceof ApiError) throw new ApiError(err.status, err.code, `fallback[${i}].to: ${err.detail}`);
          throw err;
        }
      }
      if (h.via !== MODEM && !known.has(h.via)) throw new ApiError(422, 'validation_failed', `fallback[${i}].via: no SMS provider "${h.via}" (KIRIM_SMS_PROVIDERS has ${known.size === 0 ? 'none' : [...known].join(', ')}; or use "modem")`);
      return h;
    });
    const plan: FallbackPlan = { hops, afterMs: (input.fallbackAfterSeconds ?? config.fallbackAfterSeconds) * 1000 };
    return JSON.stringify(plan);
  }

  /** Cancels the verification's messages that have not left yet (inside its end's transaction). */
  async function cancelUnsent(tx: Tx, verificationId: string, reason: string, now: number) {
    for (const m of await tx.messagesOfVerification(verificationId)) {
      if (m.status === 'queued') await messages.transition({ id: m.id, from: ['queued'], to: 'canceled', at: now, detail: reason }, tx);
    }
  }

  // Moves a code on to the next channel of its fallback (a background loop in services.ts).
  const fallback = createFallback(ctx, messages, async (v, hop) => otpMessage(v, v.api_key_id, otpTextSettings(await store.getAppSettings(v.api_key_id)), hop));

  return {
    /** One pass of the fallback: every code whose channel failed or stalled moves on (fallback.ts). */
    runFallback: () => fallback.runOnce(),

    /**
     * Starts a verification, or resends the pending one's code; inside
     * `repo`'s transaction when given (an idempotent request), so the
     * request's record and what it created commit together.
     */
    async start(input: StartInput, repo: Repo = store): Promise<{ created: boolean; verification: Verification; reverse?: ReverseInstructions }> {
      const now = ctx.now();
      if (input.method === 'reverse') {
        const r = await reverse.start(input, repo);
        ctx.metrics.verificationsStarted.inc({ channel: input.channel, outcome: r.created ? 'created_reverse' : 'shown_again_reverse' });
        return { created: r.created, verification: verificationView(r.v, now), reverse: r.reverse };
      }
      for (let attempt = 0; ; attempt++) {
        try {
          const result = await repo.transaction(async (tx) => {
            // Nothing goes to a destination cooling off after wrong codes, not even a resend.
            await guesses.refuseWhileCooling(tx, input.to, now);
            const settings = otpTextSettings(await tx.getAppSettings(input.apiKeyId));
            let pending = await tx.findPendingVerification(input.apiKeyId, input.to, input.channel);
            if (pending && pending.expires_at <= now) {
              await endVerification(tx, outbox, pending, 'expired', now);
              pending = undefined;
            }
            if (pending?.method === 'reverse') {
              // Sending it would turn the code the person is to text into one Kirim sends.
              throw new ApiError(409, 'verification_pending', `a reverse verification (${pending.id}) is pending for this destination; wait for its SMS, or cancel it before starting one whose code Kirim sends`);
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
              await cancelUnsent(tx, pending.id, 'superseded by a resend', now);
              await messages.insert({ ...otpMessage(updated, input.apiKeyId, settings), detail: `resend ${sends} of the verification code` }, tx, now);
              return { created: false, v: updated };
            }
            const id = newId('ver', now);
            const code = generateCode(otp.digits);
            const v: VerificationRow = {
              id,
              api_key_id: input.apiKeyId,
              channel: input.channel,
              to: input.to,
              status: 'pending',
              locale: resolveLocale(input.locale, settings, config.defaultLocale),
              code_hash: keyring.mac(id, code),
              code_enc: keyring.encrypt(id, code),
              method: 'send',
              ip: input.ip ?? null,
              created_at: now,
              expires_at: now + otp.ttlSeconds * 1000,
              sends: 1,
              max_sends: otp.maxSends,
              attempts_left: otp.maxAttempts,
              next_resend_at: now + resendDelayMs(1),
              ended_at: null,
              fallback: fallbackPlan(input),
              hop: 0,
              hop_since: null,
            };
            await tx.insertVerification(v);
            await messages.insert({ ...otpMessage(v, input.apiKeyId, settings), detail: 'verification code' }, tx, now);
            return { created: true, v };
          });
          ctx.metrics.verificationsStarted.inc({ channel: input.channel, outcome: result.created ? 'created' : 'resent' });
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

    /**
     * Checks a code. Approves once; a wrong code costs one attempt of the
     * verification and one failure of the destination's guess limit.
     */
    async check(q: { apiKeyId: string; id?: string; to?: string; code: string }): Promise<Verification> {
      const lookup = () => (q.id ? store.getVerification(q.id, q.apiKeyId) : store.findLatestVerification(q.apiKeyId, q.to!));
      const wellFormed = /^[0-9]+$/.test(q.code);
      for (let round = 0; round < 10; round++) {
        const now = ctx.now();
        const v = await lookup();
        const pending = v?.status === 'pending' && v.expires_at > now;
        if (!v || (!q.id && !pending)) {
          // By destination, "never started" and "over" look alike, down to the work done.
          keyring.verifyMac(DUMMY_CONTEXT, q.code, dummyMac);
          ctx.metrics.verificationChecks.inc({ outcome: v ? 'closed' : 'not_found' });
          throw q.id ? notFound('verification') : nothingToCheck();
        }
        if (v.status === 'pending' && v.expires_at <= now) {
          await store.transaction((tx) => endVerification(tx, outbox, v, 'expired', now));
          continue;
        }
        if (v.status === 'approved' || v.status === 'canceled') {
          // Approval happens once; a second check must not read as another approval.
          keyring.verifyMac(DUMMY_CONTEXT, q.code, dummyMac);
          ctx.metrics.verificationChecks.inc({ outcome: 'closed' });
          throw new ApiError(404, 'not_found', `no pending verification to check: it is ${v.status}; start a new one`);
        }
        if (v.method === 'reverse' && v.status === 'pending') {
          // Only the person's SMS proves a reverse verification; the application holds its code.
          keyring.verifyMac(DUMMY_CONTEXT, q.code, dummyMac);
          ctx.metrics.verificationChecks.inc({ outcome: 'reverse_refused' });
          throw new ApiError(409, 'reverse_verification', 'this is a reverse verification: it is approved by the SMS the person sends, not by a check; read it with GET /v1/verifications/{id} or wait for verification.approved');
        }
        if (v.status !== 'pending') {
          keyring.verifyMac(DUMMY_CONTEXT, q.code, dummyMac);
          ctx.metrics.verificationChecks.inc({ outcome: v.status });
          return verificationView(v, now);
        }
        let outcome: { outcome: string; v: VerificationRow } | undefined;
        try {
          outcome = await store.transaction(async (tx) => {
            // The guess is counted before the code is compared (or refused, comparing nothing).
            await guesses.take(tx, v.to, now);
            if (wellFormed && keyring.verifyMac(v.id, q.code, v.code_hash)) {
              const ended = await endVerification(tx, outbox, v, 'approved', now, {}, { attemptsLeft: v.attempts_left });
              if (!ended) throw RETRY;
              await cancelUnsent(tx, v.id, 'verification approved', now);
              await guesses.succeeded(tx, v.to);
              return { outcome: 'approved', v: ended };
            }
            const left = v.attempts_left - 1;
            if (left > 0) {
              if (!(await tx.updatePendingVerification(v.id, { attempts_left: left }, { attemptsLeft: v.attempts_left }))) throw RETRY;
              return { outcome: 'wrong_code', v: { ...v, attempts_left: left } };
            }
            const ended = await endVerification(tx, outbox, v, 'max_attempts_reached', now, { attempts_left: 0 }, { attemptsLeft: v.attempts_left });
            if (!ended) throw RETRY;
            await cancelUnsent(tx, v.id, 'maximum check attempts reached', now);
            return { outcome: 'max_attempts_reached', v: ended };
          });
        } catch (err) {
          // A concurrent check changed the verification: nothing of this one
          // was kept (its guess included); decide again on fresh state.
          if (err === RETRY) continue;
          if (err instanceof ApiError && err.status === 429) ctx.metrics.verificationChecks.inc({ outcome: 'rate_limited' });
          throw err;
        }
        ctx.metrics.verificationChecks.inc({ outcome: outcome.outcome });
        return verificationView(outcome.v, now);
      }
      throw new ApiError(409, 'conflict', 'the verification is being checked concurrently; try again');
    },

    /** Matching inbound SMS to reverse verifications (the gateway service's inbound transaction). */
    reverse,

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
      const canceled = await store.transaction(async (tx) => {
        const ended = await endVerification(tx, outbox, v, 'canceled', now);
        if (ended) await cancelUnsent(tx, v.id, 'verification canceled', now);
        return ended;
      });
      if (!canceled) return this.cancel(id, apiKeyId);
      return verificationView(canceled, now);
    },

    /** Marks overdue pending verifications expired and erases their codes (sweeper). */
    async expireOverdue(): Promise<number> {
      const now = ctx.now();
      let n = 0;
      for (const v of await store.listExpiredPendingVerifications(now, 500)) {
        if (await store.transaction((tx) => endVerification(tx, outbox, v, 'expired', now))) n++;
      }
      return n;
    },
  };
}
