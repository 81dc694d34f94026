/**
 * The committed client types (src/client/schema.ts) are exactly what the
 * server's current /openapi.json generates: a route, field or enum changed
 * without `npm run client:types` fails here (and so in CI).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { committedClientTypes, generateClientTypes } from './client-types.js';

test('src/client/schema.ts matches the served /openapi.json (run `npm run client:types` after an API change)', async () => {
  const committed = committedClientTypes();
  assert.ok(committed.length > 0, 'src/client/schema.ts is missing: run `npm run client:types`');
  const generated = await generateClientTypes();
  if (generated !== committed) {
    const a = committed.split('\n');
    const b = generated.split('\n');
    const i = b.findIndex((line, n) => line !== a[n]);
    assert.fail(`src/client/schema.ts is out of date (first difference at line ${i + 1}: committed ${JSON.stringify(a[i])}, served ${JSON.stringify(b[i])}); run \`npm run client:types\``);
  }
});

test('the generated types cover every v1 route the client calls', async () => {
  const text = committedClientTypes();
  for (const path of ['/v1/verifications', '/v1/verifications/check', '/v1/verifications/{id}', '/v1/verifications/{id}/cancel', '/v1/messages', '/v1/messages/{id}', '/v1/inbound', '/v1/webhooks', '/v1/webhooks/{id}']) {
    assert.ok(text.includes(`"${path}": {`), `${path} in schema.ts`);
  }
});
