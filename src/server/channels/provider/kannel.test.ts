/**
 * The Kannel adapter's request and its reading of answers and reports
 * (the real exchange with Kannel is test/kannel-provider.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProviders, type KannelProviderConfig } from './config.js';
import { createKannelProvider } from './kannel.js';

const config = parseProviders({
  callback_base_url: 'https://kirim.example.com',
  providers: [{ id: 'kannel', type: 'kannel', url: 'http://127.0.0.1:13013/cgi-bin/sendsms', username: 'kirim', password: 'p&ss=word', from: 'KIRIM', dlr_mask: 31 }],
}).providers[0] as KannelProviderConfig;
const kannel = createKannelProvider(config);

test('the sendsms request: credentials, UTF-8 text, UCS-2 coding when needed, and a dlr-url with Kannel escapes', () => {
  const r = kannel.request({ id: 'msg_1', to: '+6281234567890', text: 'Halo ☺ & bye', encoding: 'ucs2', callbackUrl: 'https://kirim.example.com/providers/v1/kannel/dlr?m=msg_1&t=tok' });
  assert.equal(r.method, 'GET');
  const q = new URL(r.url).searchParams;
  assert.equal(q.get('username'), 'kirim');
  assert.equal(q.get('password'), 'p&ss=word');
  assert.equal(q.get('to'), '+6281234567890');
  assert.equal(q.get('text'), 'Halo ☺ & bye');
  assert.equal(q.get('charset'), 'UTF-8');
  assert.equal(q.get('coding'), '2');
  assert.equal(q.get('from'), 'KIRIM');
  assert.equal(q.get('dlr-mask'), '31');
  assert.equal(q.get('dlr-url'), 'https://kirim.example.com/providers/v1/kannel/dlr?m=msg_1&t=tok&type=%d&answer=%A&time=%T');
  const gsm = new URL(kannel.request({ id: 'msg_2', to: '+62812', text: 'x', encoding: 'gsm7', callbackUrl: 'u?m=1' }).url).searchParams;
  assert.equal(gsm.get('coding'), null);
});

test("Kannel's answers: 202 accepted, 4xx refused, 5xx retried", () => {
  assert.equal(kannel.interpret(202, '0: Accepted for delivery').outcome, 'accepted');
  assert.equal(kannel.interpret(202, '3: Queued for later delivery').outcome, 'accepted');
  assert.deepEqual(kannel.interpret(403, 'Not routable. Do not try again.'), { outcome: 'rejected', detail: 'answered 403 Not routable. Do not try again.' });
  assert.equal(kannel.interpret(401, 'Authorization failed for sendsms').outcome, 'rejected');
  assert.equal(kannel.interpret(503, 'Sendsms failed').outcome, 'retry');
});

test("Kannel's report types", () => {
  const r = (type: string, answer = '') => kannel.report({ query: { type, answer }, body: undefined });
  assert.deepEqual(r('1'), { status: 'delivered', detail: 'delivery report 1 (delivered)' });
  assert.equal((r('2') as { status: string }).status, 'failed');
  assert.deepEqual(r('16', 'NACK/no SMSC'), { status: 'failed', detail: 'delivery report 16 (rejected by the SMSC): NACK/no SMSC' });
  assert.equal((r('8', 'ACK/') as { status: string }).status, 'sent');
  assert.equal((r('4') as { status: string }).status, 'ignored');
  assert.match(r('7') as string, /type must be one of Kannel's report types/);
  assert.match(kannel.report({ query: {}, body: undefined }) as string, /got null/);
});
