import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { decodeOutboxText } from '../gammu/text.js';
import { TEMP_PREFIX } from '../gammu/atomic-write.js';
import { Journal } from './journal.js';
import { Spooler } from './spooler.js';
import { WITHDRAWN_PREFIX } from './spool.js';
import { leased } from './test-server.js';

function setup(expiryMarginMs = 0) {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-spooler-'));
  const dirs = { inbox: join(dir, 'inbox'), outbox: join(dir, 'outbox'), sent: join(dir, 'sent'), error: join(dir, 'error') };
  for (const d of Object.values(dirs)) mkdirSync(d);
  const state = join(dir, 'state');
  for (const d of ['', 'withdrawn', 'expired']) mkdirSync(join(state, d), { recursive: true });
  const journal = new Journal(state);
  journal.open();
  const spooler = new Spooler(dirs, state, journal, pino({ level: 'silent' }), expiryMarginMs);
  return { dir, dirs, state, journal, spooler, done: () => (journal.close(), rmSync(dir, { recursive: true, force: true })) };
}

test('a leased message is written once, as UTF-16 text; leased again, its reports are queued again instead', async () => {
  const { dirs, journal, spooler, done } = setup();
  try {
    const m = leased({ id: 'msg_1', text: 'Kode ✓ 123456' });
    await spooler.handleLeased(m);
    const files = readdirSync(dirs.outbox);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^OUTB\d{8}_\d{6}_000_\+6281234567890_msg_1\.txt$/);
    assert.equal(decodeOutboxText(readFileSync(join(dirs.outbox, files[0]!))), 'Kode ✓ 123456');
    assert.equal(journal.get('msg_1')?.state, 'spooled');
    const before = journal.pendingCount();
    await spooler.handleLeased(m);
    assert.equal(readdirSync(dirs.outbox).length, 1);
    assert.equal(journal.pendingCount(), before + 1, 'spooled reported again');
  } finally {
    done();
  }
});

test('expired or unsendable messages are reported, never written', async () => {
  const { dirs, journal, spooler, done } = setup();
  try {
    await spooler.handleLeased(leased({ id: 'late', expires_at: new Date(Date.now() - 1000).toISOString() }));
    await spooler.handleLeased(leased({ id: 'bad', to: 'Shop;rm -rf' }));
    assert.deepEqual(readdirSync(dirs.outbox), []);
    assert.equal(journal.get('late')?.state, 'expired');
    assert.equal(journal.get('bad')?.state, 'failed');
  } finally {
    done();
  }
});

test('a message leased within the expiry margin is reported expired and never written; one with time to spare is written', async () => {
  const { dirs, journal, spooler, done } = setup(10_000);
  try {
    await spooler.handleLeased(leased({ id: 'close', expires_at: new Date(Date.now() + 5_000).toISOString() }));
    assert.deepEqual(readdirSync(dirs.outbox), []);
    assert.equal(journal.get('close')?.state, 'expired');
    assert.match(journal.get('close')?.detail ?? '', /within 10 s of its expiry/);
    await spooler.handleLeased(leased({ id: 'far', expires_at: new Date(Date.now() + 60_000).toISOString() }));
    assert.equal(readdirSync(dirs.outbox).length, 1);
    assert.equal(journal.get('far')?.state, 'spooled');
  } finally {
    done();
  }
});

test('a claim answered only once the message is within the expiry margin writes nothing', async () => {
  const { dirs, journal, spooler, done } = setup(10_000);
  try {
    const m = leased({ id: 'slow', expires_at: new Date(Date.now() + 10_500).toISOString() });
    await spooler.handleLeased(m, async () => {
      // The claim's retries ran until the message came within the margin.
      await new Promise((r) => setTimeout(r, 600));
      return { outcome: 'claimed' };
    });
    assert.deepEqual(readdirSync(dirs.outbox), []);
    assert.equal(journal.get('slow')?.state, 'expired');
  } finally {
    done();
  }
});

test('recovery: temp files removed, an interrupted withdrawal finished and failed, a completed write found', async () => {
  const { dirs, state, journal, spooler, done } = setup();
  try {
    const future = new Date(Date.now() + 60_000).toISOString();
    journal.recordMessage({ id: 'w', file: 'OUTB1_w.txt', to: '+1', priority: 'normal', expiresAt: future, deliveryReport: false });
    journal.transition('w', 'spooled');
    journal.recordMessage({ id: 'x', file: 'OUTB2_x.txt', to: '+1', priority: 'normal', expiresAt: future, deliveryReport: false });
    writeFileSync(join(dirs.outbox, TEMP_PREFIX + 'OUTB3.txt'), 'half');
    writeFileSync(join(dirs.outbox, WITHDRAWN_PREFIX + 'OUTB1_w.txt'), 'x');
    writeFileSync(join(dirs.sent, 'OUTB2_x.txt'), 'x');
    await spooler.recover();
    assert.deepEqual(readdirSync(dirs.outbox), []);
    assert.deepEqual(readdirSync(join(state, 'withdrawn')), ['OUTB1_w.txt']);
    assert.equal(journal.get('w')?.state, 'failed');
    assert.equal(journal.get('x')?.state, 'spooled');
  } finally {
    done();
  }
});

test('recovery: a withdrawal whose file had left the outbox when the agent died ends as it would have (found by the chaos test: the message stayed spooled for good)', async () => {
  const { state, journal, spooler, done } = setup();
  try {
    const past = new Date(Date.now() - 1_000).toISOString();
    const future = new Date(Date.now() + 60_000).toISOString();
    const spooled = (id: string, expiresAt: string) => {
      journal.recordMessage({ id, file: `OUTB_${id}.txt`, to: '+1', priority: 'normal', expiresAt, deliveryReport: false });
      journal.transition(id, 'spooled');
    };
    spooled('late', past); // taken back at its expiry
    writeFileSync(join(state, 'expired', 'OUTB_late.txt'), 'x');
    spooled('raced', past); // taken back at its expiry, but gammu's log shows it sent
    writeFileSync(join(state, 'expired', 'OUTB_raced.txt'), 'x');
    journal.recordTransmitted('raced', { part: 1, total: true, reference: 7, number: '+1' });
    spooled('refused', future); // taken back after the server refused its report
    writeFileSync(join(state, 'withdrawn', 'OUTB_refused.txt'), 'x');
    spooled('waiting', future); // still with gammu: untouched
    await spooler.recover();
    assert.equal(journal.get('late')?.state, 'expired');
    assert.equal(journal.get('raced')?.state, 'sent');
    assert.equal(journal.get('refused')?.state, 'withdrawn');
    assert.equal(journal.get('waiting')?.state, 'spooled');
  } finally {
    done();
  }
});
