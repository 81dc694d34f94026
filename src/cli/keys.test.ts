import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from './errors.js';
import { checkName, checkScopes } from './keys.js';

test('checkScopes: --admin and --scope admin are the same; no flag is a plain key; unknown scopes are refused', () => {
  assert.deepEqual(checkScopes({}), []);
  assert.deepEqual(checkScopes({ admin: true }), ['admin']);
  assert.deepEqual(checkScopes({ scope: ['admin'] }), ['admin']);
  assert.deepEqual(checkScopes({ admin: true, scope: ['admin', ' admin '] }), ['admin'], 'once');
  assert.throws(() => checkScopes({ scope: ['root'] }), (err: Error) => err instanceof UserError && /--scope "root": unknown scope; known: admin/.test(err.message));
  assert.throws(() => checkScopes({ scope: ['Admin'] }), UserError);
});

test('checkName: letters, digits, spaces, dots, dashes, underscores; 1-64', () => {
  assert.equal(checkName('rumah-pi 2'), 'rumah-pi 2');
  for (const bad of ['', 'a\nb', 'x'.repeat(65), 'a/b']) assert.throws(() => checkName(bad), UserError, JSON.stringify(bad));
});
