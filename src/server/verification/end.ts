/**
 * How a verification leaves `pending`, wherever that happens (a check, a
 * cancel, expiry, or its last message failing): its code's ciphertext is
 * erased in the same statement, and the end is announced through the
 * outbox in the same transaction.
 */
import type { VerificationStatus } from '../../protocol/api.js';
import type { Outbox } from '../outbox.js';
import type { MessageRow, Tx, VerificationRow } from '../store/index.js';
import { hasHopLeft } from './fallback.js';

/** Message states in which a message may still carry the code to the user. */
const STILL_GOING = new Set(['queued', 'dispatched', 'spooled', 'sent', 'delivered']);

/** Ends a pending verification; false when it was no longer pending (or `expect` did not match). */
export async function endVerification(
  tx: Tx,
  outbox: Outbox,
  v: VerificationRow,
  status: Exclude<VerificationStatus, 'pending'>,
  now: number,
  set: Partial<Pick<VerificationRow, 'attempts_left'>> = {},
  expect: { attemptsLeft?: number } = {},
): Promise<VerificationRow | undefined> {
  const change = { ...set, status, code_enc: null, ended_at: now };
  if (!(await tx.updatePendingVerification(v.id, change, expect))) return undefined;
  const ended = { ...v, ...change };
  await outbox.verificationEnded(tx, ended);
  return ended;
}

/**
 * Keeps a verification in step with its messages: when the last message
 * that could carry the code failed or expired, the verification did too.
 * Runs inside the transaction that moved the message.
 */
export async function syncWithMessage(tx: Tx, outbox: Outbox, m: MessageRow, now: number): Promise<void> {
  if (!m.verification_id || (m.status !== 'failed' && m.status !== 'expired')) return;
  const v = await tx.getVerification(m.verification_id);
  if (!v || v.status !== 'pending') return;
  // A failed channel with a fallback left: the fallback loop moves the code on (fallback.ts).
  if (m.status === 'failed' && hasHopLeft(v)) return;
  const all = await tx.messagesOfVerification(v.id);
  if (all.some((x) => STILL_GOING.has(x.status))) return;
  await endVerification(tx, outbox, v, m.status === 'expired' ? 'expired' : 'failed', now);
}
