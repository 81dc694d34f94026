/**
 * How far a call got, against real sockets: an answer; no connection
 * (nothing listens) is `not_sent`; a connection closed after the request
 * left, or no answer in time, is `unknown`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callProvider } from './http-call.js';

let server: Server;
let base = '';
before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url === '/drop') req.socket.destroy();
      else if (req.url === '/slow') setTimeout(() => res.end('late'), 2_000).unref();
      else res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ got: body, ct: req.headers['content-type'] }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test('an answer, with its status and body', async () => {
  const o = await callProvider({ url: `${base}/sms`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}', timeoutMs: 5_000 });
  assert.equal(o.kind, 'answered');
  assert.equal(o.kind === 'answered' && o.status, 201);
  assert.deepEqual(o.kind === 'answered' && JSON.parse(o.body), { got: '{"a":1}', ct: 'application/json' });
});

test('nothing listening: not sent', async () => {
  const closed = createServer();
  await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((ok) => closed.close(ok));
  const o = await callProvider({ url: `http://127.0.0.1:${port}/sms`, method: 'GET', headers: {}, timeoutMs: 5_000 });
  assert.deepEqual(o, { kind: 'not_sent', detail: 'could not connect: ECONNREFUSED' });
});

test('the connection closed after the request left: unknown', async () => {
  const o = await callProvider({ url: `${base}/drop`, method: 'POST', headers: {}, body: 'x', timeoutMs: 5_000 });
  assert.equal(o.kind, 'unknown');
});

test('no answer in time: unknown', async () => {
  const o = await callProvider({ url: `${base}/slow`, method: 'GET', headers: {}, timeoutMs: 300 });
  assert.deepEqual(o, { kind: 'unknown', detail: 'no answer within 300 ms' });
});
