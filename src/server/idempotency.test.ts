/**
 * Idempotency-Key in one server, on both dialects: replays, a changed body
 * refused, failures not kept, and a key usable again once its 24 hours are
 * over (even before the sweeper removed the old record). Twins across two
 * server processes: test/idempotency-instances.test.ts.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { IDEMPOTENCY_TTL_MS } from './idempotency.js';
import { capturingTransport, createTestServer, type TestServer } from './testing.js';
import { DIALECTS } from './store/index.js';

for (const dialect of DIALECTS) {
  describe(`Idempotency-Key on ${dialect}`, () => {
    let s: TestServer;
    let clock = Date.now();
    before(async () => {
      s = await createTestServer({ dialect, transport: capturingTransport(), now: () => clock });
    });
    after(() => s.close());

    const send = (key: string, text = 'halo') => s.api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text }, { 'idempotency-key': key });

    test('a retry replays the first answer and creates nothing; another body with the key is refused', async () => {
      const first = await send('k-replay');
      assert.equal(first.status, 202);
      const again = await send('k-replay');
      assert.equal(again.status, 202);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.body.id, first.body.id);
      const other = await send('k-replay', 'another text');
      assert.equal(other.status, 422);
      assert.equal(other.body.code, 'idempotency_key_reused');
    });

    test('a failed request keeps nothing: the same key may be retried', async () => {
      const bad = await s.api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'x'.repeat(1600) }, { 'idempotency-key': 'k-fail' });
      assert.equal(bad.status, 422);
      const row = await s.store.getIdempotency((await s.store.db.selectFrom('api_keys').select('id').executeTakeFirstOrThrow()).id, 'k-fail');
      assert.equal(row, undefined);
    });

    test('after 24 hours the key is free again, even before the sweeper ran', async () => {
      const first = await send('k-old');
      clock += IDEMPOTENCY_TTL_MS + 1_000;
      const later = await send('k-old');
      assert.equal(later.status, 202);
      assert.equal(later.headers['idempotent-replayed'], undefined);
      assert.notEqual(later.body.id, first.body.id);
      // And the new answer is what a retry now replays.
      const retry = await send('k-old');
      assert.equal(retry.body.id, later.body.id);
    });
  });
}
