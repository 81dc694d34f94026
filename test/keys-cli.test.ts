/**
 * `kirim keys create/list/revoke` through the real `kirim` binary on both
 * stores, beside a running `kirim server`: the listing never shows a key,
 * a revoked key's next API call gets 401 at once (no restart), the other
 * key keeps working, and an unknown id is a clear error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../src/server/store/index.js';
import { freshDbUrl } from '../src/server/store/testing.js';
import { apiClient, initDatabase, kirim, startServerProcess, tempDir } from './support/process.js';

for (const dialect of DIALECTS) {
  test(`kirim keys list and revoke on ${dialect}: the revoked key gets 401 on its next call`, async () => {
    const dataDir = tempDir('kirim-keys');
    const { url: db, drop } = await freshDbUrl(dialect, `${dataDir}/kirim.db`);
    await initDatabase(db);
    const srv = await startServerProcess(['--data-dir', dataDir, '--db', db]);
    try {
      const opts = ['--db', db, '--data-dir', dataDir];
      const shop = kirim(['keys', 'create', '--name', 'toko', ...opts]).stdout.trim();
      const blog = kirim(['keys', 'create', '--name', 'blog', '--admin', ...opts]).stdout.trim();
      assert.match(shop, /^kk_/);
      const list = kirim(['keys', 'list', ...opts]);
      assert.equal(list.status, 0, list.stderr);
      const rows = list.stdout.trim().split('\n').map((l) => l.split('\t'));
      assert.deepEqual(rows.map((r) => r[1]).sort(), ['blog', 'toko']);
      assert.ok(!list.stdout.includes(shop) && !list.stdout.includes(blog), 'the listing never shows a key');
      assert.deepEqual(rows.find((r) => r[1] === 'blog')!.slice(3, 4), ['verify,messages,webhooks,admin'], '--admin adds admin to the default scopes');
      const json = JSON.parse(kirim(['keys', 'list', '--json', ...opts]).stdout) as { data: Array<{ id: string; name: string; prefix: string; revoked_at: string | null }> };
      const shopRow = json.data.find((k) => k.name === 'toko')!;
      assert.ok(shop.startsWith(shopRow.prefix));
      assert.deepEqual(Object.keys(shopRow).sort(), ['created_at', 'expires_at', 'id', 'name', 'prefix', 'revoked_at', 'scopes']);

      const asShop = apiClient(srv.url, shop);
      assert.equal((await asShop('GET', '/v1/messages')).status, 200);
      const revoked = kirim(['keys', 'revoke', shopRow.id, ...opts]);
      assert.equal(revoked.status, 0, revoked.stderr);
      assert.match(revoked.stdout, new RegExp(`^revoked ${shopRow.id} \\(toko\\) at \\d{4}-`));
      assert.equal((await asShop('GET', '/v1/messages')).status, 401, 'the revoked key is refused on its next call');
      assert.equal((await apiClient(srv.url, blog)('GET', '/v1/messages')).status, 200, 'the other key still works');
      const after = JSON.parse(kirim(['keys', 'list', '--json', ...opts]).stdout) as typeof json;
      assert.equal(typeof after.data.find((k) => k.id === shopRow.id)!.revoked_at, 'string');
      assert.match(kirim(['keys', 'list', ...opts]).stdout, /\ttoko\t.*\trevoked \d{4}-/);

      const unknown = kirim(['keys', 'revoke', 'key_nope', ...opts]);
      assert.equal(unknown.status, 1);
      assert.equal(unknown.stderr, 'kirim: no API key with id "key_nope"; see kirim keys list\n');
    } finally {
      await srv.stop();
      await drop();
    }
  });
}
