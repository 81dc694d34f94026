/**
 * The Kirim client for applications: `import { Kirim } from 'kirim/client'`.
 *
 * Promises:
 * - every method is typed from the server's own OpenAPI document
 *   (schema.ts, generated; a test fails when it drifts from /openapi.json);
 * - every failure is a KirimError (problem+json `code`, `status`, `detail`,
 *   `retryAfter`), including "no answer" (`network_error`);
 * - creating POSTs (start a verification, send a message, create a webhook)
 *   carry an Idempotency-Key — the caller's, or one made per call — and every
 *   retry of that call sends the SAME key, so a retry never creates twice;
 *   nothing else is retried (a check spends an attempt, so it is sent once);
 * - runs wherever fetch, URL and crypto.randomUUID exist (Node 18+,
 *   browsers): no Node built-in is imported here.
 */
import createClient, { type Client } from 'openapi-fetch';
import { errorFromResponse, KirimError, networkError } from './errors.js';
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from './retry.js';
import type { components, paths } from './schema.js';

export { KirimError } from './errors.js';
export type { components, paths } from './schema.js';

type Schemas = components['schemas'];
export type Verification = Schemas['Verification'];
export type StartVerification = Schemas['StartVerification'];
/** The start's answer: the verification, and for `method: "reverse"` what to show (`reverse`). */
export type VerificationStart = Schemas['VerificationStart'];
export type ReverseInstructions = Schemas['ReverseInstructions'];
export type CheckVerification = Schemas['CheckVerification'];
export type Message = Schemas['Message'];
export type MessageList = Schemas['MessageList'];
export type SendMessage = Schemas['SendMessage'];
export type Inbound = Schemas['Inbound'];
export type InboundList = Schemas['InboundList'];
export type Webhook = Schemas['Webhook'];
export type WebhookList = Schemas['WebhookList'];
export type CreateWebhook = Schemas['CreateWebhook'];
export type AppSettings = Schemas['AppSettings'];
export type PutAppSettings = Schemas['PutAppSettings'];
export type ListMessagesQuery = NonNullable<paths['/v1/messages']['get']['parameters']['query']>;
export type ListInboundQuery = NonNullable<paths['/v1/inbound']['get']['parameters']['query']>;

export interface KirimOptions {
  /** The server's address, e.g. `https://kirim.example.com`. */
  baseUrl: string;
  /** An API key (`kirim keys create`). */
  apiKey: string;
  /** A fetch to use instead of the global one. */
  fetch?: (request: Request) => Promise<Response>;
  /** Extra attempts for a creating POST that got no answer, 503, or 429/409 with Retry-After (default 2; 0 turns retries off). */
  retries?: number;
  /** Total waiting between those attempts, at most, in milliseconds (default 10 000). */
  maxRetryWaitMs?: number;
}

export interface CreateOptions {
  /** Your own key for this operation (e.g. derived from your order id); default: a fresh UUID per call. */
  idempotencyKey?: string;
}

/** What openapi-fetch answers, reduced to what we read. */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

export class Kirim {
  readonly #api: Client<paths>;
  readonly #policy: RetryPolicy;

