/**
 * kirim/client outside Node: bundled for the browser (tsup, platform
 * `browser`, every dependency inside) and run in a bare JavaScript realm
 * (node:vm) that has only what a browser offers the client — fetch,
 * Request/Response/Headers, URL, crypto.randomUUID, timers — and none of
 * Node's (no process, Buffer, require). Against a live server: a typed
 * call, a KirimError, and, with no global `crypto` at all (Node 18 without
 * --experimental-global-webcrypto), a retried send that still creates one
 * message with one Idempotency-Key.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import vm from 'node:vm';
import { capturingTransport, createTestServer, type TestServer } from '../src/server/testing.js';
import { buildClientBrowserBundle } from './support/bundle.js';
import { tempDir } from './support/process.js';

let s: TestServer;
let baseUrl: string;
let bundle: string;
before(async () => {
  s = await createTestServer({ transport: capturingTransport() });
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
  bundle = await buildClientBrowserBundle(tempDir('kirim-client-browser'), 'iife');
});
after(() => s.close());

/** A realm with a browser's web APIs only; `fetch` may be wrapped. */
function browserRealm({ fetch: fetchFn = fetch, withCrypto = true }: { fetch?: typeof fetch; withCrypto?: boolean } = {}) {
  const globals: Record<string, unknown> = { fetch: fetchFn, Request, Response, Headers, URL, URLSearchParams, FormData, Blob, AbortController, TextEncoder, TextDecoder, setTimeout, clearTimeout, console };
  if (withCrypto) globals.crypto = { randomUUID: () => crypto.randomUUID() };
  const realm = vm.createContext(globals);
  vm.runInContext(bundle, realm, { filename: 'client.global.js' });
  return realm as { KirimClient: typeof import('../src/client/index.js') };
}

test('the browser bundle imports nothing from Node', () => {
  // (openapi-fetch looks at `process` behind a typeof guard; the realm
  // below, which has no `process`, shows that is harmless.)
  assert.doesNotMatch(bundle, /\brequire\(|["']node:[a-z]/);
  assert.ok(bundle.length < 60_000, `the bundle is small (${bundle.length} bytes)`);
});

test('in a browser-like realm: a typed call and a KirimError from the live server', async () => {
  const { KirimClient } = browserRealm();
  const kirim = new KirimClient.Kirim({ baseUrl, apiKey: s.apiKey });
  const sent = await kirim.sendMessage({ to: '081234567101', channel: 'sms', text: 'dari peramban' });
  assert.equal((await kirim.getMessage(sent.id)).to, '+6281234567101');
  const err = await new KirimClient.Kirim({ baseUrl, apiKey: 'wrong' }).listMessages().catch((e: unknown) => e);
  assert.ok(err instanceof KirimClient.KirimError, String(err));
  assert.equal(err.code, 'unauthorized');
});

test('without a global crypto (Node 18), a retried send keeps one Idempotency-Key and creates one message', async () => {
  const keys: Array<string | null> = [];
  const { KirimClient } = browserRealm({
    withCrypto: false,
    fetch: async (input, init) => {
      const request = new Request(input, init);
      keys.push(request.headers.get('idempotency-key'));
      const response = await fetch(request);
      if (keys.length === 1) throw new TypeError('Failed to fetch'); // the answer is lost
      return response;
    },
  });
  const kirim = new KirimClient.Kirim({ baseUrl, apiKey: s.apiKey });
  const sent = await kirim.sendMessage({ to: '081234567102', channel: 'sms', text: 'sekali' });
  assert.equal(keys.length, 2);
  assert.match(keys[0] ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(keys[1], keys[0]);
  const mine = (await kirim.listMessages({ limit: 100 })).data.filter((m) => m.to === '+6281234567102');
  assert.deepEqual(
    mine.map((m) => m.id),
    [sent.id],
  );
});
