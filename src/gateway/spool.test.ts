import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeOutboxText, decodeOutboxText, writeFileAtomic, withdrawFromOutbox, outboxQueue, removeStaleTemps, pendingWithdrawals, TEMP_PREFIX, WITHDRAWN_PREFIX } from './spool.js';

function tmp() {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-spool-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('text is UTF-16LE with a BOM and round-trips every character', () => {
  const text = 'Kode: 654321 — ✓ 🙂\nbaris dua';
  const buf = encodeOutboxText(text);
  assert.deepEqual([...buf.subarray(0, 2)], [0xff, 0xfe]);
  assert.equal(buf.subarray(2).toString('utf16le'), text);
  assert.equal(decodeOutboxText(buf), text);
});

test('atomic write leaves no temp file and never replaces an existing file', async () => {
  const t = tmp();
  try {
    await writeFileAtomic(t.dir, 'OUTB1.txt', Buffer.from('one'));
    assert.deepEqual(readdirSync(t.dir), ['OUTB1.txt']);
    await assert.rejects(writeFileAtomic(t.dir, 'OUTB1.txt', Buffer.from('two')), /EEXIST/);
    assert.equal(readFileSync(join(t.dir, 'OUTB1.txt'), 'utf8'), 'one');
    assert.deepEqual(readdirSync(t.dir), ['OUTB1.txt']);
  } finally {
    t.done();
  }
});

test('withdraw moves a file out of the outbox, or says gammu already took it', async () => {
  const t = tmp();
  try {
    const out = join(t.dir, 'outbox');
    const dest = join(t.dir, 'expired');
    mkdirSync(out);
    mkdirSync(dest);
    writeFileSync(join(out, 'OUTB1.txt'), 'x');
    assert.equal(await withdrawFromOutbox(out, 'OUTB1.txt', dest), true);
    assert.deepEqual(readdirSync(out), []);
    assert.deepEqual(readdirSync(dest), ['OUTB1.txt']);
    assert.equal(await withdrawFromOutbox(out, 'OUTB1.txt', dest), false);
  } finally {
    t.done();
  }
});

test('queue order and crash leftovers', async () => {
  const t = tmp();
  try {
    for (const n of ['OUTC1.txt', 'OUTA2.txtd', 'OUTB0.txt', '.hidden.txt', TEMP_PREFIX + 'OUTA0.txt', WITHDRAWN_PREFIX + 'OUTB9.txt', 'note.md']) writeFileSync(join(t.dir, n), 'x');
    assert.deepEqual(await outboxQueue(t.dir), ['OUTA2.txtd', 'OUTB0.txt', 'OUTC1.txt']);
    assert.deepEqual(await removeStaleTemps(t.dir), ['OUTA0.txt']);
    assert.deepEqual(await pendingWithdrawals(t.dir), ['OUTB9.txt']);
  } finally {
    t.done();
  }
});
