/**
 * The test TCP proxy (test/support/tcp-proxy.ts): requests pass through;
 * after cut() an open connection is gone and new ones fail; restore() lets
 * them through again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTcpProxy } from './support/tcp-proxy.js';

function get(url: string, agent?: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

test('the proxy passes requests, cuts open and new connections, and restores', { timeout: 10_000 }, async () => {
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    if (req.url === '/hold') held.push(res);
    else res.end('hello');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxy = await startTcpProxy((server.address() as AddressInfo).port);
  try {
    assert.equal(await get(proxy.url + '/'), 'hello');
    const pending = get(proxy.url + '/hold');
    while (held.length === 0) await new Promise((r) => setTimeout(r, 10));
    proxy.cut();
    await assert.rejects(pending, 'an open request fails when the proxy is cut');
    await assert.rejects(get(proxy.url + '/'), 'a new connection fails while cut');
    proxy.restore();
    assert.equal(await get(proxy.url + '/'), 'hello');
  } finally {
    for (const r of held) r.destroy();
    await proxy.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('cutOn: the request carrying the pattern never reaches the server; the proxy is cut from there', { timeout: 10_000 }, async () => {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url!);
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxy = await startTcpProxy((server.address() as AddressInfo).port);
  const agent = new http.Agent({ keepAlive: true });
  try {
    const fired = proxy.cutOn('GET /trap');
    assert.equal(await get(proxy.url + '/before', agent), 'ok');
    await assert.rejects(get(proxy.url + '/trap', agent));
    await fired;
    assert.ok(proxy.isCut);
    await assert.rejects(get(proxy.url + '/after'));
    proxy.restore();
    assert.equal(await get(proxy.url + '/again'), 'ok');
    assert.deepEqual(seen, ['/before', '/again']);
  } finally {
    agent.destroy();
    await proxy.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
