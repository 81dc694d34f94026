import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, appendFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, canTransition } from './journal.js';
import { LogTailer } from './gammu-log.js';

const msg = { id: 'm1', file: 'OUTB1.txt', to: '+1', priority: 'normal' as const, expiresAt: '2030-01-01T00:00:00.000Z', deliveryReport: true };

test('states only move forward', () => {
  assert.ok(canTransition('writing', 'spooled'));
  assert.ok(canTransition('spooled', 'sent'));
  assert.ok(canTransition('sent', 'delivered'));
  assert.ok(canTransition('sent', 'failed'));
  assert.ok(!canTransition('sent', 'spooled'));
  assert.ok(!canTransition('sent', 'expired'));
  assert.ok(!canTransition('delivered', 'failed'));
  assert.ok(!canTransition('expired', 'sent'));
});

test('survives a restart: messages, parts and pending reports come back; acks stick', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-journal-'));
  try {
    const j = new Journal(dir);
    j.open();
    j.recordMessage(msg);
    assert.equal(j.get('m1')?.state, 'writing');
    assert.ok(j.transition('m1', 'spooled'));
    assert.ok(!j.transition('m1', 'spooled'));
    j.recordTransmitted('m1', { part: 1, total: true, reference: 7, number: '+1' });
    assert.ok(j.transition('m1', 'sent', { parts: 1 }));
    const pending = j.pendingReports();
    assert.deepEqual(pending.map((p) => p.report.status), ['spooled', 'sent']);
    j.ack([pending[0]!.seq]);
    j.close();
    // A torn last line (crash mid-append) is ignored.
    appendFileSync(join(dir, 'journal.jsonl'), '{"t":"state","id":"m1","sta');

    const k = new Journal(dir);
    k.open();
    assert.equal(k.get('m1')?.state, 'sent');
    assert.equal(k.byFile('OUTB1.txt')?.id, 'm1');
    assert.deepEqual(k.get('m1')?.parts.map((p) => p.reference), [7]);
    assert.equal(k.get('m1')?.totalParts, 1);
    assert.deepEqual(k.pendingReports().map((p) => p.report.status), ['sent']);
    // New reports get fresh sequence numbers after the old ones.
    assert.ok(k.transition('m1', 'delivered'));
    const seqs = k.pendingReports().map((p) => p.seq);
    assert.ok(seqs[1]! > seqs[0]!);
    k.ack(seqs);
    assert.equal(k.pendingCount(), 0);
    k.close();
    assert.ok(!readFileSync(join(dir, 'journal.jsonl'), 'utf8').includes('"sta\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compaction drops old finished messages but keeps unacknowledged ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-journal-'));
  try {
    let now = new Date('2026-01-01T00:00:00Z');
    const j = new Journal(dir, { now: () => now });
    j.open();
    j.recordMessage(msg);
    j.transition('m1', 'expired');
    j.ack(j.pendingReports().map((p) => p.seq));
    j.recordMessage({ ...msg, id: 'm2', file: 'OUTB2.txt' });
    j.transition('m2', 'failed', { detail: 'x' });
    j.recordMessage({ ...msg, id: 'm3', file: 'OUTB3.txt' });
    j.transition('m3', 'spooled');
    j.close();
    now = new Date('2026-02-01T00:00:00Z');
    const k = new Journal(dir, { now: () => now });
    k.open();
    assert.equal(k.get('m1'), undefined);
    assert.equal(k.get('m2')?.state, 'failed');
    assert.equal(k.get('m2')?.detail, 'x');
    assert.equal(k.get('m3')?.state, 'spooled');
    k.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the saved gammu log position advances across restarts (the tailer never shares the journal\'s cursor)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-journal-'));
  const log = join(dir, 'smsd.log');
  try {
    appendFileSync(log, 'line 1\n');
    // Three runs of the agent: each reads what is new, saves the position, stops.
    for (let run = 1; run <= 3; run++) {
      const j = new Journal(dir);
      j.open();
      const tailer = new LogTailer(log, j.logPosition());
      await tailer.start({ fromEnd: run === 1 ? false : true });
      const lines = await tailer.poll();
      // Only what was written since the last run, never a replay.
      assert.deepEqual(lines, run === 1 ? ['line 1'] : [`line ${run}`], `run ${run}`);
      j.saveLogPosition(tailer.position()!);
      j.close();
      appendFileSync(log, `line ${run + 1}\n`);
    }
    const j = new Journal(dir);
    j.open();
    assert.equal(j.logPosition()?.offset, readFileSync(log).length - 'line 4\n'.length);
    j.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
