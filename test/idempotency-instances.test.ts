/**
 * `Idempotency-Key` across server instances: two `kirim server` processes
 * on one database, given the same key at the same moment, create one thing
 * between them and give the same answer; the replay record never holds a
 * webhook's signing secret. On both dialects (two processes sharing one
 * SQLite file, and sharing one PostgreSQL schema).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openStore, DIALECTS, type Store } from '../src/server/store/index.js';
import { freshDbUrl } from '../src/server/store/testing.js';
import { apiClient, initDatabase, kirim, startServerProcess, tempDir, type ServerProcess } from './support/process.js';

for (const dialect of DIALECTS) {
  describe(`Idempotency-Key across two server processes on ${dialect}`, () => {
    let a: ServerProcess;
    let b: ServerProcess;
    let key: string;
    let store: Store;
    let drop: () => Promise<void>;
    before(async () => {
      const shared = tempDir('kirim-idem');
      const fresh = await freshDbUrl(dialect, join(shared, 'kirim.db'));
      drop = fresh.drop;
      await initDatabase(fresh.url);
      const dirA = tempDir('kirim-idem-a');
      const dirB = tempDir('kirim-idem-b');
      // Both servers must share the secret that encrypts webhook secrets and codes.
      // Twins in flight both count until one is replayed: give the one destination room.
      const env = { KIRIM_SECRET: 'shared-secret-0123456789abcdef', KIRIM_BUDGET_DESTINATION_PER_HOUR: '100', KIRIM_BUDGET_DESTINATION_PER_DAY: '100' };
      [a, b] = await Promise.all([startServerProcess(['--db', fresh.url, '--data-dir', dirA], env), startServerProcess(['--db', fresh.url, '--data-dir', dirB], env)]);
      const k = kirim(['keys', 'create', '--name', 'app', '--db', fresh.url, '--data-dir', dirA]);
      assert.equal(k.status, 0, k.stderr);
      key = k.stdout.trim();
      store = await openStore(fresh.url, { migrate: false });
    });
    after(async () => {
      await store?.close();
      await Promise.all([a?.stop(), b?.stop()]);
      await drop?.();
    });

    /** Sends the same request with the same key to both servers at once. */
    async function twins(path: string, body: unknown, idem: string) {
      const headers = { 'idempotency-key': idem };
      return Promise.all([apiClient(a.url, key)('POST', path, body, headers), apiClient(b.url, key)('POST', path, body, headers)]);
    }

    test('ten twin pairs of POST /v1/messages create ten messages, each pair one answer', async () => {
      const run = `m-${Date.now()}`;
      const pairs = await Promise.all(Array.from({ length: 10 }, (_, i) => twins('/v1/messages', { to: '081234567890', channel: 'sms', text: `twin ${run} ${i}` }, `${run}-${i}`)));
      for (const [x, y] of pairs) {
        assert.equal(x.status, 202, JSON.stringify(x.body));
        assert.equal(y.status, 202, JSON.stringify(y.body));
        assert.equal(x.body.id, y.body.id, 'both twins answer with the same message');
        assert.equal([x, y].filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 1, 'exactly one twin is a replay');
      }
      const rows = await store.db.selectFrom('messages').select('id').where('text', 'like', `twin ${run} %`).execute();
      assert.equal(rows.length, 10);
    });

    test('twin verification starts create one verification and one message', async () => {
      const to = '081298765432';
      const [x, y] = await twins('/v1/verifications', { to, channel: 'sms' }, `v-${Date.now()}`);
      assert.equal(x.status, 201, JSON.stringify(x.body));
      assert.equal(y.status, 201, JSON.stringify(y.body));
      assert.equal(x.body.id, y.body.id);
      assert.equal(x.body.sends, 1);
      const msgs = await store.db.selectFrom('messages').select('id').where('verification_id', '=', x.body.id).execute();
      assert.equal(msgs.length, 1, 'one code sent, not one per twin');
    });

    test('twin webhook subscriptions: one endpoint, both answers carry its secret, the replay record does not', async () => {
      const [x, y] = await twins('/v1/webhooks', { url: 'https://hooks.example.test/kirim', events: ['message.sent'] }, `w-${Date.now()}`);
      assert.equal(x.status, 201, JSON.stringify(x.body));
      assert.equal(y.status, 201, JSON.stringify(y.body));
      assert.equal(x.body.id, y.body.id);
      assert.match(x.body.secret, /^whsec_/);
      assert.equal(x.body.secret, y.body.secret, 'the replay shows the secret the endpoint was created with');
      const hooks = await store.db.selectFrom('webhooks').select('id').where('url', '=', 'https://hooks.example.test/kirim').execute();
      assert.equal(hooks.length, 1);
      const records = await store.db.selectFrom('idempotency_keys').select('body').execute();
      const secretPart = x.body.secret.replace(/^whsec_/, '');
      assert.ok(records.every((r) => !r.body.includes(secretPart)), 'no signing secret in idempotency_keys');
    });
  });
}
