/**
 * Fallback: a verification's code moves on to the next channel of its
 * `fallback` list (an SMS provider, the modems, an email address) when the
 * channel it is on fails, or has not sent it within the plan's time (no
 * healthy gateway, a provider that does not answer, a modem that is stuck).
 * docs/fallback.md.
 *
 * Promises kept here:
 * - the person never holds two different valid codes: every channel
 *   carries the verification's one code (its ciphertext; the messages store
 *   it masked), and a message superseded before it left is canceled in the
 *   same transaction that queues the next one, so a gateway's later report
 *   on it is refused and the agent withdraws its file while gammu has not
 *   taken it (docs/gateway-protocol.md, "Claims");
 * - one hop at a time across every server instance: the move is a
 *   compare-and-set on the verification's `hop`;
 * - a verification whose channel failed with a hop left stays pending
 *   (end.ts `syncWithMessage` leaves it to this loop), and one with no hop
 *   left ends `failed` as before;
 * - every hop is in the messages' histories: the superseded message's
 *   `canceled` event and the next message's first event say where the code
 *   went and why.
 */
import type { FallbackHop } from '../../protocol/api.js';
import type { ServerContext } from '../context.js';
import type { MessageService, NewMessage } from '../messages/service.js';
import type { MessageRow, VerificationRow } from '../store/index.js';

/** What a verification stores in `fallback`. */
export interface FallbackPlan {
  hops: FallbackHop[];
  /** How long a channel may take to send the code before the next one gets it. */
  afterMs: number;
}

export function parsePlan(json: string | null): FallbackPlan | undefined {
  if (json === null) return undefined;
  try {
    const v = JSON.parse(json) as Partial<FallbackPlan>;
    return Array.isArray(v.hops) && typeof v.afterMs === 'number' ? { hops: v.hops, afterMs: v.afterMs } : undefined;
  } catch {
    return undefined;
  }
}

/** True when `v` has a channel left to fall back to. */
export function hasHopLeft(v: Pick<VerificationRow, 'fallback' | 'hop'>): boolean {
  const plan = parsePlan(v.fallback);
  return plan !== undefined && v.hop < plan.hops.length;
}

/** The channel the code is on at `hop` (0: the verification's own SMS). */
export function hopAt(v: Pick<VerificationRow, 'fallback' | 'to'>, hop: number): FallbackHop {
  if (hop === 0) return { channel: 'sms', via: 'modem' };
  return parsePlan(v.fallback)!.hops[hop - 1]!;
}

export const hopLabel = (h: FallbackHop) => (h.channel === 'email' ? `email to ${h.to}` : h.via === 'modem' ? 'SMS through the modems' : `SMS through ${h.via}`);

const LEFT = new Set(['sent', 'delivered']);
const UNSENT = new Set(['queued', 'dispatched', 'spooled']);

/** Why the code should move on from `current`, or undefined while it should not. */
export function whyMoveOn(current: MessageRow | undefined, v: VerificationRow, plan: FallbackPlan, now: number): string | undefined {
  if (!current || LEFT.has(current.status) || current.status === 'canceled') return undefined;
  const label = hopLabel(hopAt(v, v.hop));
  if (current.status === 'failed') return `${label} failed`;
  if (UNSENT.has(current.status) && now - (v.hop_since ?? v.created_at) >= plan.afterMs) return `${label} did not send it within ${Math.round(plan.afterMs / 1000)} s`;
  return undefined;
}

export type Fallback = ReturnType<typeof createFallback>;

/**
 * `message(v, hop)`: the OTP message for the channel `hop` (built by the
 * verification service, which knows the texts).
 */
export function createFallback(ctx: ServerContext, messages: MessageService, message: (v: VerificationRow, hop: FallbackHop) => Promise<NewMessage>) {
  const { store } = ctx;
  return {
    /** Moves every due code on by one channel; returns how many moved. */
    async runOnce(): Promise<number> {
      let moved = 0;
      for (const v of await store.listFallbackPending(200)) {
        const now = ctx.now();
        const plan = parsePlan(v.fallback);
        if (!plan || v.hop >= plan.hops.length || v.expires_at <= now) continue;
        const current = (await store.messagesOfVerification(v.id)).at(-1);
        const why = whyMoveOn(current, v, plan, now);
        if (!why) continue;
        const next = plan.hops[v.hop]!;
        // Built before the transaction: it reads the key's settings (SQLite has one connection).
        const m = await message({ ...v, hop: v.hop + 1, hop_since: now }, next);
        const done = await store.transaction(async (tx) => {
          if (!(await tx.updatePendingVerification(v.id, { hop: v.hop + 1, hop_since: now }, { hop: v.hop }))) return false;
          if (current && UNSENT.has(current.status)) {
            await messages.transition({ id: current.id, from: ['queued', 'dispatched', 'spooled'], to: 'canceled', at: now, detail: `superseded: ${why}; the same code goes by ${hopLabel(next)}` }, tx);
          }
          await messages.insert({ ...m, detail: `fallback ${v.hop + 1} of ${plan.hops.length} (${hopLabel(next)}): ${why}` }, tx, now);
          return true;
        });
        if (done) {
          moved++;
          ctx.log.info({ verification_id: v.id, hop: v.hop + 1, channel: next.channel, reason: why }, `verification ${v.id}: code falls back to ${hopLabel(next)}`);
        }
      }
      return moved;
    },
  };
}
