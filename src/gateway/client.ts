/**
 * HTTP client for the gateway protocol (src/protocol/gateway.ts). The agent
 * always connects out; every answer is validated with the shared schemas
 * before the agent acts on it.
 */
import type { z } from 'zod';
import {
  GATEWAY_PREFIX,
  LeaseResponse,
  ReportsResponse,
  InboundResponse,
  HeartbeatResponse,
  type LeaseRequest,
  type Report,
  type InboundSms,
  type HeartbeatRequest,
} from '../protocol/gateway.js';

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

  constructor({ server, token, version = '0.1.0', timeoutMs = 15_000 }: GatewayClientOptions) {
    this.base = server.replace(/\/+$/, '') + GATEWAY_PREFIX;
    this.token = token;
    this.version = version;
    this.timeoutMs = timeoutMs;
  }

  private async post<S extends z.ZodType>(path: string, body: unknown, schema: S, timeoutMs: number, signal?: AbortSignal): Promise<z.infer<S>> {
    // One controller per request, released when the request ends, so the
    // agent's long-lived stop signal does not collect a listener per request.
    const ctl = new AbortController();
    const onStop = () => ctl.abort(signal?.reason);
    if (signal?.aborted) ctl.abort(signal.reason);
    signal?.addEventListener('abort', onStop, { once: true });
    const timer = setTimeout(() => ctl.abort(new Error(`no answer to ${path} within ${timeoutMs} ms`)), timeoutMs);
    try {
      const res = await fetch(this.base + path, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.token}`,
          'content-type': 'application/json',
          'user-agent': `kirim-gateway/${this.version}`,
        },
        body: JSON.stringify(body),
        signal: ctl.signal,
      });
      const text = await res.text();
      if (!res.ok) throw new HttpError(res.status, text);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new Error(`server answered ${path} with invalid JSON`);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new Error(`server answered ${path} with an unexpected shape: ${parsed.error.message.slice(0, 300)}`);
      return parsed.data;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onStop);
    }
  }

  /** Long-polls for messages; `signal` aborts it on shutdown. */
  lease(req: LeaseRequest, signal?: AbortSignal): Promise<LeaseResponse> {
    return this.post('/lease', req, LeaseResponse, req.wait_ms + this.timeoutMs, signal);
  }

  /** Sends reports; every result, whatever its outcome, acknowledges its report. */
  reports(reports: Report[], signal?: AbortSignal): Promise<ReportsResponse> {
    return this.post('/reports', { reports }, ReportsResponse, this.timeoutMs, signal);
  }

  /** Forwards received SMS. */
  inbound(messages: InboundSms[], signal?: AbortSignal): Promise<InboundResponse> {
    return this.post('/inbound', { messages }, InboundResponse, this.timeoutMs, signal);
  }

  /** Sends a heartbeat; the answer says how often to send the next. */
  heartbeat(req: HeartbeatRequest, signal?: AbortSignal): Promise<HeartbeatResponse> {
    return this.post('/heartbeat', req, HeartbeatResponse, this.timeoutMs, signal);
  }
}
