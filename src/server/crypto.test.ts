/**
 * Secrets at rest and server-secret rotation. Webhook signing secrets are
 * stored only sealed (AES-256-GCM bound to the webhook's id); with
 * KIRIM_SECRET=new and KIRIM_SECRET_PREVIOUS=old, a code sent before the
 * change still checks, a signing secret sealed before it still signs (and is
 * re-encrypted under the new secret at start), and new values use only the
 * new secret. On both dialects, over one store shared by the servers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createApiKey } from './credentials.js';
import { createKeyring } from './crypto.js';
import { capturingTransport } from './testing.js';
import { openTestStore } from './store/testing.js';
import { DIALECTS, type Store } from './store/index.js';
import { verifyWebhook } from './webhooks/sign.js';
import { tempDir } from '../../test/support/process.js';

const OLD = 'old-secret-0123456789abcdef';
const NEW = 'new-secret-fedcba9876543210';
const codeIn = (text: string) => /(\d{6})/.exec(text)?.[1];

test('the keyring: new values under the current secret; previous secrets still open and check; reseal moves a value', () => {
  const old = createKeyring(OLD);
  const rotated = createKeyring(NEW, [OLD]);
  const fresh = createKeyring(NEW);
  const sealed = old.encrypt('wh_1', 'whsec_abc');
  assert.equal(rotated.decrypt('wh_1', sealed), 'whsec_abc');
  assert.throws(() => fresh.decrypt('wh_1', sealed), 'without the previous secret it does not open');
  assert.throws(() => rotated.decrypt('wh_2', sealed), 'bound to its row');
  const mac = old.mac('ver_1', '123456');
  assert.ok(rotated.verifyMac('ver_1', '123456', mac));
  assert.ok(!fresh.verifyMac('ver_1', '123456', mac));
  assert.ok(!rotated.verifyMac('ver_1', '654321', mac));
  // New values: the new secret only.
  assert.ok(!old.verifyMac('ver_2', '111111', rotated.mac('ver_2', '111111')));
  assert.throws(() => old.decrypt('wh_3', rotated.encrypt('wh_3', 'x')));
  const moved = rotated.reseal('wh_1', sealed);
  assert.ok(moved);
  assert.equal(fresh.decrypt('wh_1', moved), 'whsec_abc');
  assert.throws(() => old.decrypt('wh_1', moved));
  assert.equal(rotated.reseal('wh_1', moved), null, 'already current');
});

test('KIRIM_SECRET_PREVIOUS is validated: each secret 16 characters or more', () => {
  assert.deepEqual(loadConfig({}, {}).previousSecrets, []);
  assert.deepEqual(loadConfig({}, { KIRIM_SECRET_PREVIOUS: `${OLD}, ${NEW}` }).previousSecrets, [OLD, NEW]);
  assert.throws(() => loadConfig({}, { KIRIM_SECRET_PREVIOUS: `${OLD},short` }), (e: unknown) => e instanceof ConfigError && /KIRIM_SECRET_PREVIOUS: secret 2 of 2 is shorter than 16 characters/.test(e.message));
});

for (const dialect of DIALECTS) {
  test(`rotation through the server on ${dialect}: pending codes and webhook secrets survive, new ones use the new secret`, async () => {
    const store: Store = await openTestStore(dialect);
    const { key } = await createApiKey(store, 'rotation');
    const got: Array<{ valid: boolean; type: string }> = [];
    let whSecret = '';
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        got.push({ valid: verifyWebhook({ secret: whSecret, headers: req.headers as Record<string, string>, body }).ok, type: JSON.parse(body).type });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/h`;
    const server = async (secret: string, previous?: string) => {
      const env: Record<string, string> = { KIRIM_LOG_LEVEL: 'silent', KIRIM_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32', ...(previous ? { KIRIM_SECRET_PREVIOUS: previous } : {}) };
      const transport = capturingTransport();
      const built = await buildApp({ config: { ...loadConfig({ dataDir: tempDir('kirim-rotation'), port: 0 }, env), secret }, store, transport });
      const api = async (method: string, url: string, body?: unknown) => {
        const res = await built.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
        return { status: res.statusCode, body: res.json() };
      };
      return { ...built, transport, api };
    };
    try {
      // Before: a code is sent and a webhook created under the old secret.
      const a = await server(OLD);
      const wh = await a.api('POST', '/v1/webhooks', { url: hookUrl, events: ['message.queued'] });
      assert.equal(wh.status, 201);
      whSecret = wh.body.secret;
      const row = await store.getWebhook(wh.body.id);
      assert.ok(row && !row.secret_enc.includes(whSecret) && !row.secret_enc.includes(whSecret.slice(6)), 'stored sealed, not in clear');
      assert.equal(createKeyring(OLD).decrypt(row.id, row.secret_enc), whSecret);
      const start = await a.api('POST', '/v1/verifications', { to: 'rotate@example.com', channel: 'email' });
      assert.equal(start.status, 201);
      await a.services.email.runOnce();
      const code = codeIn(a.transport.sent[0]!.text)!;
      assert.ok(code);
      await a.app.close();

      // The new secret alone does not know the old code (so the previous secret is what makes it check below).
      const bare = await server(NEW);
      const refused = await bare.api('POST', '/v1/verifications/check', { to: 'rotate@example.com', code });
      assert.notEqual(refused.body.status, 'approved');
      await bare.app.close();

      // Rotated: KIRIM_SECRET=new, KIRIM_SECRET_PREVIOUS=old.
      const b = await server(NEW, OLD);
      assert.equal(await b.services.webhooks.resealSecrets(), 1, 'the signing secret is re-encrypted at start');
      assert.equal(await b.services.webhooks.resealSecrets(), 0, 'once');
      const moved = (await store.getWebhook(wh.body.id))!;
      assert.equal(createKeyring(NEW).decrypt(moved.id, moved.secret_enc), whSecret, 'now under the new secret, same signing secret');
      assert.throws(() => createKeyring(OLD).decrypt(moved.id, moved.secret_enc));
      const check = await b.api('POST', '/v1/verifications/check', { to: 'rotate@example.com', code });
      assert.equal(check.body.status, 'approved', 'a code sent before the rotation still checks');

      await b.api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'after rotation' });
      for (let i = 0; got.length === 0 && i < 200; i++) {
        await b.services.webhooks.runOnce();
        if (got.length === 0) await new Promise((r) => setTimeout(r, 10));
      }
      // The event queued before the rotation and the one after it.
      assert.ok(got.length >= 1, 'delivered');
      assert.ok(got.every((g) => g.valid && g.type === 'message.queued'), 'deliveries are signed with the same endpoint secret');

      // New values: the new secret only.
      const next = await b.api('POST', '/v1/verifications', { to: 'rotate2@example.com', channel: 'email' });
      await b.services.email.runOnce();
      const code2 = codeIn(b.transport.sent.find((m) => m.to === 'rotate2@example.com')!.text)!;
      const v = await store.db.selectFrom('verifications').select(['id', 'code_hash', 'code_enc']).where('id', '=', next.body.id).executeTakeFirstOrThrow();
      assert.ok(createKeyring(NEW).verifyMac(v.id, code2, v.code_hash));
      assert.ok(!createKeyring(OLD).verifyMac(v.id, code2, v.code_hash));
      assert.throws(() => createKeyring(OLD).decrypt(v.id, v.code_enc!));
      await b.app.close();
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((r) => receiver.close(() => r()));
      await store.close();
    }
  });
}
