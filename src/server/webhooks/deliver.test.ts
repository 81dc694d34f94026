import { strict as assert } from 'node:assert';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { deliverWebhook as deliverAny, type DeliverWebhookInput } from './deliver.js';
import { parseAllowList } from './egress.js';
import { generateWebhookSecret, verifyWebhook } from './sign.js';

interface Received {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  verified: boolean;
}

const secret = generateWebhookSecret();
// The receiver is on 127.0.0.1, which webhooks may not reach unless allowed
// (egress.test.ts tests the refusal); these tests allow exactly it.
const localOnly = parseAllowList('127.0.0.1/32');
const deliverWebhook = (input: DeliverWebhookInput) => deliverAny({ egress: localOnly, ...input });
const received: Received[] = [];
const hanging: ServerResponse[] = [];
let base = '';

// A receiver on 127.0.0.1 that checks every signature with verifyWebhook,
// the way an application would, and answers according to the path.
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const verified = verifyWebhook({ secret, headers: req.headers, body }).ok;
    received.push({ path: req.url ?? '', method: req.method ?? '', headers: req.headers, body, verified });
    switch (req.url) {
      case '/ok':
        res.writeHead(verified ? 200 : 401).end('thanks');
        return;
      case '/accepted':
        res.writeHead(204).end();
        return;
      case '/fail':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('database\nis down');
        return;
      case '/gone':
        res.writeHead(410).end();
        return;
      case '/bad':
        res.writeHead(400).end('unknown event');
        return;
      case '/limited':
        res.writeHead(429, { 'retry-after': '7' }).end();
        return;
      case '/timeout':
        res.writeHead(408).end();
        return;
      case '/moved':
        res.writeHead(301, { location: '/ok' }).end();
        return;
      case '/hang':
        hanging.push(res); // never answers
        return;
      default:
        res.writeHead(404).end();
    }
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const lastFor = (path: string) => received.filter((r) => r.path === path).at(-1);

test('a 2xx answer is success; the receiver verifies the signature and sees the envelope', async () => {
  const occurredAt = new Date('2026-11-25T10:00:00.000Z');
  const result = await deliverWebhook({ url: `${base}/ok`, secret, id: 'whd_01OK', type: 'message.delivered', payload: { id: 'msg_1', status: 'delivered' }, occurredAt });
  assert.deepEqual(result, { ok: true, status: 200 });
  const got = lastFor('/ok');
  assert.ok(got);
  assert.equal(got.method, 'POST');
  assert.equal(got.verified, true);
  assert.equal(got.headers['content-type'], 'application/json');
  assert.equal(got.headers['webhook-id'], 'whd_01OK');
  assert.match(String(got.headers['webhook-timestamp']), /^\d{10}$/);
  assert.ok(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000) < 60, 'attempt time, not event time');
  assert.match(String(got.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]{43}=$/);
  assert.deepEqual(JSON.parse(got.body), { type: 'message.delivered', timestamp: '2026-11-25T10:00:00.000Z', data: { id: 'msg_1', status: 'delivered' } });

  assert.deepEqual(await deliverWebhook({ url: `${base}/accepted`, secret, id: 'whd_02', type: 't.x', payload: null }), { ok: true, status: 204 });
});

test('a receiver with another secret rejects the delivery (the signature is really checked)', async () => {
  const result = await deliverWebhook({ url: `${base}/ok`, secret: generateWebhookSecret(), id: 'whd_wrong', type: 'message.sent', payload: {} });
  assert.equal(lastFor('/ok')?.verified, false);
  assert.deepEqual(result, { ok: false, retryable: false, status: 401, detail: 'HTTP 401: thanks' });
});

test('500 is retryable, with the start of the answer on one line', async () => {
  const result = await deliverWebhook({ url: `${base}/fail`, secret, id: 'whd_500', type: 'message.sent', payload: {} });
  assert.deepEqual(result, { ok: false, retryable: true, status: 500, detail: 'HTTP 500: database is down' });
  assert.equal(lastFor('/fail')?.verified, true);
});

