/**
 * `kirim keys settings` through the real `kirim` binary on both stores,
 * beside a running `kirim server`: an operator sets a key's web origin,
 * app hash and an SMS template, the key's next verification SMS (leased
 * through the gateway API) carries them, a template that breaks the
 * one-SMS rule is refused in one line naming the length and saves nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../src/server/store/index.js';
import { freshDbUrl } from '../src/server/store/testing.js';
import { apiClient, initDatabase, kirim, startServerProcess, tempDir } from './support/process.js';
import { parseOriginBoundMessage } from './support/origin-bound.js';

for (const dialect of DIALECTS) {
  test(`kirim keys settings on ${dialect}: set, used by the next SMS, refused when too long`, async () => {
    const dataDir = tempDir('kirim-key-settings');
    const { url: db, drop } = await freshDbUrl(dialect, `${dataDir}/kirim.db`);
    await initDatabase(db);
    const srv = await startServerProcess(['--data-dir', dataDir, '--db', db]);
    try {
      const opts = ['--db', db, '--data-dir', dataDir];
      const key = kirim(['keys', 'create', '--name', 'toko', ...opts]).stdout.trim();
      const token = kirim(['gateways', 'create', '--name', 'gw', ...opts]).stdout.trim();
      const id = (JSON.parse(kirim(['keys', 'list', '--json', ...opts]).stdout) as { data: Array<{ id: string }> }).data[0]!.id;

      const set = kirim(['keys', 'settings', id, '--web-origin', 'https://toko.example', '--android-app-hash', 'FA+9qCX9VSu', '--sms-template', 'en={code} is your {app} code', '--json', ...opts]);
      assert.equal(set.status, 0, set.stderr);
      assert.equal(JSON.parse(set.stdout).preview.en, '123456 is your Kirim code\nFA+9qCX9VSu\n@toko.example #123456');

      const tooLong = kirim(['keys', 'settings', id, '--sms-template', `id={code} ${'x'.repeat(130)}`, ...opts]);
      assert.equal(tooLong.status, 1);
      assert.match(tooLong.stderr.trim(), /^[^\n]*template_too_long: the id SMS template renders to 179 GSM-7 septets/);
      const bad = kirim(['keys', 'settings', id, '--web-origin', 'https://toko.example/login', ...opts]);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /web_origin: expected the origin alone/);
      const shown = kirim(['keys', 'settings', id, ...opts]);
      assert.match(shown.stdout, /^web_origin\thttps:\/\/toko\.example$/m, 'the refused changes saved nothing');
      assert.match(shown.stdout, /^sms id\t\d+ septets at most\t"Kode verifikasi Kirim Anda: 123456\..*" \(built-in\)$/m);

      const v = await apiClient(srv.url, key)('POST', '/v1/verifications', { to: '+6281234500001', channel: 'sms', locale: 'en' });
      assert.equal(v.status, 201);
      const lease = await fetch(`${srv.url}/gateway/v1/lease`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ max: 10, wait_ms: 0 }) });
      const text = ((await lease.json()) as { messages: Array<{ text: string }> }).messages[0]!.text;
      const bound = parseOriginBoundMessage(text);
      assert.ok(bound, text);
      assert.equal(bound.origin, 'https://toko.example');
      assert.equal(text, `${bound.code} is your Kirim code\nFA+9qCX9VSu\n@toko.example #${bound.code}`);
    } finally {
      await srv.stop();
      await drop();
    }
  });
}
