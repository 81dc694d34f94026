/**
 * Scopes, expiry, revocation and rotation through the real `kirim` binary,
 * beside two `kirim server` processes sharing one store (SQLite file, then
 * PostgreSQL): what the CLI or one instance changes holds on the other
 * instance at its next request, and a gateway's open long-poll on either
 * instance answers 401 within its one-second re-check, long before the
 * poll would have ended by itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../src/server/store/index.js';
import { freshDbUrl } from '../src/server/store/testing.js';
import { apiClient, initDatabase, kirim, startServerProcess, tempDir, waitFor } from './support/process.js';

/** A gateway long-poll of 25 s: resolves with its status and how long it took. */
/**
 * A 25 s long poll; `ended` is when its answer came (performance.now()), to
 * compare with when the change that should end it was made: under a
 * loaded machine the CLI alone can take seconds to start.
 */
async function poll(url: string, token: string) {
  const res = await fetch(`${url}/gateway/v1/lease`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ wait_ms: 25_000 }) });
  const body = await res.json() as { detail?: string };
  return { status: res.status, detail: body.detail ?? '', ended: performance.now() };
}

for (const dialect of DIALECTS) {
  test(`scopes, expiry, key and gateway rotation and revocation through the CLI and two servers on ${dialect}`, async () => {
    const dataDir = tempDir('kirim-tenants');
    const { url: db, drop } = await freshDbUrl(dialect, `${dataDir}/kirim.db`);
    await initDatabase(db);
    const opts = ['--db', db, '--data-dir', dataDir];
    // Two instances: each its own data dir (a data dir has one server), one store and one secret.
    const env = { KIRIM_SECRET: 'tenants-cli-secret-0123456789' };
    const a = await startServerProcess(['--data-dir', dataDir, '--db', db], env);
    const b = await startServerProcess(['--data-dir', tempDir('kirim-tenants-b'), '--db', db], env).catch(async (err) => {
      await a.stop();
      throw err;
    });
    try {
      const run = (...args: string[]) => {
        const r = kirim([...args, ...opts]);
        assert.equal(r.status, 0, `kirim ${args.join(' ')}: ${r.stderr}`);
        return r.stdout.trim();
      };
      const ops = run('keys', 'create', '--name', 'ops', '--scope', 'admin,inbound');
      const shop = run('keys', 'create', '--name', 'shop', '--scope', 'messages', '--expires-in', '30d');
      const plain = run('keys', 'create', '--name', 'plain');
      const rows = run('keys', 'list').split('\n').map((l) => l.split('\t'));
      const row = (name: string) => rows.find((r) => r[1] === name)!;
      assert.equal(row('ops')[3], 'admin,inbound');
      assert.equal(row('plain')[3], 'verify,messages,webhooks', 'the default scopes');
      assert.equal(row('shop')[3], 'messages');
      assert.match(row('shop')[5]!, /^active, expires \d{4}-\d\d-\d\dT/);

      // Scopes hold on either instance.
      const verifyAsShop = await apiClient(b.url, shop)('POST', '/v1/verifications', { to: '081234567890', channel: 'sms' });
      assert.equal(verifyAsShop.status, 403);
      assert.match(verifyAsShop.body.detail, /lacks the verify scope/);
      assert.equal((await apiClient(b.url, shop)('GET', '/v1/messages')).status, 200);
      assert.equal((await apiClient(a.url, plain)('GET', '/v1/gateways')).status, 403);

      // A rotated key: printed once, the old value refused by the other instance at its next call.
      const shopId = JSON.parse(run('keys', 'list', '--json')).data.find((k: { name: string }) => k.name === 'shop').id;
      const shop2 = run('keys', 'rotate', shopId);
      assert.match(shop2, /^kk_/);
      assert.notEqual(shop2, shop);
      assert.equal((await apiClient(b.url, shop)('GET', '/v1/messages')).status, 401);
      assert.equal((await apiClient(b.url, shop2)('GET', '/v1/messages')).status, 200);

      // A gateway rotated by the CLI while its poll waits on instance B.
      const gwToken = run('gateways', 'create', '--name', 'rumah-pi');
      const gwId = JSON.parse(run('gateways', 'list', '--json')).data.find((g: { name: string }) => g.name === 'rumah-pi').id;
      const asOps = apiClient(a.url, ops);
      const online = async () => (await asOps('GET', '/v1/gateways')).body.data.find((g: { id: string }) => g.id === gwId)?.state === 'online';
      const first = poll(b.url, gwToken);
      await waitFor(online, { what: 'the poll to reach the server' });
      const gwToken2 = run('gateways', 'rotate', gwId);
      const rotatedAt = performance.now();
      assert.match(gwToken2, /^kg_/);
      const rotated = await first;
      assert.equal(rotated.status, 401);
      assert.match(rotated.detail, /token was replaced/);
      assert.ok(rotated.ended - rotatedAt < 10_000, `the poll ended ${Math.round(rotated.ended - rotatedAt)} ms after the rotation, not at its 25 s end`);
      const lease = (url: string, token: string) => fetch(`${url}/gateway/v1/lease`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"wait_ms":0}' }).then((r) => r.status);
      assert.equal(await lease(a.url, gwToken), 401, 'the old token is refused');
      assert.equal(await lease(a.url, gwToken2), 200, 'the new token works');

      // Revoked through instance A's API while the poll waits on instance B.
      const second = poll(b.url, gwToken2);
      await waitFor(async () => (await asOps('GET', '/v1/gateways')).body.data.find((g: { id: string }) => g.id === gwId)?.last_seen_at !== null && online(), { what: 'the poll to reach the server' });
      const revoked = await asOps('POST', `/v1/gateways/${gwId}/revoke`);
      const revokedAt = performance.now();
      assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
      const ended = await second;
      assert.equal(ended.status, 401);
      assert.match(ended.detail, /revoked/);
      assert.ok(ended.ended - revokedAt < 10_000, `the poll ended ${Math.round(ended.ended - revokedAt)} ms after the revocation`);
      assert.equal(await lease(b.url, gwToken2), 401);

      // Revoked by the CLI while its poll waits on instance A.
      const other = run('gateways', 'create', '--name', 'kantor-pi');
      const otherId = JSON.parse(run('gateways', 'list', '--json')).data.find((g: { name: string }) => g.name === 'kantor-pi').id;
      const third = poll(a.url, other);
      await waitFor(async () => (await asOps('GET', '/v1/gateways')).body.data.find((g: { id: string }) => g.id === otherId)?.state === 'online', { what: 'the poll to reach the server' });
      assert.match(run('gateways', 'revoke', otherId), new RegExp(`^revoked ${otherId} \\(kantor-pi\\) at \\d{4}-`));
      const cutAt = performance.now();
      const cut = await third;
      assert.equal(cut.status, 401);
      assert.ok(cut.ended - cutAt < 10_000, `the poll ended ${Math.round(cut.ended - cutAt)} ms after the revocation`);

      const unknown = kirim(['gateways', 'revoke', 'gw_nope', ...opts]);
      assert.equal(unknown.status, 1);
      assert.equal(unknown.stderr, 'kirim: no gateway with id "gw_nope"; see kirim gateways list\n');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await drop();
    }
  });
}
