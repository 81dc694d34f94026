/**
 * HTTP client for the gateway protocol (src/protocol/gateway.ts). The agent
 * always connects out; every answer is validated with the shared schemas
 * before the agent acts on it.
 */
import http from 'node:http';
import https from 'node:https';
import type { z } from 'zod';
import {
  GATEWAY_PREFIX,
  LeaseResponse,
  ClaimsResponse,
  ReportsResponse,
  InboundResponse,
  HeartbeatResponse,
  type LeaseRequest,
  type Report,
  type InboundSms,
  type HeartbeatRequest,
} from '../protocol/gateway.js';
import type { Logger } from './logger.js';

/** Larger answers are refused: a lease of 100 messages is far smaller. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** The server answered with an HTTP error status. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`server answered ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
  /** 401/403: the token is wrong; retrying will not help until someone fixes it. */
  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/**
 * Logs a failed request of one of the agent's loops: an error when the
 * token is refused (retrying will not help), else quietly at first and as a
 * warning once it keeps failing.
 */
export function logServerError(log: Logger, err: unknown, what: string, delayMs: number, failures: number): void {
  const msg = err instanceof Error ? err.message : String(err);
  const refused = err instanceof HttpError && err.unauthorized;
  const level = refused ? 'error' : failures > 3 ? 'warn' : 'info';
  log[level]({ what, retryInMs: delayMs, failures, error: msg }, refused ? 'server refused the gateway token' : 'server unreachable, retrying');
}

export interface GatewayClientOptions {
  /** Base URL of `kirim server`, e.g. `https://kirim.example.com`. */
  server: string;
  token: string;
  /** Sent as User-Agent. */
  version?: string;
  /** Timeout of every request except the long poll. */
  timeoutMs?: number;
}

/** Talks to `<server>/gateway/v1/*`. */
export class GatewayClient {
  private readonly base: string;
  private readonly token: string;
  private readonly version: string;
  private readonly timeoutMs: number;
  // Keep-alive: the long poll and reports reuse connections instead of a TCP (and TLS) handshake each time.
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 8 });

  constructor({ server, token, version = '0.1.0', timeoutMs = 15_000 }: GatewayClientOptions) {
    this.base = server.replace(/\/+$/, '') + GATEWAY_PREFIX;
    this.token = token;
    this.version = version;
    this.timeoutMs = timeoutMs;
  }

  private async post<S extends z.ZodType>(path: string, body: unknown, schema: S, timeoutMs: number, signal?: AbortSignal): Promise<z.infer<S>> {
    const { status, text } = await this.request(path, JSON.stringify(body), timeoutMs, signal);
    if (status < 200 || status >= 300) throw new HttpError(status, text);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`server answered ${path} with invalid JSON`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new Error(`server answered ${path} with an unexpected shape: ${parsed.error.message.slice(0, 300)}`);
    return parsed.data;
  }

  /**
   * One POST over node:http(s) with a keep-alive agent. Not `fetch`: undici
   * costs the agent tens of MB of resident memory on a Raspberry Pi (see
   * bench/RESULTS.md), and four small JSON requests need none of it.
   */
  private request(path: string, payload: string, timeoutMs: number, signal?: AbortSignal): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
      const url = new URL(this.base + path);
      const lib = url.protocol === 'https:' ? https : http;
      let settled = false;
      const finish = (err: unknown, value?: { status: number; text: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onStop);
        if (err) reject(err);
        else resolve(value!);
      };
      const req = lib.request(
        url,
        {
          method: 'POST',
          agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
          headers: {
            authorization: `Bearer ${this.token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            'user-agent': `kirim-gateway/${this.version}`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_ANSWER_BYTES) {
              abort(new Error(`server answer to ${path} exceeds ${MAX_ANSWER_BYTES} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => finish(null, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', finish);
          // The connection closed before the answer was complete.
          res.on('close', () => finish(new Error(`connection closed before the answer to ${path} was complete`)));
        },
      );
      // Settle here too, not only through 'error': a request whose socket is
      // already gone may emit nothing more when destroyed.
      const abort = (err: Error) => {
        req.destroy(err);
        finish(err);
      };
      const onStop = () => abort(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      const timer = setTimeout(() => abort(new Error(`no answer to ${path} within ${timeoutMs} ms`)), timeoutMs);
      signal?.addEventListener('abort', onStop, { once: true });
      req.on('error', finish);
      req.end(payload);
    });
  }

  /** Long-polls for messages; `signal` aborts it on shutdown. */
  lease(req: LeaseRequest, signal?: AbortSignal): Promise<LeaseResponse> {
    return this.post('/lease', req, LeaseResponse, req.wait_ms + this.timeoutMs, signal);
  }

  /** Claims leased messages before writing them; only `claimed` ones may be written. */
  claims(messageIds: string[], signal?: AbortSignal): Promise<ClaimsResponse> {
    return this.post('/claims', { message_ids: messageIds }, ClaimsResponse, this.timeoutMs, signal);
  }

  /** Sends reports; every result, whatever its outcome, acknowledges its report. */
  reports(reports: Report[], signal?: AbortSignal): Promise<ReportsResponse> {
    return this.post('/reports', { reports }, ReportsResponse, this.timeoutMs, signal);
  }

  /** Forwards received SMS. */
  inbound(messages: InboundSms[], signal?: AbortSignal): Promise<InboundResponse> {
    return this.post('/inbound', { messages }, InboundResponse, this.timeoutMs, signal);
  }

  /** Closes idle keep-alive connections (on stop). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** Sends a heartbeat; the answer says how often to send the next. */
  heartbeat(req: HeartbeatRequest, signal?: AbortSignal): Promise<HeartbeatResponse> {
    return this.post('/heartbeat', req, HeartbeatResponse, this.timeoutMs, signal);
  }
}
