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
    const timeout = AbortSignal.timeout(timeoutMs);
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.token}`,
        'content-type': 'application/json',
        'user-agent': `kirim-gateway/${this.version}`,
      },
      body: JSON.stringify(body),
      signal: signal ? anySignal(signal, timeout) : timeout,
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

/** AbortSignal.any for Node 18.0–18.16, which lack it. */
function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  const ctl = new AbortController();
  const abort = (s: AbortSignal) => () => ctl.abort(s.reason);
  if (a.aborted) ctl.abort(a.reason);
  else if (b.aborted) ctl.abort(b.reason);
  else {
    a.addEventListener('abort', abort(a), { once: true });
    b.addEventListener('abort', abort(b), { once: true });
  }
  return ctl.signal;
}
