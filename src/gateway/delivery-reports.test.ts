import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DeliveryReports, sameNumber } from './delivery-reports.js';
import { Journal } from './journal.js';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-dr-'));
  const journal = new Journal(dir);
  journal.open();
  const reports = new DeliveryReports(journal, pino({ level: 'silent' }));
  const sent = (id: string, to: string, refs: number[]) => {
    journal.recordMessage({ id, file: `OUTB_${id}.txtd`, to, priority: 'normal', expiresAt: new Date(Date.now() + 60_000).toISOString(), deliveryReport: true });
    journal.transition(id, 'spooled');
    refs.forEach((reference, i) => journal.recordTransmitted(id, { part: i + 1, total: i === refs.length - 1, reference, number: to }));
    journal.transition(id, 'sent');
  };
  return { journal, reports, sent, done: () => (journal.close(), rmSync(dir, { recursive: true, force: true })) };
}

test('numbers written differently still match', () => {
  assert.ok(sameNumber('+6281234567890', '6281234567890'));
  assert.ok(sameNumber('+6281234567890', '081234567890'));
  assert.ok(!sameNumber('+6281234567890', '+6281234567891'));
  assert.ok(!sameNumber('+62812', '812'));
  assert.ok(sameNumber('Shop', 'Shop'));
});

test('matched by reference; delivered only when every part is', () => {
  const { journal, reports, sent, done } = setup();
  try {
    sent('a', '+6281200000001', [7, 8]);
    sent('b', '+6281200000001', [9]);
    assert.equal(reports.apply({ status: 'Delivered', number: '081200000001', reference: 9 }), true);
    assert.equal(journal.get('b')?.state, 'delivered');
    assert.equal(reports.apply({ status: 'Delivered', number: '+6281200000001', reference: 7 }), true);
    assert.equal(journal.get('a')?.state, 'sent', 'one part of two');
    reports.apply({ status: 'Delivered', number: '+6281200000001', reference: 8 });
    assert.equal(journal.get('a')?.state, 'delivered');
    assert.equal(reports.apply({ status: 'Delivered', number: '+6281200000001', reference: 99 }), false, 'matches nothing');
  } finally {
    done();
  }
});

test('without a reference the oldest waiting part is taken; a failed part fails the message', () => {
  const { journal, reports, sent, done } = setup();
  try {
    sent('old', '+6281200000002', [1]);
    sent('new', '+6281200000002', [2]);
    assert.equal(reports.apply({ status: 'Failed', number: '+6281200000002' }), true);
    assert.equal(journal.get('old')?.state, 'failed');
    assert.match(journal.get('old')?.detail ?? '', /not delivered \(part 1\)/);
    assert.equal(journal.get('new')?.state, 'sent');
  } finally {
    done();
  }
});
