/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/, spec 1.0.0,
 * symmetric scheme): the signed content is `<webhook-id>.<webhook-timestamp>.<body>`,
 * the key is the base64-decoded part of a `whsec_...` secret, the signature
 * is `v1,<base64 HMAC-SHA256>`, and `webhook-signature` may carry several
 * space-separated signatures (secret rotation).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/**
 * The three headers every delivery carries. A type alias, not an interface,
 * so it can be passed wherever a plain header record is expected.
 */
export type WebhookHeaders = {
  'webhook-id': string;
  /** Unix seconds, as a decimal string. */
  'webhook-timestamp': string;
  /** `v1,<base64 signature>` */
  'webhook-signature': string;
};

/**
 * A new endpoint secret: `whsec_` + base64 of `bytes` random bytes. The spec
 * asks for at least 24 bytes; the default 32 (256 bits) matches HMAC-SHA256.
 */
export function generateWebhookSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 24 || bytes > 64) throw new RangeError('webhook secrets have 24 to 64 random bytes');
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/**
 * The HMAC key inside a secret. Accepts the secret with or without the
 * `whsec_` prefix (as the reference libraries do). Throws on an empty or
 * non-base64 secret, so a misconfigured endpoint fails loudly, not silently.
 */
export function decodeWebhookSecret(secret: string): Buffer {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error('webhook secret is not whsec_<base64>');
  const key = Buffer.from(b64, 'base64');
  if (key.length === 0) throw new Error('webhook secret is empty');
  return key;
}

/** Inputs for {@link signWebhook}. */
export interface SignWebhookInput {
  /** `whsec_...` secret of the endpoint. */
  secret: string;
  /** Delivery id; stays the same across retries so receivers can deduplicate. */
  id: string;
  /** Attempt time in unix seconds (a Date is accepted and truncated to seconds). */
  timestamp: number | Date;
  /** The exact body bytes that will be sent. */
  body: string | Buffer;
}

function signature(key: Buffer, id: string, timestamp: number, body: string | Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

function toUnixSeconds(t: number | Date): number {
  const s = t instanceof Date ? Math.floor(t.getTime() / 1000) : t;
  if (!Number.isSafeInteger(s) || s < 0) throw new RangeError('webhook timestamp must be whole unix seconds');
  return s;
}

/**
 * Signs one delivery attempt and returns the headers to send with it.
 * The id must not contain `.` or whitespace: the spec forbids dots because
 * the signed content is dot-delimited, and whitespace cannot go in a header.
 */
export function signWebhook(input: SignWebhookInput): WebhookHeaders {
  if (!input.id || /[.\s]/.test(input.id)) throw new Error('webhook id must be non-empty without dots or whitespace');
  const ts = toUnixSeconds(input.timestamp);
  const sig = signature(decodeWebhookSecret(input.secret), input.id, ts, input.body);
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(ts),
    'webhook-signature': `v1,${sig.toString('base64')}`,
  };
}

/** Request headers as node:http (`IncomingHttpHeaders`), fetch (`Headers`) or a plain object give them. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

/** Inputs for {@link verifyWebhook}. */
export interface VerifyWebhookInput {
  secret: string;
  headers: HeaderSource;
  /** The raw body exactly as received; re-serialized JSON will not verify. */
  body: string | Buffer;
  /** Largest accepted distance between the timestamp and now, both ways (replay protection). */
  toleranceSeconds?: number;
  /** Current time in ms (tests). */
  now?: number;
}

/** What {@link verifyWebhook} concluded. */
export type VerifyWebhookResult = { ok: true; id: string; timestamp: number } | { ok: false; reason: string };

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const rec = headers as Record<string, string | string[] | undefined>;
  const v = rec[name] ?? Object.entries(rec).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(v) ? v.join(' ') : v;
}

/**
 * Checks a received delivery: all three headers present, timestamp within
 * `toleranceSeconds` (default 300) of now, and at least one `v1` signature
 * equal to the expected one, compared in constant time.
 */
export function verifyWebhook(input: VerifyWebhookInput): VerifyWebhookResult {
  const id = header(input.headers, 'webhook-id');
  const ts = header(input.headers, 'webhook-timestamp');
  const sigs = header(input.headers, 'webhook-signature');
  if (!id || !ts || !sigs) return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature header' };
  if (!/^\d{1,15}$/.test(ts)) return { ok: false, reason: 'webhook-timestamp is not unix seconds' };
  const timestamp = Number(ts);
  const nowSeconds = Math.floor((input.now ?? Date.now()) / 1000);
  const tolerance = input.toleranceSeconds ?? 300;
  if (Math.abs(nowSeconds - timestamp) > tolerance) return { ok: false, reason: 'webhook-timestamp outside the tolerance' };
  let key: Buffer;
  try {
    key = decodeWebhookSecret(input.secret);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  const expected = signature(key, id, timestamp, input.body);
  for (const entry of sigs.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(entry.slice(comma + 1), 'base64');
    // Lengths are public (always 32 for a real signature); only the content
    // comparison must not leak how many bytes matched.
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true, id, timestamp };
  }
  return { ok: false, reason: 'no matching v1 signature' };
}
