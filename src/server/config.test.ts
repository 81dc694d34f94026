import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.js';

test('KIRIM_DEMO_ORIGIN is an https origin and nothing more, or a precise error', () => {
  const load = (value: string) => loadConfig({ dataDir: '/tmp/kirim-config-test', port: 0 }, { KIRIM_DEMO_ORIGIN: value });
  assert.equal(load('https://demo.kirim.example').demoOrigin, 'https://demo.kirim.example');
  assert.equal(load('').demoOrigin, undefined, 'empty: unset');
  assert.throws(() => load('http://demo.kirim.example'), (e: unknown) => e instanceof ConfigError && /KIRIM_DEMO_ORIGIN=http:\/\/demo\.kirim\.example: must use https/.test(e.message));
  assert.throws(() => load('https://demo.kirim.example/demo'), (e: unknown) => e instanceof ConfigError && /origin alone .*https:\/\/demo\.kirim\.example$/.test(e.message));
});
