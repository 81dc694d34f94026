import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from './errors.js';
import { checkExpiry, checkName, checkScopes } from './keys.js';

test('checkScopes: no flag gives the defaults; --scope gives exactly those; --admin adds admin; unknown scopes are refused', () => {
  assert.deepEqual(checkScopes({}), ['verify', 'messages', 'webhooks']);
  assert.deepEqual(checkScopes({ admin: true }), ['verify', 'messages', 'webhooks', 'admin'], '--admin alone keeps its old meaning');
  assert.deepEqual(checkScopes({ scope: ['admin'] }), ['admin']);
  assert.deepEqual(checkScopes({ scope: ['verify,inbound', 'messages'] }), ['verify', 'inbound', 'messages'], 'comma-separated or repeated');
  assert.deepEqual(checkScopes({ admin: true, scope: ['admin', ' admin '] }), ['admin'], 'once');
  assert.throws(() => checkScopes({ scope: ['root'] }), (err: Error) => err instanceof UserError && /--scope "root": unknown scope; known: verify, messages, inbound, webhooks, admin/.test(err.message));
  assert.throws(() => checkScopes({ scope: ['Admin'] }), UserError);
  assert.throws(() => checkScopes({ scope: ['verify,'] }), UserError, 'an empty name is not a scope');
});

test('checkExpiry: --expires-in with a unit, --expires-at in the future, not both', () => {
  const now = Date.parse('2026-05-01T00:00:00Z');
  assert.equal(checkExpiry({}, now), null);
  assert.equal(checkExpiry({ expiresIn: '30d' }, now), now + 30 * 86_400_000);
  assert.equal(checkExpiry({ expiresIn: '90m' }, now), now + 90 * 60_000);
  assert.equal(checkExpiry({ expiresAt: '2026-06-01T00:00:00Z' }, now), Date.parse('2026-06-01T00:00:00Z'));
  for (const bad of ['30', 'd', '0d', '-1d', '1y', '1.5d']) assert.throws(() => checkExpiry({ expiresIn: bad }, now), /--expires-in/, bad);
  assert.throws(() => checkExpiry({ expiresAt: 'tomorrow' }, now), /--expires-at "tomorrow": expected an ISO 8601/);
  assert.throws(() => checkExpiry({ expiresAt: '2026-04-30T00:00:00Z' }, now), /has passed/);
  assert.throws(() => checkExpiry({ expiresIn: '1d', expiresAt: '2026-06-01T00:00:00Z' }, now), /not both/);
});

test('checkName: letters, digits, spaces, dots, dashes, underscores; 1-64', () => {
  assert.equal(checkName('rumah-pi 2'), 'rumah-pi 2');
  for (const bad of ['', 'a\nb', 'x'.repeat(65), 'a/b']) assert.throws(() => checkName(bad), UserError, JSON.stringify(bad));
});
