/**
 * One webhook delivery attempt over HTTP: POST the event as JSON, signed as
 * Standard Webhooks, and classify the answer so the queue knows whether to
 * retry, give up, or disable the endpoint. Never throws.
 *
 * The request goes through node:http(s) with the socket's own DNS lookup
 * replaced by one that checks every address against the egress policy
 * (egress.ts) before handing it to connect: the address checked is the
 * address connected to, so a name that resolves (or re-resolves) to
 * 127.0.0.1 is refused. IP-literal hosts skip DNS and are checked before the
 * request. Each attempt opens its own connection (no pooled socket from an
 * earlier check is reused).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { checkAddress, EgressRefused, urlHost, type EgressPolicy, type Refusal } from './egress.js';
import { signWebhook } from './sign.js';

/** Inputs for {@link deliverWebhook}. */
export interface DeliverWebhookInput {
  /** Endpoint URL (validated when the subscription was created). */
  url: string;
  /** The endpoint's `whsec_...` secret. */
  secret: string;
  /** Delivery id, the same on every retry (`webhook-id`; receivers deduplicate on it). */
  id: string;
  /** Event type, e.g. `message.delivered`. */
  type: string;
  /** Event data, sent as `data`. */
  payload: unknown;
  /** Whole-attempt limit, connection to last byte of the answer's head. Default 10 s. */
  timeoutMs?: number;
  /** When the event happened (body `timestamp`); default: now. */
  occurredAt?: Date | number;
  /** Clock in epoch ms (tests). */
  now?: () => number;
  /** Aborts the attempt (the server is stopping); the result is then a retryable failure. */
  signal?: AbortSignal;
  /** Private destinations allowed (KIRIM_WEBHOOK_ALLOW_PRIVATE); default: none. */
  egress?: EgressPolicy;
}

/** The outcome of one attempt. */
export type DeliverWebhookResult =
  | { ok: true; status: number }
  | {
      ok: false;
      /** False: retrying the same delivery will not help (4xx, 3xx, 410 Gone). */
      retryable: boolean;
      status?: number;
      /** One line, for the delivery log. */
      detail: string;
      /** What a `Retry-After` header asked for, in ms, when it was given. */
      retryAfterMs?: number;
    };

/** Answers that ask to try again later even though they are 4xx. */
const RETRYABLE_4XX = new Set([408, 429]);
/** How much of an error answer's body goes into `detail`. */
const DETAIL_BODY_CHARS = 200;

/**
 * POSTs `{ type, timestamp, data }` to `url` with `webhook-id`,
 * `webhook-timestamp` and `webhook-signature`. 2xx is success; 3xx is a
 * non-retryable failure (redirects are not followed: the owner should update
 * the URL); 410 means the receiver wants no more deliveries (disable the
 * endpoint); 408, 429, 5xx, timeouts and network errors are retryable; any
 * other 4xx is not.
 */