  constructor(options: KirimOptions) {
    if (!options?.baseUrl) throw new TypeError('Kirim: baseUrl is required');
    if (!options.apiKey) throw new TypeError('Kirim: apiKey is required');
    // Validates the address now rather than at the first call.
    const baseUrl = new URL(options.baseUrl).toString().replace(/\/+$/, '');
    this.#api = createClient<paths>({
      baseUrl,
      headers: { authorization: `Bearer ${options.apiKey}` },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.#policy = {
      ...DEFAULT_RETRY_POLICY,
      ...(options.retries !== undefined ? { retries: Math.max(0, Math.floor(options.retries)) } : {}),
      ...(options.maxRetryWaitMs !== undefined ? { maxWaitMs: Math.max(0, options.maxRetryWaitMs) } : {}),
    };
  }

  /** Starts a verification (201), or resends the pending one's code (200); 429 `rate_limited` before `next_resend_at`. */
  startVerification(body: StartVerification, options: CreateOptions = {}): Promise<VerificationStart> {
    return this.#create(options, (key) => this.#api.POST('/v1/verifications', { body, params: { header: { 'Idempotency-Key': key } } }));
  }

  /** Checks a code; `status` is `approved` only for the right one. Sent once (each check spends an attempt). */
  checkVerification(body: CheckVerification): Promise<Verification> {
    return this.#once(() => this.#api.POST('/v1/verifications/check', { body }));
  }

  getVerification(id: string): Promise<Verification> {
    return this.#once(() => this.#api.GET('/v1/verifications/{id}', { params: { path: { id } } }));
  }

  cancelVerification(id: string): Promise<Verification> {
    return this.#once(() => this.#api.POST('/v1/verifications/{id}/cancel', { params: { path: { id } } }));
  }

  /** Queues an SMS or an email (202). */
  sendMessage(body: SendMessage, options: CreateOptions = {}): Promise<Message> {
    return this.#create(options, (key) => this.#api.POST('/v1/messages', { body, params: { header: { 'Idempotency-Key': key } } }));
  }

  getMessage(id: string): Promise<Message> {
    return this.#once(() => this.#api.GET('/v1/messages/{id}', { params: { path: { id } } }));
  }

  /** Messages, newest first; pass `next_cursor` back as `cursor` for the next page. */
  listMessages(query: ListMessagesQuery = {}): Promise<MessageList> {
    return this.#once(() => this.#api.GET('/v1/messages', { params: { query } }));
  }

  /** Received SMS, newest first. */
  listInbound(query: ListInboundQuery = {}): Promise<InboundList> {
    return this.#once(() => this.#api.GET('/v1/inbound', { params: { query } }));
  }

  readonly webhooks = {
    /** Registers a URL for events; the answer's `secret` (shown only now) verifies the signatures. */
    create: (body: CreateWebhook, options: CreateOptions = {}): Promise<Webhook> =>
      this.#create(options, (key) => this.#api.POST('/v1/webhooks', { body, params: { header: { 'Idempotency-Key': key } } })),
    list: (): Promise<WebhookList> => this.#once(() => this.#api.GET('/v1/webhooks')),
    delete: async (id: string): Promise<void> => {
      await this.#once(() => this.#api.DELETE('/v1/webhooks/{id}', { params: { path: { id } } }), { empty: true });
    },
  };

  /** This key's OTP settings (web origin, Android app hash, default locale, templates; docs/otp-texts.md). */
  readonly settings = {
    get: (): Promise<AppSettings> => this.#once(() => this.#api.GET('/v1/settings')),
    /** Replaces them (a field left out is cleared); 422 when an OTP SMS would not fit one GSM-7 SMS. Needs the `settings` scope. */
    put: (body: PutAppSettings): Promise<AppSettings> => this.#once(() => this.#api.PUT('/v1/settings', { body })),
  };

  /** A creating POST: one key for the call, the same on every attempt. */
  #create<T>(options: CreateOptions, send: (key: string) => Promise<Answer<T>>): Promise<T> {
    const key = options.idempotencyKey ?? newIdempotencyKey();
    return withRetries(this.#policy, () => this.#once(() => send(key)));
  }

  /** One request: its data, or a KirimError. */
  async #once<T>(send: () => Promise<Answer<T>>, { empty = false } = {}): Promise<T> {
    let answer: Answer<T>;
    try {
      answer = await send();
    } catch (err) {
      throw networkError(err);
    }
    if (!answer.response.ok) throw errorFromResponse(answer.response, answer.error);
    if (answer.data === undefined && !empty) {
      throw new KirimError({ code: 'unexpected_response', status: answer.response.status, detail: `HTTP ${answer.response.status} without a body` });
    }
    return answer.data as T;
  }
}

/**
 * A fresh Idempotency-Key. crypto.randomUUID exists in browsers and Node 19+;
 * Node 18 has no global `crypto` unless started with
 * --experimental-global-webcrypto, and importing node:crypto would break
 * browsers, so there a key is made from Math.random: it need only be unique
 * per API key within the server's 24-hour window, not secret.
 */
export function newIdempotencyKey(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (ch) => {
    const r = Math.floor(Math.random() * 16);
    return (ch === 'x' ? r : (r & 0x3) | 0x8).toString(16);
  });
}
