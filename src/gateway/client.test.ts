import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayClient, HttpError } from './client.js';
import { startTestGatewayServer, leased } from './test-server.js';

test('client: lease, reports, inbound, heartbeat against a protocol server', async () => {
  const srv = await startTestGatewayServer();
  try {
    const c = new GatewayClient({ server: srv.url + '/', token: srv.token });
    srv.enqueue(leased({ id: 'a' }));
    const got = await c.lease({ max: 5, wait_ms: 1000 });
    assert.deepEqual(got.messages.map((m) => m.id), ['a']);
    const t = Date.now();
    assert.deepEqual((await c.lease({ max: 5, wait_ms: 300 })).messages, []);
    assert.ok(Date.now() - t >= 250, 'empty answer only after wait_ms');
    const res = await c.reports([{ message_id: 'a', status: 'spooled', at: new Date().toISOString() }]);
    assert.equal(res.results[0]?.outcome, 'applied');
    assert.deepEqual(await c.inbound([{ key: 'k', from: '+1', text: 'hi', received_at: new Date().toISOString(), parts: 1 }]), { accepted: 1, duplicates: 0 });
    const hb = await c.heartbeat({ version: '1', started_at: new Date().toISOString(), modem: { ok: true }, spool: { outbox: 0 } });
    assert.equal(hb.heartbeat_seconds, 1);
    assert.deepEqual(srv.errors, []);

    const wrong = new GatewayClient({ server: srv.url, token: 'nope' });
    const err = await wrong.lease({ max: 1, wait_ms: 0 }).catch((e: unknown) => e);
    assert.ok(err instanceof HttpError && err.unauthorized);

    // A stop signal ends a long poll at once.
    const ctl = new AbortController();
    const poll = c.lease({ max: 1, wait_ms: 10_000 }, ctl.signal);
    setTimeout(() => ctl.abort(), 100);
    await assert.rejects(poll);
  } finally {
    await srv.close();
  }
});

test('client: an answer that does not match the protocol is an error, not data', async () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ messages: [{ id: 'x', to: 'not a number' }], server_time: 'now' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const c = new GatewayClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 't' });
    await assert.rejects(c.lease({ max: 1, wait_ms: 0 }), /unexpected shape/);
  } finally {
    server.close();
  }
});

test('client: a silent server times out and an oversized answer is refused', async () => {
  const server = createServer((req, res) => {
    if (req.url?.endsWith('/heartbeat')) return; // never answers
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('"' + 'x'.repeat(9 * 1024 * 1024) + '"');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const c = new GatewayClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 't', timeoutMs: 300 });
    await assert.rejects(c.heartbeat({ version: '1', started_at: new Date().toISOString(), modem: { ok: true }, spool: { outbox: 0 } }), /no answer to \/heartbeat within 300 ms/);
    c.close();
    // Its own client with time to spare: 9 MB must arrive before a timeout can win, even on a busy machine.
    const patient = new GatewayClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 't', timeoutMs: 30_000 });
    await assert.rejects(patient.reports([]), /exceeds/);
    patient.close();
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('client: a connection cut in the middle of an answer is an error, not a hang', async () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"results": [');
    setTimeout(() => res.socket?.destroy(), 50);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const c = new GatewayClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 't', timeoutMs: 10_000 });
    const t0 = Date.now();
    await assert.rejects(c.reports([]));
    assert.ok(Date.now() - t0 < 5_000, 'rejected at once, not at the timeout');
    c.close();
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
