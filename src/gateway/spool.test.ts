import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withdrawFromOutbox, outboxQueue, removeStaleTemps, pendingWithdrawals, UnsafeFileNameError, WITHDRAWN_PREFIX } from './spool.js';
import { TEMP_PREFIX } from '../gammu/atomic-write.js';

function tmp() {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-spool-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

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

test('withdraw refuses a name that climbs out of the outbox (found by fuzzing: `..` from the log moved the spool folder)', async () => {
  const t = tmp();
  try {
    const out = join(t.dir, 'spool', 'outbox');
    const dest = join(t.dir, 'spool', 'error');
    mkdirSync(out, { recursive: true });
    mkdirSync(dest);
    mkdirSync(join(t.dir, 'outside'));
    writeFileSync(join(t.dir, 'outside', 'victim.txt'), 'keep me');
    for (const name of ['..', '.', '../../outside/victim.txt', 'a/b', '']) {
      await assert.rejects(withdrawFromOutbox(out, name, dest), UnsafeFileNameError, name);
    }
    assert.deepEqual(readdirSync(join(t.dir, 'outside')), ['victim.txt']);
    assert.deepEqual(readdirSync(join(t.dir, 'spool')).sort(), ['error', 'outbox']);
  } finally {
    t.done();
  }
});
