/** Placeholders and JSON paths: values go in as data, unknown placeholders stay as written, paths never reach the prototype. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asText, fill, fillJson, getPath } from './template.js';

const v = { to: '+6281234567890', text: 'Kode "123456"\n}', message_id: 'msg_1', callback_url: 'https://k.example/cb?m=msg_1&t=x' };

test('placeholders are filled, unknown ones kept', () => {
  assert.equal(fill('{{to}} {{ to_digits }} {{message_id}} {{nope}}', v), '+6281234567890 6281234567890 msg_1 {{nope}}');
});

test('a JSON template gets the text as a JSON string: quotes and braces cannot break out', () => {
  const body = JSON.stringify(fillJson({ messages: [{ to: '{{to}}', content: '{{text}}', n: 1, flag: true }], cb: '{{callback_url}}' }, v));
  const back = JSON.parse(body);
  assert.equal(back.messages[0].content, v.text);
  assert.equal(back.messages[0].n, 1);
  assert.equal(back.cb, v.callback_url);
});

test('paths read nested values and arrays; missing steps and prototype keys give undefined', () => {
  const obj = { messages: [{ id: 'abc', status: 0 }] };
  assert.equal(getPath(obj, 'messages.0.id'), 'abc');
  assert.equal(getPath(obj, 'messages.0.status'), 0);
  assert.equal(getPath(obj, 'messages.1.id'), undefined);
  assert.equal(getPath(obj, 'constructor'), undefined);
  assert.equal(getPath('text', 'length'), undefined);
  assert.equal(asText({ a: 1 }), '{"a":1}');
  assert.equal(asText('x'.repeat(400))!.length, 301);
});