test('410 Gone is final (the subscription should be disabled)', async () => {
  const result = await deliverWebhook({ url: `${base}/gone`, secret, id: 'whd_410', type: 'message.sent', payload: {} });
  assert.ok(!result.ok);
  assert.equal(result.status, 410);
  assert.equal(result.retryable, false);
  assert.match(result.detail, /410 Gone/);
});

test('other 4xx are final, but 408 and 429 are retried (429 reports Retry-After)', async () => {
  const bad = await deliverWebhook({ url: `${base}/bad`, secret, id: 'whd_400', type: 'message.sent', payload: {} });
  assert.deepEqual(bad, { ok: false, retryable: false, status: 400, detail: 'HTTP 400: unknown event' });
  const notFound = await deliverWebhook({ url: `${base}/nowhere`, secret, id: 'whd_404', type: 'message.sent', payload: {} });
  assert.ok(!notFound.ok && !notFound.retryable && notFound.status === 404);
  const limited = await deliverWebhook({ url: `${base}/limited`, secret, id: 'whd_429', type: 'message.sent', payload: {} });
  assert.deepEqual(limited, { ok: false, retryable: true, status: 429, detail: 'HTTP 429', retryAfterMs: 7_000 });
  const timeout = await deliverWebhook({ url: `${base}/timeout`, secret, id: 'whd_408', type: 'message.sent', payload: {} });
  assert.ok(!timeout.ok && timeout.retryable && timeout.status === 408);
});

test('redirects are not followed and not retried', async () => {
  const before = received.filter((r) => r.path === '/ok').length;
  const result = await deliverWebhook({ url: `${base}/moved`, secret, id: 'whd_301', type: 'message.sent', payload: {} });
  assert.ok(!result.ok);
  assert.equal(result.status, 301);
  assert.equal(result.retryable, false);
  assert.match(result.detail, /redirect to \/ok not followed/);
  assert.equal(received.filter((r) => r.path === '/ok').length, before, 'the target of the redirect was not called');
});

test('a receiver that never answers times out, retryably', async () => {
  const started = Date.now();
  const result = await deliverWebhook({ url: `${base}/hang`, secret, id: 'whd_hang', type: 'message.sent', payload: {}, timeoutMs: 300 });
  const took = Date.now() - started;
  assert.deepEqual(result, { ok: false, retryable: true, detail: 'timed out after 300 ms' });
  assert.ok(took >= 250 && took < 3_000, `took ${took} ms`);
  assert.equal(lastFor('/hang')?.verified, true, 'the request itself arrived intact');
});

test('a refused connection is retryable', async () => {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const result = await deliverWebhook({ url: `http://127.0.0.1:${port}/x`, secret, id: 'whd_refused', type: 'message.sent', payload: {} });
  assert.ok(!result.ok);
  assert.equal(result.retryable, true);
  assert.equal(result.status, undefined);
  assert.match(result.detail, /ECONNREFUSED/);
});

test('unusable URLs and secrets fail without a request and are not retried', async () => {
  const count = received.length;
  assert.deepEqual(await deliverWebhook({ url: 'not a url', secret, id: 'whd_u', type: 't', payload: {} }), { ok: false, retryable: false, detail: 'invalid webhook URL' });
  assert.deepEqual(await deliverWebhook({ url: 'ftp://127.0.0.1/x', secret, id: 'whd_u', type: 't', payload: {} }), { ok: false, retryable: false, detail: 'unsupported URL scheme ftp:' });
  const badSecret = await deliverWebhook({ url: `${base}/ok`, secret: 'whsec_', id: 'whd_s', type: 't', payload: {} });
  assert.ok(!badSecret.ok && !badSecret.retryable && /cannot sign/.test(badSecret.detail));
  assert.equal(received.length, count);
});
