/**
 * `Idempotency-Key` on creating POSTs: a retry with the same key and body
 * gets the first answer again and creates nothing; the same key with another
 * body is refused. Only successful answers are kept (a 429 may be retried).
 * Keys live 24 hours.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import { isUniqueViolation, type Store } from './store/index.js';

export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
const inFlight = new Map<string, Promise<unknown>>();

/** Runs `create` at most once per (API key, Idempotency-Key) and replays its answer. */
export async function idempotent<T>(
  store: Store,
  apiKeyId: string,
  req: FastifyRequest,
  reply: FastifyReply,
  create: () => Promise<{ status: number; body: T }>,
): Promise<T> {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) {
    const r = await create();
    reply.code(r.status);
    return r.body;
  }
  const key = Array.isArray(raw) ? raw[0]! : raw;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1-255 visible ASCII characters');
  const fingerprint = createHash('sha256').update(`${req.method} ${req.routeOptions.url}\n${JSON.stringify(req.body ?? null)}\n${JSON.stringify(req.params ?? null)}`).digest('hex');
  const slot = `${apiKeyId}\0${key}`;
  // Concurrent twins in this process wait for the first one.
  while (inFlight.has(slot)) await inFlight.get(slot)!.catch(() => {});

  const replay = async () => {
    const prev = await store.getIdempotency(apiKeyId, key);
    if (!prev || prev.created_at < Date.now() - IDEMPOTENCY_TTL_MS) return undefined;
    if (prev.fingerprint !== fingerprint) {
      throw new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request');
    }
    reply.code(prev.status_code).header('idempotent-replayed', 'true');
    return JSON.parse(prev.body) as T;
  };
  const before = await replay();
  if (before !== undefined) return before;

  const work = (async () => {
    const r = await create();
    try {
      await store.insertIdempotency({ api_key_id: apiKeyId, key, fingerprint, status_code: r.status, body: JSON.stringify(r.body), created_at: Date.now() });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // An expired record with this key (the sweeper had not removed it yet): replace it.
      await store.deleteIdempotencyBefore(Date.now() - IDEMPOTENCY_TTL_MS);
      await store.insertIdempotency({ api_key_id: apiKeyId, key, fingerprint, status_code: r.status, body: JSON.stringify(r.body), created_at: Date.now() }).catch(() => {});
    }
    reply.code(r.status);
    return r.body;
  })();
  inFlight.set(slot, work);
  try {
    return await work;
  } finally {
    inFlight.delete(slot);
  }
}
