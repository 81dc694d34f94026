import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeOutboxText, decodeOutboxText } from './text.js';

test('text is UTF-16LE with a BOM and round-trips every character', () => {
  const text = 'Kode: 654321 — ✓ 🙂\nbaris dua';
  const buf = encodeOutboxText(text);
  assert.deepEqual([...buf.subarray(0, 2)], [0xff, 0xfe]);
  assert.equal(buf.subarray(2).toString('utf16le'), text);
  assert.equal(decodeOutboxText(buf), text);
});

test('a file without a BOM is read as UTF-8', () => {
  assert.equal(decodeOutboxText(Buffer.from('Kode ✓', 'utf8')), 'Kode ✓');
});
