/**
 * A small server that speaks the gateway protocol, for the agent's tests:
 * it validates every request with the shared schemas (a malformed request
 * fails the test through `errors`), leases what the test queues, and
 * records reports, inbound SMS and heartbeats. Loopback only.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GATEWAY_PREFIX,
  LeaseRequest,
  ClaimsRequest,
  ReportsRequest,
  InboundRequest,
  HeartbeatRequest,
  type LeasedMessage,
  type Report,
  type ReportResult,
  type InboundSms,
  type HeartbeatRequest as Heartbeat,
} from '../protocol/gateway.js';

export interface TestGatewayServer {
  url: string;
  token: string;
  /** Messages handed out by the next lease (each is leased once unless re-queued). */
  queue: LeasedMessage[];
  reports: Report[];
  inbound: InboundSms[];
  heartbeats: Heartbeat[];
  /** Lease requests received, numbered from 1 as they arrive. */
  leases: number;
  /** Called as each lease request arrives, with its `max`: a test observes the agent's outbox at that moment. */
  onLease: (max: number) => void;
  /** Message id → the number of the lease request that last handed it out. A later request means the agent handled it. */
  handedOut: Map<string, number>;
  /** Inbound SMS sent again after they were accepted (by key). */
  inboundDuplicates: number;
  /** Requests that failed validation or auth. */
  errors: string[];
  /** When true every request is answered 503 (server "down"). */
  down: boolean;
  /** When true /reports requests are held open and never answered. */
  holdReports: boolean;
  /** Claims requests received (their ids), in order. */
  claims: string[][];
  /** The outcome of a claim (default: `claimed`). */
  claimOutcome: (id: string) => 'claimed' | 'lost';
  /** When true /claims requests are answered 503 (the rest works). */
  claimsDown: boolean;
  /** The outcome of a report (default: `applied`). */
  reportOutcome: (r: Report) => Pick<ReportResult, 'outcome' | 'status'>;
  /** Adds messages and wakes waiting long polls. */
  enqueue(...m: LeasedMessage[]): void;
  /** Resolves when `pred` holds (checked on every request and every 50 ms). */
  waitFor(pred: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 with a random port. */
export async function startTestGatewayServer({ token = 'gw-test-token', heartbeatSeconds = 1 } = {}): Promise<TestGatewayServer> {
  const waiters = new Set<() => void>();
  const held = new Set<ServerResponse>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  let server: Server;
  const state: TestGatewayServer = {
    url: '',
    token,
    queue: [],
    reports: [],
    inbound: [],
    heartbeats: [],
    leases: 0,
    onLease: () => {},
    handedOut: new Map(),
    inboundDuplicates: 0,
    errors: [],
    down: false,
    holdReports: false,
    claims: [],
    claimOutcome: () => 'claimed',
    claimsDown: false,
    reportOutcome: (r) => ({ outcome: 'applied', status: r.status }),
    enqueue(...m) {
      state.queue.push(...m);
      wake();
    },
    waitFor(pred, timeoutMs = 20_000, what = 'condition') {
      return new Promise((resolve, reject) => {
        if (pred()) return resolve();
        const check = () => {
          if (pred()) {
            clearInterval(timer);
            clearTimeout(to);
            resolve();
          }
        };
        const timer = setInterval(check, 50);
        const to = setTimeout(() => {
          clearInterval(timer);
          reject(new Error(`timed out waiting for ${what}`));
        }, timeoutMs);
      });
    },
    close() {
      for (const r of held) r.destroy();
      wake();
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };

  async function body(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  }
  function send(res: ServerResponse, status: number, json: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(json));
  }

  server = createServer(async (req, res) => {
    try {
      if (state.down) return send(res, 503, { title: 'down' });
      if (req.method !== 'POST' || !req.url?.startsWith(GATEWAY_PREFIX)) return send(res, 404, {});
      if (req.headers.authorization !== `Bearer ${token}`) {
        state.errors.push(`bad auth on ${req.url}`);
        return send(res, 401, { code: 'unauthorized' });
      }
      const path = req.url.slice(GATEWAY_PREFIX.length);
      const json = await body(req);
      const check = <T>(schema: { safeParse(x: unknown): { success: true; data: T } | { success: false; error: { message: string } } }) => {
        const r = schema.safeParse(json);
        if (!r.success) {
          state.errors.push(`${path}: ${r.error.message}`);
          send(res, 400, { code: 'validation_failed' });
          return undefined;
        }
        return r.data;
      };
      if (path === '/lease') {
        const q = check(LeaseRequest);
        if (!q) return;
        const n = ++state.leases;
        state.onLease(q.max);
        const deadline = Date.now() + q.wait_ms;
        while (state.queue.length === 0 && Date.now() < deadline && !res.destroyed) {
          await new Promise<void>((resolve) => {
            const done = () => {
              waiters.delete(done);
              clearTimeout(t);
              resolve();
            };
            const t = setTimeout(done, Math.max(0, deadline - Date.now()));
            waiters.add(done);
          });
          if (state.down) return send(res, 503, {});
        }
        // A gateway that hung up (or was killed) mid-poll gets nothing: what it cannot receive stays queued.
        if (res.destroyed || req.socket.destroyed) return;
        const messages = state.queue.splice(0, q.max);
        for (const m of messages) state.handedOut.set(m.id, n);
        return send(res, 200, { messages, server_time: new Date().toISOString() });
      }
      if (path === '/reports') {
        const q = check(ReportsRequest);
        if (!q) return;
        if (state.holdReports) {
          held.add(res);
          return;
        }
        state.reports.push(...q.reports);
        return send(res, 200, { results: q.reports.map((r) => ({ message_id: r.message_id, ...state.reportOutcome(r) })) });
      }
      if (path === '/claims') {
        const q = check(ClaimsRequest);
        if (!q) return;
        state.claims.push(q.message_ids);
        if (state.claimsDown) return send(res, 503, { title: 'down' });
        return send(res, 200, { results: q.message_ids.map((id) => ({ message_id: id, outcome: state.claimOutcome(id) })) });
      }
      if (path === '/inbound') {
        const q = check(InboundRequest);
        if (!q) return;
        let duplicates = 0;
        for (const m of q.messages) {
          if (state.inbound.some((x) => x.key === m.key)) duplicates++;
          else state.inbound.push(m);
        }
        state.inboundDuplicates += duplicates;
        return send(res, 200, { accepted: q.messages.length - duplicates, duplicates });
      }
      if (path === '/heartbeat') {
        const q = check(HeartbeatRequest);
        if (!q) return;
        state.heartbeats.push(q);
        return send(res, 200, { server_time: new Date().toISOString(), heartbeat_seconds: heartbeatSeconds });
      }
      send(res, 404, {});
    } catch (err) {
      state.errors.push(String(err));
      if (!res.headersSent) send(res, 500, {});
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** A leased message with sensible defaults for tests. */
export function leased(over: Partial<LeasedMessage> & { id: string }): LeasedMessage {
  const now = Date.now();
  return {
    to: '+6281234567890',
    text: 'Kode OTP: 123456',
    priority: 'normal',
    created_at: new Date(now).toISOString(),
    expires_at: new Date(now + 10 * 60_000).toISOString(),
    lease_until: new Date(now + 30_000).toISOString(),
    delivery_report: false,
    ...over,
  };
}
