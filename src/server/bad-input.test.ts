/**
 * Bad input at the HTTP boundary: every hostile request gets a precise 4xx
 * problem+json, never a 5xx, never a crash, never a partial record.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { capturingTransport, createTestServer, type TestServer } from './testing.js';

async function counts(s: TestServer) {
  const m = await s.store.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const v = await s.store.db.selectFrom('verifications').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { messages: Number(m.n), verifications: Number(v.n) };
}

describe('bad input', () => {
  let s: TestServer;
  before(async () => {
    s = await createTestServer({ transport: capturingTransport() });
  });
  after(async () => {
    await s.close();
  });

  const cases: Array<{ name: string; url: string; body: unknown; status: number; code: string; raw?: boolean; headers?: Record<string, string> }> = [
    { name: 'malformed JSON', url: '/v1/verifications', body: '{"to": "0812', raw: true, status: 400, code: 'invalid_json' },
    { name: 'empty body', url: '/v1/messages', body: '', raw: true, status: 400, code: 'invalid_json' },
    { name: 'wrong types', url: '/v1/verifications', body: { to: 81234567890, channel: 'sms' }, status: 400, code: 'validation_failed' },
    { name: 'unknown channel', url: '/v1/verifications', body: { to: '081234567890', channel: 'fax' }, status: 400, code: 'validation_failed' },
    { name: 'unknown field', url: '/v1/verifications', body: { to: '081234567890', channel: 'sms', admin: true }, status: 400, code: 'validation_failed' },
    { name: 'path traversal as number', url: '/v1/verifications', body: { to: '../../etc/passwd', channel: 'sms' }, status: 422, code: 'invalid_destination' },
    { name: 'CRLF header injection in number', url: '/v1/verifications', body: { to: '+62812\r\nBcc: x@y', channel: 'sms' }, status: 400, code: 'validation_failed' },
    { name: 'CRLF header injection in email', url: '/v1/verifications', body: { to: 'a@b.co\r\nBcc: x@y', channel: 'email' }, status: 400, code: 'validation_failed' },
    { name: 'NUL byte', url: '/v1/messages', body: { to: '081234567890', channel: 'sms', text: 'a\u0000b' }, status: 400, code: 'validation_failed' },
    { name: 'foreign number', url: '/v1/verifications', body: { to: '+14155552671', channel: 'sms' }, status: 422, code: 'invalid_destination' },
    { name: 'invalid number', url: '/v1/verifications', body: { to: '+62123', channel: 'sms' }, status: 422, code: 'invalid_destination' },
    { name: 'invalid email', url: '/v1/verifications', body: { to: 'not-an-email', channel: 'email' }, status: 422, code: 'invalid_destination' },
    { name: '10,000-character text', url: '/v1/messages', body: { to: '081234567890', channel: 'sms', text: 'x'.repeat(10_000) }, status: 400, code: 'validation_failed' },
    { name: 'SMS over 10 parts', url: '/v1/messages', body: { to: '081234567890', channel: 'sms', text: '✓'.repeat(700) }, status: 422, code: 'text_too_long' },
    { name: 'subject on SMS', url: '/v1/messages', body: { to: '081234567890', channel: 'sms', text: 'x', subject: 's' }, status: 400, code: 'validation_failed' },
    { name: 'ttl out of range', url: '/v1/messages', body: { to: '081234567890', channel: 'sms', text: 'x', ttl_seconds: 5 }, status: 400, code: 'validation_failed' },
    { name: 'check without to or id', url: '/v1/verifications/check', body: { code: '123456' }, status: 400, code: 'validation_failed' },
    { name: 'check of unknown id', url: '/v1/verifications/check', body: { id: 'ver_nope', code: '123456' }, status: 404, code: 'not_found' },
    { name: 'huge body', url: '/v1/messages', body: JSON.stringify({ to: '081234567890', channel: 'sms', text: 'x'.repeat(100_000) }), raw: true, status: 413, code: 'payload_too_large' },
    { name: 'bad idempotency key', url: '/v1/messages', body: { to: '081234567890', channel: 'sms', text: 'x' }, headers: { 'idempotency-key': 'a\tb' }, status: 400, code: 'invalid_idempotency_key' },
    { name: 'webhook with a non-http URL', url: '/v1/webhooks', body: { url: 'file:///etc/passwd', events: ['message.sent'] }, status: 422, code: 'invalid_url' },
    { name: 'webhook with an unknown event', url: '/v1/webhooks', body: { url: 'http://127.0.0.1:9/x', events: ['everything'] }, status: 400, code: 'validation_failed' },
  ];

  for (const c of cases) {
    test(`${c.name} → ${c.status} ${c.code}`, async () => {
      const before = await counts(s);
      const r = await s.api('POST', c.url, c.raw ? (c.body as string) : c.body, c.headers ?? {});
      assert.equal(r.status, c.status, JSON.stringify(r.body));
      assert.equal(r.body.code, c.code);
      assert.equal(r.headers['content-type'], 'application/problem+json');
      assert.equal(r.body.status, c.status);
      assert.ok(r.body.title && r.body.type && r.body.detail, 'RFC 9457 fields');
      assert.deepEqual(await counts(s), before, 'nothing stored');
    });
  }

  test('unknown ids and routes are 404 problem+json', async () => {
    for (const url of ['/v1/messages/msg_nope', '/v1/verifications/ver_nope', '/v1/nothing', '/v1/messages/..%2F..%2Fetc%2Fpasswd']) {
      const r = await s.api('GET', url);
      assert.equal(r.status, 404, url);
      assert.equal(r.body.code, 'not_found');
    }
    const r = await s.api('POST', '/v1/verifications/ver_nope/cancel');
    assert.equal(r.status, 404);
  });

  test('property: any JSON body to the creating endpoints gets a 2xx or a 4xx problem, never a 5xx', async () => {
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom('081234567890', '+6281234567890', 'a@b.co', 'sms', 'email', 'high', '\u0000', '\r\n', '../'),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
    );
    const body = fc.dictionary(fc.constantFrom('to', 'channel', 'text', 'subject', 'priority', 'ttl_seconds', 'locale', 'ip', 'code', 'id', 'x'), value);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/v1/verifications', '/v1/messages', '/v1/verifications/check'), body, async (url, b) => {
        const r = await s.api('POST', url, b);
        assert.ok(r.status < 500, `${url} ${JSON.stringify(b)} → ${r.status}`);
        if (r.status >= 400) {
          assert.equal(r.headers['content-type'], 'application/problem+json');
          assert.equal(typeof r.body.code, 'string');
        }
      }),
      { numRuns: 300 },
    );
  });

  test('property: arbitrary bytes as a body never crash the server', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const res = await s.app.inject({ method: 'POST', url: '/v1/messages', headers: { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' }, payload: Buffer.from(bytes) });
        assert.ok(res.statusCode < 500, `${res.statusCode} ${res.body}`);
      }),
      { numRuns: 200 },
    );
  });
});
