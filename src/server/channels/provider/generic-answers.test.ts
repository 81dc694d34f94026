/**
 * The generic adapter's pure parts: a JSON body template with a secret
 * header, and its reading of answers — a 2xx whose success condition fails
 * is a refusal, 408/429/5xx are retried — and of JSON reports. (The whole
 * exchange against a real server is generic.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProviders, type HttpProviderConfig } from './config.js';
import { createGenericProvider } from './generic.js';

const config = parseProviders(
  {
    callback_base_url: 'https://kirim.example.com',
    providers: [
      {
        id: 'acme',
        type: 'http',
        url: 'https://api.acme.example/v1/sms',
        headers: { Authorization: { env: 'ACME_TOKEN', prefix: 'Bearer ' }, 'X-Client': 'kirim' },
        body: { type: 'json', template: { api_key: { env: 'ACME_KEY' }, messages: [{ to: '{{to_digits}}', body: '{{text}}', ref: '{{message_id}}', notify: '{{callback_url}}' }] } },
        response: { id_path: 'data.0.id', success: { path: 'code', equals: 0 }, error_path: 'error' },
        dlr: { status_path: 'report.state', delivered: ['DELIVRD'], failed: ['UNDELIV', 'REJECTD'], error_path: 'report.err' },
      },
    ],
  },
  { ACME_TOKEN: 'tok-123', ACME_KEY: 'key-456' },
).providers[0] as HttpProviderConfig;
const acme = createGenericProvider(config);

test('the request: JSON template filled, secrets in header and body, content type set', () => {
  const r = acme.request({ id: 'msg_1', to: '+6281234567890', text: 'Kode "1"', encoding: 'gsm7', callbackUrl: 'https://kirim.example.com/cb?m=msg_1&t=x' });
  assert.equal(r.method, 'POST');
  assert.equal(r.headers.authorization, 'Bearer tok-123');
  assert.equal(r.headers['x-client'], 'kirim');
  assert.equal(r.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(r.body!), { api_key: 'key-456', messages: [{ to: '6281234567890', body: 'Kode "1"', ref: 'msg_1', notify: 'https://kirim.example.com/cb?m=msg_1&t=x' }] });
});

test('answers: success condition, provider id, errors inside a 200, retryable statuses', () => {
  assert.deepEqual(acme.interpret(200, '{"code":0,"data":[{"id":"A1"}]}'), { outcome: 'accepted', providerId: 'A1', detail: 'answered 200' });
  assert.deepEqual(acme.interpret(200, '{"code":17,"error":"insufficient balance"}'), { outcome: 'rejected', detail: 'answered 200 with an error: insufficient balance' });
  assert.equal(acme.interpret(429, '{"error":"slow down"}').outcome, 'retry');
  assert.equal(acme.interpret(408, '').outcome, 'retry');
  assert.deepEqual(acme.interpret(502, '<html>bad gateway</html>'), { outcome: 'retry', detail: 'answered 502: <html>bad gateway</html>' });
  assert.deepEqual(acme.interpret(422, '{"error":"bad number"}'), { outcome: 'rejected', detail: 'answered 422: bad number' });
});

test('reports: JSON paths, mapped statuses, other statuses ignored, a missing status refused', () => {
  assert.deepEqual(acme.report({ query: {}, body: { report: { state: 'DELIVRD' } } }), { status: 'delivered', detail: 'status DELIVRD' });
  assert.deepEqual(acme.report({ query: {}, body: { report: { state: 'UNDELIV', err: 'absent subscriber' } } }), { status: 'failed', detail: 'status UNDELIV: absent subscriber' });
  assert.equal((acme.report({ query: {}, body: { report: { state: 'ENROUTE' } } }) as { status: string }).status, 'ignored');
  assert.equal(acme.report({ query: {}, body: {} }), 'no status at report.state');
});
