/**
 * `Idempotency-Key` on creating POSTs.
 *
 * Promises kept here:
 * - exactly one request per (API key, Idempotency-Key) does the work, across
 *   processes and servers sharing a database: the key is claimed in the
 *   store in the same transaction as the work, before it. A twin arriving
 *   while the first is in flight waits on the claim (PostgreSQL's unique
 *   index, SQLite's single writer), then replays the first one's answer;
 * - a retry with the same key and body gets the first answer again
 *   (`Idempotent-Replayed: true`) and creates nothing; the same key with
 *   another body is refused (422);
 * - only successful answers are kept: a request that fails (e.g. 429) rolls
 *   its claim back with its work, and may be retried;
 * - no secret is kept in a replay record: a route whose answer holds one
 *   (a webhook's signing secret) stores it redacted and rebuilds the answer
 *   from where the secret is kept encrypted;
 * - keys live 24 hours (a sweeper removes older ones);
 * - a replay is not counted again: `reserve` (a route's budgets) runs only
 *   when the work is about to be done, and is released when it fails or a
 *   twin's answer is replayed instead.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import { isUniqueViolation, type Repo, type Store } from './store/index.js';

export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

export interface IdempotentWork<T> {
  /** Does the work inside `repo`'s transaction (the claim's). */
  create(repo: Repo): Promise<{ status: number; body: T }>;
  /** What of the answer may be stored for replays (default: all of it). */
  redact?(body: T): unknown;
  /** Rebuilds the answer from a stored, redacted one. */
  restore?(stored: unknown): Promise<T>;
  /** Counts the work in its budgets before it is done (may throw 429); released when it is not done after all. */
  reserve?(): Promise<{ release(): Promise<void> }>;
  /** The key, when the caller names it elsewhere than the `Idempotency-Key` header (e.g. a signed webhook's id). */
  key?: string;
  /**
   * What stands for the body in the fingerprint (default: the body). A
   * body carrying a short code is fingerprinted by an HMAC under the
   * server secret, so the stored SHA-256 cannot be searched for the code.
   */
  fingerprintBody?: unknown;
}

/** Runs `fn` under `work.reserve`, releasing the reservation when `fn` throws. */
async function reserved<R>(work: IdempotentWork<unknown>, fn: () => Promise<R>, keep: (r: R) => boolean = () => true): Promise<R> {
  const ticket = work.reserve ? await work.reserve() : undefined;
  let r: R;
  try {
    r = await fn();
  } catch (err) {
    await ticket?.release().catch(() => {});
    throw err;
  }
  if (!keep(r)) await ticket?.release().catch(() => {});
  return r;
}

/** Runs `work.create` at most once per (API key, Idempotency-Key) and replays its answer. */
export async function idempotent<T>(
  { store, now }: { store: Store; now: () => number },
  apiKeyId: string,
  req: FastifyRequest,
  reply: FastifyReply,
  work: IdempotentWork<T>,
): Promise<T> {
  const raw = work.key ?? req.headers['idempotency-key'];
  if (raw === undefined) {
    const r = await reserved(work as IdempotentWork<unknown>, () => work.create(store));
    reply.code(r.status);
    return r.body;
  }
  const key = Array.isArray(raw) ? raw[0]! : raw;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1-255 visible ASCII characters');
  const fingerprint = createHash('sha256').update(`${req.method} ${req.routeOptions.url}\n${JSON.stringify((work.fingerprintBody !== undefined ? work.fingerprintBody : req.body) ?? null)}\n${JSON.stringify(req.params ?? null)}`).digest('hex');

  /** The stored answer, or undefined when there is none (or only an expired one). */
  const replay = async (): Promise<{ value: T } | undefined> => {
    const prev = await store.getIdempotency(apiKeyId, key);
    if (!prev || prev.created_at < now() - IDEMPOTENCY_TTL_MS) return undefined;
    if (prev.fingerprint !== fingerprint) {
      throw new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request');
    }
    const stored = JSON.parse(prev.body) as unknown;
    const value = work.restore ? await work.restore(stored) : (stored as T);
    reply.code(prev.status_code).header('idempotent-replayed', 'true');
    return { value };
  };

  const before = await replay();
  if (before) return before.value;
  // An expired record of this key that the sweeper has not removed yet would block the claim.
  await store.deleteExpiredIdempotency(apiKeyId, key, now() - IDEMPOTENCY_TTL_MS);

  try {
    const r = await reserved(work as IdempotentWork<unknown>, () =>
      store.transaction(async (tx) => {
        await tx.insertIdempotency({ api_key_id: apiKeyId, key, fingerprint, status_code: 0, body: '', created_at: now() });
        const result = await work.create(tx);
        const kept = work.redact ? work.redact(result.body) : result.body;
        await tx.completeIdempotency(apiKeyId, key, { status_code: result.status, body: JSON.stringify(kept) });
        return result;
      }),
    );
    reply.code(r.status);
    return r.body;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // A twin claimed the key first and has committed: answer as it did.
    const after = await replay();
    if (after) return after.value;
    throw new ApiError(409, 'idempotency_conflict', 'a request with this Idempotency-Key is still in progress; retry shortly', { headers: { 'retry-after': '1' } });
  }
}
