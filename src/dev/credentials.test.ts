import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authenticateOperator } from '../server/dashboard/operators.js';
import { openTestStore } from '../server/store/testing.js';
import { DEV_CREDENTIALS_FILE, DEV_OPERATOR, devCredentials } from './credentials.js';

test('the dev operator keeps its password across runs; a password the store no longer knows is replaced', async () => {
  const store = await openTestStore('sqlite');
  const dataDir = mkdtempSync(join(tmpdir(), 'kirim-devcreds-'));
  try {
    const first = await devCredentials(store, dataDir);
    assert.match(first.operatorPassword, /^[A-Za-z0-9_-]{20}$/);
    assert.ok(await authenticateOperator(store, DEV_OPERATOR, first.operatorPassword));
    const second = await devCredentials(store, dataDir);
    assert.deepEqual(second, first, 'the same key, token and password on the next run');
    const file = join(dataDir, DEV_CREDENTIALS_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).operatorPassword, first.operatorPassword);

    await store.deleteOperator(DEV_OPERATOR);
    const third = await devCredentials(store, dataDir);
    assert.equal(third.apiKey, first.apiKey);
    assert.notEqual(third.operatorPassword, first.operatorPassword);
    assert.ok(await authenticateOperator(store, DEV_OPERATOR, third.operatorPassword));
    assert.equal(await authenticateOperator(store, DEV_OPERATOR, first.operatorPassword), undefined);
  } finally {
    await store.close();
  }
});
