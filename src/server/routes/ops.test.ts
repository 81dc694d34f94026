/**
 * Keeping /metrics and the API description private: KIRIM_METRICS_TOKEN
 * puts /metrics behind a bearer token, KIRIM_PUBLIC_DOCS=false removes
 * /docs and /openapi.json; by default both are open (a server behind a
 * reverse proxy that blocks them, deploy/Caddyfile).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../config.js';
import { capturingTransport, createTestServer } from '../testing.js';

const TOKEN = 'scrape-0123456789abcdef';

test('by default /metrics, /docs and /openapi.json answer without credentials', async () => {
  const s = await createTestServer({ transport: capturingTransport() });
  try {
    assert.equal((await s.app.inject({ url: '/metrics' })).statusCode, 200);
    assert.equal((await s.app.inject({ url: '/docs/' })).statusCode, 200);
    assert.equal((await s.app.inject({ url: '/openapi.json' })).statusCode, 200);
  } finally {
    await s.close();
  }
});

test('KIRIM_METRICS_TOKEN: /metrics needs that bearer token; the rest is unchanged', async () => {
  const s = await createTestServer({ transport: capturingTransport(), env: { KIRIM_METRICS_TOKEN: TOKEN } });
  try {
    const none = await s.app.inject({ url: '/metrics' });
    assert.equal(none.statusCode, 401);
    assert.equal(JSON.parse(none.body).code, 'unauthorized');
    assert.doesNotMatch(none.body, /kirim_/);
    assert.equal((await s.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}x` } })).statusCode, 401);
    assert.equal((await s.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${s.apiKey}` } })).statusCode, 401, 'an API key is not the metrics token');
    const ok = await s.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.statusCode, 200);
    assert.match(ok.body, /^kirim_process_cpu_seconds_total /m);
    assert.equal((await s.app.inject({ url: '/healthz' })).statusCode, 200);
    assert.equal((await s.api('GET', '/v1/messages')).status, 200);
  } finally {
    await s.close();
  }
});

test('KIRIM_PUBLIC_DOCS=false: /docs and /openapi.json are gone (404); the API answers', async () => {
  const s = await createTestServer({ transport: capturingTransport(), env: { KIRIM_PUBLIC_DOCS: 'false' } });
  try {
    for (const url of ['/docs', '/docs/', '/docs/static/index.html', '/openapi.json']) {
      assert.equal((await s.app.inject({ url })).statusCode, 404, url);
    }
    assert.equal((await s.api('GET', '/v1/messages')).status, 200);
    assert.equal((await s.app.inject({ url: '/metrics' })).statusCode, 200);
  } finally {
    await s.close();
  }
});

test('bad values stop the server with one clear line', () => {
  assert.throws(() => loadConfig({}, { KIRIM_PUBLIC_DOCS: 'no' }), (e: Error) => e instanceof ConfigError && /KIRIM_PUBLIC_DOCS=no: expected true or false/.test(e.message));
  assert.throws(() => loadConfig({}, { KIRIM_METRICS_TOKEN: 'short' }), (e: Error) => e instanceof ConfigError && /KIRIM_METRICS_TOKEN: 16-200/.test(e.message));
  assert.equal(loadConfig({}, { KIRIM_PUBLIC_DOCS: 'FALSE' }).publicDocs, false);
  assert.equal(loadConfig({}, {}).publicDocs, true);
  assert.equal(loadConfig({}, {}).metricsToken, undefined);
});
