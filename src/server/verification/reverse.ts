/**
 * Reverse OTP (docs/reverse-otp.md): instead of Kirim sending the code,
 * the person texts it to a gateway's own number, and the SMS approves the
 * verification when its sender is the verification's `to` and it carries
 * the code.
 *
 * Promises:
 * - nothing is sent, so nothing can be pumped: starting one queues no SMS;
 * - the code is kept as for any verification (HMAC to compare, AES-GCM
 *   while pending, so a repeated start can show it again), never in clear;
 * - the number shown is a gateway that can receive now: not revoked,
 *   heard from within KIRIM_GATEWAY_OFFLINE_SECONDS, its number set; of
 *   those, one pinned to the person's prefix or country first (the
 *   longest match), then an unpinned one, then one pinned elsewhere; then
 *   one in rotation; then the number sharing the longest prefix with the
 *   person's (the same operator is cheaper for them);
 * - an inbound SMS is matched in the transaction that stores it, so a
 *   repeated upload (stored once) is matched once; only its sender's
 *   pending reverse verifications are read (an index probe, at most
 *   {@link MAX_CANDIDATES}), and only a text that reads as a reply
 *   (reverse-text.ts) is evaluated at all;
 * - an evaluated reply takes one guess of the sender's guess limit
 *   (guesses.ts) before the code is compared, exactly as a check does; a
 *   right code approves through endVerification (the `verification.approved`
 *   webhook), a wrong one costs each of the sender's pending reverse
 *   verifications one attempt; while the sender is cooling off, replies
 *   are stored but not evaluated;
 * - an SMS from any other sender never approves anything, and an expired
 *   verification is never approved (it is left to the expiry sweeper);
 * - a reply that was evaluated is stored with its digits masked.
 */
import type { Channel, Locale, ReverseInstructions } from '../../protocol/api.js';
import { generateCode } from '../crypto.js';
import { ApiError } from '../errors.js';
import { gatewayStatus } from '../gateway-status.js';
import { newId } from '../ids.js';
import type { ServerContext } from '../context.js';
import type { Outbox } from '../outbox.js';
import { countryOf } from '../limits.js';
import { matchLength, pinned, pinsOf } from '../routing/pins.js';
import type { GatewayRow, Repo, Tx, VerificationRow } from '../store/index.js';
import { endVerification } from './end.js';
import type { GuessLimit } from './guesses.js';
import { parseReverseReply, reverseText, smsUris } from './reverse-text.js';

/** At most this many pending reverse verifications are read for one sender (one per API key is the most a start allows). */
export const MAX_CANDIDATES = 20;

export type ReverseOutcome = 'approved' | 'wrong_code' | 'max_attempts_reached' | 'cooling_off';

/** What an inbound SMS answers, found before it is stored. */
export interface ReverseReply {
  code: string;
  from: string;
  candidates: VerificationRow[];
}

/**
 * The gateway whose number a person should text, or a 409 saying why
 * there is none. Pure: `now` and the offline setting decide "online".
 */
export function pickReverseGateway(to: string, gateways: GatewayRow[], now: number, offlineSeconds: number): GatewayRow & { number: string } {
  const numbered = gateways.filter((g): g is GatewayRow & { number: string } => g.revoked_at === null && g.number !== null);
  if (numbered.length === 0) {
    throw new ApiError(409, 'no_reverse_number', 'no gateway has its own phone number set, so there is no number to text: set one with `kirim gateways number ID +62...` or PUT /v1/gateways/{id}/number');
  }
  const online = numbered.filter((g) => gatewayStatus(g, now, offlineSeconds).state === 'online');
  if (online.length === 0) {
    throw new ApiError(409, 'no_reverse_gateway', `no gateway with a phone number is online (${numbered.map((g) => `${g.name} ${g.number}`).join(', ')}): an SMS to it would wait until it returns; try again later or start a verification with method "send"`);
  }
  const country = countryOf(to);
  const score = (g: GatewayRow & { number: string }) => {
    const pins = pinsOf(g);
    // Pinned here beats unpinned, which beats pinned elsewhere.
    const pin = pinned(pins) ? (matchLength(pins, to, country) > 0 ? 1000 + matchLength(pins, to, country) : -1) : 0;
    const rotation = g.rotation === 'in' ? 1 : 0;
    let common = 0;
    while (common < g.number.length && g.number[common] === to[common]) common++;
    return [pin, rotation, common];
  };
  const ranked = online.map((g) => ({ g, s: score(g) })).sort((a, b) => {
    for (let i = 0; i < a.s.length; i++) if (a.s[i] !== b.s[i]) return b.s[i]! - a.s[i]!;
    return a.g.id < b.g.id ? -1 : a.g.id > b.g.id ? 1 : 0;
  });
  return ranked[0]!.g;
}

/** The reply's text as stored: its digits masked (the code is never kept in clear). */
export function maskReply(text: string): string {
  return text.replace(/[0-9\uff10-\uff19]/g, '*');
}

export interface ReverseStartInput {
  apiKeyId: string;
  to: string;
  /** Kept on the verification (nothing is rendered in it). */
  locale?: Locale;
  ip?: string;
}

export type Reverse = ReturnType<typeof createReverse>;

