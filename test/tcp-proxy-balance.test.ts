/**
 * The test TCP proxy (test/support/tcp-proxy.ts) as a load balancer and as
 * a pulled cable: connections alternate over the targets and skip one that
 * is down; a silent cut holds an open request without an answer or an
 * error until restore() closes it, and new connections are held too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTcpProxy } from './support/tcp-proxy.js';

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function named(name: string) {
  const server = http.createServer((_req, res) => res.end(name));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test('connections alternate over the targets and skip one that is down', async () => {
  const a = await named('a');
  const b = await named('b');
  const proxy = await startTcpProxy([a.port, b.port]);
  try {
    const seen = [await get(proxy.url), await get(proxy.url), await get(proxy.url), await get(proxy.url)];
    assert.deepEqual(seen.sort(), ['a', 'a', 'b', 'b']);
    await a.close();
    assert.deepEqual([await get(proxy.url), await get(proxy.url), await get(proxy.url)], ['b', 'b', 'b']);
    await b.close();
    await assert.rejects(get(proxy.url), 'with every target down the client sees the connection fail');
  } finally {
    await proxy.close();
  }
});

test('a silent cut holds open and new requests without a word; restore closes them and lets new ones through', async () => {
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => (req.url === '/hold' ? held.push(res) : res.end('hello')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxy = await startTcpProxy((server.address() as AddressInfo).port);
  try {
    const pending = get(proxy.url + '/hold');
    while (held.length === 0) await new Promise((r) => setTimeout(r, 10));
    proxy.cut('silent');
    held[0]!.end('too late');
    const during = get(proxy.url + '/');
    // Held: the open request's two ends, and the new connection.
    while (proxy.holding < 3) await new Promise((r) => setTimeout(r, 10));
    let settled = 0;
    void pending.then(() => settled++, () => settled++);
    void during.then(() => settled++, () => settled++);
    // The answer sent after the cut must not arrive: restore() ends both requests with an error.
    proxy.restore();
    await assert.rejects(pending, 'the held request ends in an error, not in the answer sent after the cut');
    await assert.rejects(during, 'a request made during the cut ends in an error');
    assert.equal(settled, 2);
    assert.equal(await get(proxy.url + '/'), 'hello');
  } finally {
    await proxy.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
