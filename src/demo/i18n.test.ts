/**
 * The demo's dictionaries: the same keys in Indonesian and English, the
 * same placeholders in both, nothing left untranslated by accident; and
 * the language choice (cookie, then Accept-Language, then Indonesian).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DICTIONARIES, LANGS, pickLang, translator } from './i18n.js';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every language has exactly the same keys, each a non-empty string', () => {
  const keys = Object.keys(DICTIONARIES.id).sort();
  assert.ok(keys.length > 50);
  for (const lang of LANGS) {
    assert.deepEqual(Object.keys(DICTIONARIES[lang]).sort(), keys, lang);
    for (const k of keys) assert.ok(DICTIONARIES[lang][k as keyof typeof DICTIONARIES.id].trim(), `${lang} ${k} is empty`);
  }
});

test('a message has the same placeholders in every language', () => {
  for (const k of Object.keys(DICTIONARIES.id) as Array<keyof typeof DICTIONARIES.id>) {
    assert.deepEqual(placeholders(DICTIONARIES.en[k]), placeholders(DICTIONARIES.id[k]), k);
  }
});

test('the languages differ where words are involved (nothing copied untranslated)', () => {
  const same = (Object.keys(DICTIONARIES.id) as Array<keyof typeof DICTIONARIES.id>).filter((k) => DICTIONARIES.id[k] === DICTIONARIES.en[k]);
  // Language names are written in their own language on both sides; "Email" is Indonesian too.
  assert.deepEqual(same.sort(), ['account.email', 'field.email', 'lang.en', 'lang.id']);
});

test('placeholders are filled; unknown ones stay visible', () => {
  assert.equal(translator('id')('code.wrong', { n: 3 }), 'Kode salah. Sisa percobaan: 3.');
  assert.equal(translator('en')('code.wrong', { n: 3 }), 'Wrong code. Attempts left: 3.');
  assert.equal(translator('en')('code.wrong'), 'Wrong code. Attempts left: {n}.');
});

test('language: the cookie first, then Accept-Language by quality, then Indonesian', () => {
  assert.equal(pickLang(undefined, undefined), 'id');
  assert.equal(pickLang(undefined, ''), 'id');
  assert.equal(pickLang(undefined, 'en-US,en;q=0.9'), 'en');
  assert.equal(pickLang(undefined, 'fr-FR, en;q=0.5, id;q=0.8'), 'id');
  assert.equal(pickLang(undefined, 'de, fr'), 'id');
  assert.equal(pickLang(undefined, 'en;q=0, id;q=0.1'), 'id');
  assert.equal(pickLang('en', 'id-ID'), 'en');
  assert.equal(pickLang('xx', 'en'), 'en', 'an unknown cookie value is ignored');
});