export function createReverse(ctx: ServerContext, outbox: Outbox, guesses: GuessLimit) {
  const { keyring, config } = ctx;
  const { otp } = config;
  const channel: Channel = 'sms';

  function instructions(code: string, number: string): ReverseInstructions {
    const text = reverseText(code);
    return { code, number, text, ...smsUris(number, text) };
  }

  return {
    /**
     * Starts a reverse verification, or shows the pending one again (the
     * same code, `created: false`); inside `repo`'s transaction. A pending
     * verification of the other method for the same key and `to` is a 409.
     */
    async start(input: ReverseStartInput, repo: Repo): Promise<{ created: boolean; v: VerificationRow; reverse: ReverseInstructions }> {
      const now = ctx.now();
      const gateway = pickReverseGateway(input.to, await repo.listGateways(), now, config.gatewayOfflineSeconds);
      return repo.transaction(async (tx) => {
        await guesses.refuseWhileCooling(tx, input.to, now);
        let pending = await tx.findPendingVerification(input.apiKeyId, input.to, channel);
        if (pending && pending.expires_at <= now) {
          await endVerification(tx, outbox, pending, 'expired', now);
          pending = undefined;
        }
        if (pending && pending.method !== 'reverse') {
          throw new ApiError(409, 'verification_pending', `a verification whose code Kirim sends (${pending.id}) is pending for this destination; check or cancel it before starting a reverse one`);
        }
        if (pending) {
          return { created: false, v: pending, reverse: instructions(keyring.decrypt(pending.id, pending.code_enc!), gateway.number) };
        }
        const id = newId('ver', now);
        const code = generateCode(otp.digits);
        const v: VerificationRow = {
          id,
          api_key_id: input.apiKeyId,
          channel,
          method: 'reverse',
          to: input.to,
          status: 'pending',
          locale: input.locale ?? config.defaultLocale,
          code_hash: keyring.mac(id, code),
          code_enc: keyring.encrypt(id, code),
          ip: input.ip ?? null,
          created_at: now,
          expires_at: now + otp.ttlSeconds * 1000,
          // Nothing is sent: no sends, and none to come.
          sends: 0,
          max_sends: 0,
          attempts_left: otp.maxAttempts,
          next_resend_at: now,
          ended_at: null,
          fallback: null,
          hop: 0,
          hop_since: null,
        };
        await tx.insertVerification(v);
        return { created: true, v, reverse: instructions(code, gateway.number) };
      });
    },

    /** The instructions of a pending reverse verification again (an idempotent replay); undefined once it ended. */
    async instructionsFor(v: VerificationRow): Promise<ReverseInstructions | undefined> {
      if (v.method !== 'reverse' || v.status !== 'pending' || !v.code_enc) return undefined;
      const gateway = pickReverseGateway(v.to, await ctx.store.listGateways(), ctx.now(), config.gatewayOfflineSeconds);
      return instructions(keyring.decrypt(v.id, v.code_enc), gateway.number);
    },

    /**
     * Whether an inbound SMS from `from` (normalized as the verification's
     * `to` is) is a reply to a pending reverse verification; read in the
     * transaction that is about to store it.
     */
    async read(tx: Tx, from: string, text: string, now: number): Promise<ReverseReply | undefined> {
      if (!from.startsWith('+')) return undefined;
      const code = parseReverseReply(text, otp.digits);
      if (code === undefined) return undefined;
      const candidates = (await tx.listPendingReverse(from, MAX_CANDIDATES)).filter((v) => v.expires_at > now);
      return candidates.length > 0 ? { code, from, candidates } : undefined;
    },

    /** Evaluates a reply (same transaction, after it was stored for the first time). */
    async settle(tx: Tx, reply: ReverseReply, now: number): Promise<ReverseOutcome> {
      try {
        await guesses.take(tx, reply.from, now);
      } catch (err) {
        // Refused before anything was counted: the SMS is kept, not evaluated.
        if (err instanceof ApiError && err.status === 429) return count('cooling_off');
        throw err;
      }
      // Every candidate's code is compared, so the work does not depend on which one matches.
      const right = reply.candidates.filter((v) => keyring.verifyMac(v.id, reply.code, v.code_hash));
      if (right.length > 0) {
        for (const v of right) await endVerification(tx, outbox, v, 'approved', now);
        await guesses.succeeded(tx, reply.from);
        return count('approved');
      }
      let outcome: ReverseOutcome = 'wrong_code';
      for (const v of reply.candidates) {
        const left = v.attempts_left - 1;
        // A concurrent check that changed the count first has counted its own guess; this one then changes nothing more.
        if (left > 0) await tx.updatePendingVerification(v.id, { attempts_left: left }, { attemptsLeft: v.attempts_left });
        else if (await endVerification(tx, outbox, v, 'max_attempts_reached', now, { attempts_left: 0 }, { attemptsLeft: v.attempts_left })) outcome = 'max_attempts_reached';
      }
      return count(outcome);
    },
  };

  function count(outcome: ReverseOutcome): ReverseOutcome {
    ctx.metrics.verificationChecks.inc({ outcome: `reverse_${outcome}` });
    return outcome;
  }
}
