import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { decodeWebhookSecret, generateWebhookSecret, signWebhook, verifyWebhook } from './sign.js';

// Test vector published with the Standard Webhooks reference library:
// github.com/standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts,
// test "sign function works".
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

test('signing matches the Standard Webhooks published test vector', () => {
  const headers = signWebhook({ secret: VECTOR.secret, id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body });
  assert.deepEqual(headers, {
    'webhook-id': VECTOR.id,
    'webhook-timestamp': '1614265330',
    'webhook-signature': VECTOR.signature,
  });
  // Same result from a Date, from a Buffer body, and from the bare (unprefixed) secret.
  assert.equal(signWebhook({ ...VECTOR, timestamp: new Date(VECTOR.timestamp * 1000 + 999), body: Buffer.from(VECTOR.body) })['webhook-signature'], VECTOR.signature);
  assert.equal(signWebhook({ ...VECTOR, secret: VECTOR.secret.slice('whsec_'.length) })['webhook-signature'], VECTOR.signature);
});

test('the test vector verifies, within the tolerance only', () => {
  const headers = { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature };
  const at = (deltaSeconds: number) => (VECTOR.timestamp + deltaSeconds) * 1000;
  assert.deepEqual(verifyWebhook({ secret: VECTOR.secret, headers, body: VECTOR.body, now: at(0) }), { ok: true, id: VECTOR.id, timestamp: VECTOR.timestamp });
  assert.equal(verifyWebhook({ secret: VECTOR.secret, headers, body: VECTOR.body, now: at(300) }).ok, true);
  assert.equal(verifyWebhook({ secret: VECTOR.secret, headers, body: VECTOR.body, now: at(-300) }).ok, true);
  assert.deepEqual(verifyWebhook({ secret: VECTOR.secret, headers, body: VECTOR.body, now: at(301) }), { ok: false, reason: 'webhook-timestamp outside the tolerance' });
  assert.equal(verifyWebhook({ secret: VECTOR.secret, headers, body: VECTOR.body, now: at(-301) }).ok, false);
  assert.equal(verifyWebhook({ secret: VECTOR.secret, headers, body: VECTOR.body, now: at(1000), toleranceSeconds: 1000 }).ok, true);
});

test('verification fails for a changed body, id, timestamp, secret or signature', () => {
  const secret = generateWebhookSecret();
  const now = Date.now();
  const body = '{"type":"message.sent","data":{"id":"msg_1"}}';
  const headers = signWebhook({ secret, id: 'whd_1', timestamp: Math.floor(now / 1000), body });
  assert.equal(verifyWebhook({ secret, headers, body, now }).ok, true);

  const fails = (h: Record<string, string | undefined>, b = body, s = secret) => verifyWebhook({ secret: s, headers: h, body: b, now });
  assert.deepEqual(fails(headers, body.replace('msg_1', 'msg_2')), { ok: false, reason: 'no matching v1 signature' });
  assert.equal(fails({ ...headers, 'webhook-id': 'whd_2' }).ok, false);
  assert.equal(fails({ ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1) }).ok, false);
  assert.equal(fails(headers, body, generateWebhookSecret()).ok, false);
  assert.equal(fails({ ...headers, 'webhook-signature': headers['webhook-signature'].slice(0, 10) }).ok, false);
  assert.equal(fails({ ...headers, 'webhook-signature': 'v1,' }).ok, false);
  assert.equal(fails({ ...headers, 'webhook-signature': headers['webhook-signature'].replace('v1,', 'v2,') }).ok, false);
  assert.deepEqual(fails({ ...headers, 'webhook-signature': undefined }), { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature header' });
  assert.deepEqual(fails({ ...headers, 'webhook-timestamp': 'hello' }), { ok: false, reason: 'webhook-timestamp is not unix seconds' });
  assert.equal(fails(headers, body, 'whsec_not base64!').ok, false);
});

test('several signatures (secret rotation): one valid v1 among them is enough', () => {
  const secret = generateWebhookSecret(24);
  const now = Date.now();
  const body = '{}';
  const h = signWebhook({ secret, id: 'whd_rot', timestamp: Math.floor(now / 1000), body });
  const other = signWebhook({ secret: generateWebhookSecret(), id: 'whd_rot', timestamp: Math.floor(now / 1000), body });
  const multi = { ...h, 'webhook-signature': `${other['webhook-signature']} v1a,AAAA ${h['webhook-signature']}` };
  assert.equal(verifyWebhook({ secret, headers: multi, body, now }).ok, true);
  const onlyOther = { ...h, 'webhook-signature': other['webhook-signature'] };
  assert.equal(verifyWebhook({ secret, headers: onlyOther, body, now }).ok, false);
});

test('headers may come as a fetch Headers object or with any casing', () => {
  const secret = generateWebhookSecret();
  const now = Date.now();
  const h = signWebhook({ secret, id: 'whd_h', timestamp: Math.floor(now / 1000), body: 'x' });
  assert.equal(verifyWebhook({ secret, headers: new Headers({ ...h }), body: 'x', now }).ok, true);
  const upper = { 'Webhook-Id': h['webhook-id'], 'WEBHOOK-TIMESTAMP': h['webhook-timestamp'], 'Webhook-Signature': h['webhook-signature'] };
  assert.equal(verifyWebhook({ secret, headers: upper, body: 'x', now }).ok, true);
});

test('generated secrets are whsec_ + base64 of 24 to 32 random bytes, all different', () => {
  const secrets = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const s = generateWebhookSecret();
    assert.match(s, /^whsec_[A-Za-z0-9+/]+=*$/);
    assert.equal(decodeWebhookSecret(s).length, 32);
    secrets.add(s);
  }
  assert.equal(secrets.size, 50);
  assert.equal(decodeWebhookSecret(generateWebhookSecret(24)).length, 24);
  assert.throws(() => generateWebhookSecret(16), RangeError);
  assert.throws(() => decodeWebhookSecret('whsec_'), /not whsec_/);
});

test('ids with dots or whitespace cannot be signed (the signed content is dot-delimited)', () => {
  const secret = generateWebhookSecret();
  assert.throws(() => signWebhook({ secret, id: 'a.b', timestamp: 1, body: '' }), /without dots/);
  assert.throws(() => signWebhook({ secret, id: 'a b', timestamp: 1, body: '' }), /without dots/);
  assert.throws(() => signWebhook({ secret, id: 'ab', timestamp: 1.5, body: '' }), /unix seconds/);
});