export async function deliverWebhook(input: DeliverWebhookInput): Promise<DeliverWebhookResult> {
  const timeoutMs = input.timeoutMs ?? 10_000;
  const nowMs = (input.now ?? Date.now)();
  const occurred = input.occurredAt === undefined ? new Date(nowMs) : new Date(input.occurredAt);
  const body = JSON.stringify({ type: input.type, timestamp: occurred.toISOString(), data: input.payload });

  let headers;
  try {
    headers = signWebhook({ secret: input.secret, id: input.id, timestamp: Math.floor(nowMs / 1000), body });
  } catch (err) {
    return { ok: false, retryable: false, detail: `cannot sign delivery: ${(err as Error).message}` };
  }

  // A URL that cannot be called will not become callable by waiting.
  let target: URL;
  try {
    target = new URL(input.url);
  } catch {
    return { ok: false, retryable: false, detail: 'invalid webhook URL' };
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return { ok: false, retryable: false, detail: `unsupported URL scheme ${target.protocol}` };
  }

  const policy = input.egress ?? { allow: [] };
  const host = urlHost(target);
  if (isIP(host)) {
    const refused = checkAddress(host, policy);
    if (refused) return refusedResult(refused);
  }

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const stop = () => controller.abort();
  input.signal?.addEventListener('abort', stop, { once: true });
  const aborted = () => (input.signal?.aborted ? 'aborted: the server is stopping' : `timed out after ${timeoutMs} ms`);
  try {
    let res: IncomingMessage;
    try {
      res = await post(target, { 'content-type': 'application/json', 'user-agent': 'Kirim-Webhooks/1', ...headers }, body, policy, controller.signal);
    } catch (err) {
      if (err instanceof EgressRefused) return refusedResult(err.refusal);
      if (controller.signal.aborted) return { ok: false, retryable: true, detail: aborted() };
      return { ok: false, retryable: true, detail: oneLine(`request failed: ${describeError(err)}`) };
    }
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) {
      // Nobody reads the answer; dropping it frees the connection at once.
      res.destroy();
      return { ok: true, status };
    }
    const snippet = await readSnippet(res);
    const retryAfterMs = parseRetryAfter(header(res, 'retry-after'), nowMs);
    const base = { ok: false as const, status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    if (status >= 300 && status < 400) {
      const location = header(res, 'location');
      return { ...base, retryable: false, detail: oneLine(`HTTP ${status} redirect${location ? ` to ${location}` : ''} not followed; update the webhook URL`) };
    }
    if (status === 410) return { ...base, retryable: false, detail: oneLine(`HTTP 410 Gone: the endpoint asked for no more deliveries${snippet}`) };
    const retryable = status >= 500 || RETRYABLE_4XX.has(status) || status < 200;
    return { ...base, retryable, detail: oneLine(`HTTP ${status}${snippet}`) };
  } catch (err) {
    // The body read can fail or time out after the head arrived.
    if (controller.signal.aborted) return { ok: false, retryable: true, detail: aborted() };
    return { ok: false, retryable: true, detail: oneLine(`request failed: ${describeError(err)}`) };
  } finally {
    clearTimeout(timer);
    input.signal?.removeEventListener('abort', stop);
  }
}

/** A destination the policy refuses will not become allowed by waiting: final. */
function refusedResult(refusal: Refusal): DeliverWebhookResult {
  return { ok: false, retryable: false, detail: refusal.reason };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The socket's DNS lookup, filtered: only addresses the policy allows are
 * handed to connect; when none is left, the first refusal is the error.
 */
export function guardedLookup(policy: EgressPolicy, resolve: typeof dnsLookup = dnsLookup) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      let refusal: Refusal | null = null;
      const ok = addresses.filter((a) => {
        const r = checkAddress(a.address, policy);
        refusal ??= r;
        return r === null;
      });
      if (ok.length === 0) return callback(refusal ? new EgressRefused(refusal) : Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
      if (options.all) return callback(null, ok);
      return callback(null, ok[0]!.address, ok[0]!.family);
    });
  };
}

/** One POST with a fresh connection whose lookup is {@link guardedLookup}; resolves with the answer's head. */
function post(target: URL, headers: Record<string, string>, body: string, policy: EgressPolicy, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      agent: false,
      lookup: guardedLookup(policy) as never,
      signal,
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end(body);
  });
}

function header(res: IncomingMessage, name: string): string | null {
  const v = res.headers[name];
  return v === undefined ? null : Array.isArray(v) ? (v[0] ?? null) : v;
}

/** The useful part of a socket error: its code (ECONNREFUSED, ENOTFOUND, ...) and message. */
function describeError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const inner = e?.cause ?? e;
  if (inner?.code) return `${inner.code}${inner.message ? ` (${inner.message})` : ''}`;
  return oneLine(inner?.message ?? String(err));
}

/** The start of an error answer, as `: <text>`, read without buffering a large body. */
async function readSnippet(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= DETAIL_BODY_CHARS * 4) break;
    }
  } finally {
    res.destroy();
  }
  const text = oneLine(Buffer.concat(chunks).toString('utf8'), DETAIL_BODY_CHARS);
  return text ? `: ${text}` : '';
}

/** `Retry-After` is either delay seconds or an HTTP date. */
function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function oneLine(text: string, max = 500): string {
  const flat = text.replace(/[\s\0]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
