import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';

function tmp() {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-atomic-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

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

test('a write into a missing folder fails and creates nothing', async () => {
  const t = tmp();
  try {
    await assert.rejects(writeFileAtomic(join(t.dir, 'nope'), 'OUTB1.txt', Buffer.from('x')), /ENOENT/);
    assert.deepEqual(readdirSync(t.dir), []);
  } finally {
    t.done();
  }
});
