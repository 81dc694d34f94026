/**
 * The providers file's checks: a bad file is refused with a message naming
 * the field, secrets come from the environment without ever appearing in
 * an error, and the server refuses to start on a bad file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../config.js';
import { parseProviders, ProvidersConfigError } from './config.js';

const kannel = { id: 'kannel', type: 'kannel', url: 'http://127.0.0.1:13013/cgi-bin/sendsms', username: 'kirim', password: { env: 'KANNEL_PASS' } };
const base = { callback_base_url: 'https://kirim.example.com/' };

const refused = (input: unknown, message: RegExp, env: Record<string, string> = { KANNEL_PASS: 'hunter2' }) =>
  assert.throws(() => parseProviders(input, env), (err: unknown) => err instanceof ProvidersConfigError && message.test(err.message) && !err.message.includes('hunter2'));

test('a good file: defaults filled in, secrets resolved, the callback base without its trailing slash', () => {
  const c = parseProviders({ ...base, providers: [kannel], rules: [{ countries: ['id'], channels: ['kannel', 'modem'] }] }, { KANNEL_PASS: 'hunter2' });
  const p = c.providers[0]!;
  assert.equal(p.type, 'kannel');
  assert.equal(p.type === 'kannel' && p.password, 'hunter2');
  assert.equal(p.type === 'kannel' && p.dlr_mask, 27);
  assert.equal(p.timeout_ms, 10_000);
  assert.equal(c.callbackBaseUrl, 'https://kirim.example.com');
  assert.deepEqual(c.rules[0]!.countries, ['ID']);
});

test('each bad field is named', () => {
  refused({ ...base, providers: [{ ...kannel, url: 'ftp://x' }] }, /^providers\[0\]\.url: an http:\/\/ or https:\/\/ URL$/);
  refused({ ...base, providers: [{ ...kannel, id: 'Bad Id' }] }, /^providers\[0\]\.id: /);
  refused({ ...base, providers: [kannel, kannel] }, /^providers\[1\]\.id: kannel is used twice$/);
  refused({ ...base, providers: [{ ...kannel, dlr_mask: 99 }] }, /^providers\[0\]\.dlr_mask: /);
  refused({ ...base, providers: [{ ...kannel, extra: 1 }] }, /^providers\[0\]: .*extra/);
  refused({ providers: [kannel] }, /^callback_base_url: required for the delivery reports of provider kannel/);
  refused({ ...base, providers: [kannel], rules: [{ channels: ['nexmo'] }] }, /^rules\[0\]\.channels\[0\]: no provider has the id nexmo \(known: modem, kannel\)$/);
  refused({ ...base, providers: [kannel], rules: [{ countries: ['XX'], channels: ['modem'] }] }, /^rules\[0\]\.countries\[0\]: /);
  refused({ ...base, providers: [kannel], rules: [{ prefixes: ['0811'], channels: ['modem'] }] }, /^rules\[0\]\.prefixes\[0\]: /);
  refused({ ...base, providers: [{ id: 'h', type: 'http', url: 'http://x', body: { type: 'xml' } }] }, /^providers\[0\]\.body\.type: /);
  refused({ ...base, providers: [{ id: 'h', type: 'http', url: 'http://x', body: { type: 'json', template: {} }, response: { id_path: 'a..b' } }] }, /^providers\[0\]\.response\.id_path: /);
});

test('a secret from an unset variable is refused naming the field and the variable, never a value', () => {
  refused({ ...base, providers: [kannel] }, /^providers\[0\]\.password: the environment variable KANNEL_PASS is not set$/, {});
});

test('the server refuses to start on a bad file, naming the setting, the file and the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-providers-'));
  const file = join(dir, 'p.json');
  writeFileSync(file, JSON.stringify({ ...base, providers: [{ ...kannel, username: '' }] }));
  assert.throws(() => loadConfig({ dataDir: dir }, { KIRIM_SMS_PROVIDERS: file, KANNEL_PASS: 'x' }), (e: unknown) => e instanceof ConfigError && e.message === `KIRIM_SMS_PROVIDERS: ${file}: providers[0].username: Too small: expected string to have >=1 characters`);
  writeFileSync(file, '{ not json');
  assert.throws(() => loadConfig({ dataDir: dir }, { KIRIM_SMS_PROVIDERS: file }), /KIRIM_SMS_PROVIDERS: .*p\.json is not valid JSON/);
  assert.throws(() => loadConfig({ dataDir: dir }, { KIRIM_SMS_PROVIDERS: join(dir, 'missing.json') }), /KIRIM_SMS_PROVIDERS: cannot read .*missing\.json: ENOENT/);
  assert.equal(loadConfig({ dataDir: dir }, {}).providers, undefined);
});
