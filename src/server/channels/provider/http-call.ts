/**
 * One HTTP call to a provider, on a fresh connection, saying exactly how
 * far it got — the difference between "retry it" and "it may have been
 * sent":
 * - `answered`: the provider answered (any status), with the body (at most
 *   64 KiB kept);
 * - `not_sent`: the connection never opened (refused, no route, DNS,
 *   connect timeout): the provider cannot have seen the request, so a retry
 *   cannot send twice;
 * - `unknown`: the connection opened and then broke or timed out before an
 *   answer: the provider may have accepted the SMS.
 *
 * Why node:http and not fetch: fetch reuses pooled keep-alive sockets and
 * does not say whether a failure came before or after the request left,
 * and a pooled socket the provider closed (a restart) fails a request that
 * never reached it. One connection per call (`agent: false`) costs a
 * handshake on 127.0.0.1 or a LAN, and keeps the answer honest.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpCall {
  url: string;
  method: 'GET' | 'POST' | 'PUT';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export type HttpOutcome =
  | { kind: 'answered'; status: number; headers: IncomingHttpHeaders; body: string }
  | { kind: 'not_sent'; detail: string }
  | { kind: 'unknown'; detail: string };

const MAX_BODY = 64 * 1024;

export function callProvider({ url, method, headers, body, timeoutMs, signal }: HttpCall): Promise<HttpOutcome> {
  return new Promise((done) => {
    const u = new URL(url);
    let connected = false;
    let settled = false;
    const finish = (o: HttpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(o);
    };
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(u, { method, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}), connection: 'close' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => finish({ kind: 'answered', status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY) }));
      res.on('error', (err) => finish({ kind: 'unknown', detail: `the answer broke off: ${describe(err)}` }));
    });
    req.on('socket', (s) => {
      // A TLS socket is "connected" once the handshake is done; a plain one at connect.
      s.once(u.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        connected = true;
      });
    });
    req.on('error', (err) => finish(connected ? { kind: 'unknown', detail: `connection broke before an answer: ${describe(err)}` } : { kind: 'not_sent', detail: `could not connect: ${describe(err)}` }));
    const timer = setTimeout(() => {
      const o: HttpOutcome = connected ? { kind: 'unknown', detail: `no answer within ${timeoutMs} ms` } : { kind: 'not_sent', detail: `could not connect within ${timeoutMs} ms` };
      finish(o);
      req.destroy();
    }, timeoutMs);
    signal?.addEventListener('abort', () => {
      finish(connected ? { kind: 'unknown', detail: 'stopped while waiting for the answer' } : { kind: 'not_sent', detail: 'stopped before connecting' });
      req.destroy();
    }, { once: true });
    req.end(body);
  });
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code}` : e.message;
}
