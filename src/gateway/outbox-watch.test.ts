import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, readdirSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { GammuLogEvent } from './gammu-log.js';
import { Journal } from './journal.js';
import { OutboxWatch, type OutboxWatchOptions } from './outbox-watch.js';
import { SendTracker } from './send-tracker.js';

function setup(over: Partial<OutboxWatchOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-outbox-watch-'));
  const dirs = { inbox: join(dir, 'inbox'), outbox: join(dir, 'outbox'), sent: join(dir, 'sent'), error: join(dir, 'error') };
  for (const d of Object.values(dirs)) mkdirSync(d);
  const stateDir = join(dir, 'state');
  mkdirSync(join(stateDir, 'expired'), { recursive: true });
  const journal = new Journal(stateDir);
  journal.open();
  const tracker = new SendTracker(3);
  let healthy = true;
  const watch = new OutboxWatch({
    dirs,
    stateDir,
    journal,
    tracker,
    log: pino({ level: 'silent' }),
    stuckSeconds: 10,
    raceSettleMs: 0,
    healthy: async () => healthy,
    hasLog: () => false,
    readLog: async () => [],
    ...over,
  });
  const spool = (id: string, file: string, expiresInMs = 60_000) => {
    journal.recordMessage({ id, file, to: '+1', priority: 'normal', expiresAt: new Date(Date.now() + expiresInMs).toISOString(), deliveryReport: false });
    journal.transition(id, 'spooled');
    writeFileSync(join(dirs.outbox, file), 'x');
  };
  const setHealthy = (v: boolean) => (healthy = v);
  return { dirs, stateDir, journal, tracker, watch, spool, setHealthy, done: () => (journal.close(), rmSync(dir, { recursive: true, force: true })) };
}

test('files gammu moved to sent/ and error/ become sent and failed (with the logged reason)', async () => {
  const { dirs, journal, tracker, watch, spool, done } = setup();
  try {
    spool('a', 'OUTB1_a.txt');
    spool('b', 'OUTB2_b.txt');
    await tracker.sendError('Error sending SMS: x', async () => ['OUTB2_b.txt']);
    renameSync(join(dirs.outbox, 'OUTB1_a.txt'), join(dirs.sent, 'OUTB1_a.txt'));
    renameSync(join(dirs.outbox, 'OUTB2_b.txt'), join(dirs.error, 'OUTB2_b.txt'));
    await watch.scan();
    assert.equal(journal.get('a')?.state, 'sent');
    assert.equal(journal.get('b')?.state, 'failed');
    assert.equal(journal.get('b')?.detail, 'gammu: Error sending SMS: x');
  } finally {
    done();
  }
});

test('expiry withdraws a file gammu has not taken, and leaves a taken one alone', async () => {
  const { dirs, stateDir, journal, tracker, watch, spool, done } = setup();
  try {
    spool('gone', 'OUTB1_gone.txt', -1);
    spool('busy', 'OUTB2_busy.txt', -1);
    tracker.attempt('OUTB2_busy.txt');
    await watch.sweep(Date.now());
    assert.equal(journal.get('gone')?.state, 'expired');
    assert.deepEqual(readdirSync(join(stateDir, 'expired')), ['OUTB1_gone.txt']);
    assert.equal(journal.get('busy')?.state, 'spooled');
    assert.deepEqual(readdirSync(dirs.outbox), ['OUTB2_busy.txt']);
  } finally {
    done();
  }
});

test('expiry withdraws a file gammu took once gammu-smsd is down (nothing is sending it; a restarted gammu would send it late), and leaves it while gammu runs or cannot be told', async () => {
  let running: boolean | undefined = true;
  const { dirs, stateDir, journal, tracker, watch, spool, done } = setup({ gammuRunning: async () => running });
  try {
    spool('taken', 'OUTB1_taken.txt', -1);
    tracker.attempt('OUTB1_taken.txt');
    await watch.sweep(Date.now());
    assert.equal(journal.get('taken')?.state, 'spooled', 'gammu runs: it may be sending it');
    running = undefined;
    await watch.sweep(Date.now());
    assert.equal(journal.get('taken')?.state, 'spooled', 'cannot tell: left alone');
    running = false;
    await watch.sweep(Date.now());
    assert.equal(journal.get('taken')?.state, 'expired');
    assert.deepEqual(readdirSync(join(stateDir, 'expired')), ['OUTB1_taken.txt']);
    assert.deepEqual(readdirSync(dirs.outbox), []);
  } finally {
    done();
  }
});

test('the expiry margin: a file within the margin of its expiry is withdrawn before it (gammu needs time to send a file it takes), one outside it stays', async () => {
  const { dirs, stateDir, journal, watch, spool, done } = setup({ expiryMarginMs: 10_000 });
  try {
    spool('close', 'OUTB1_close.txt', 5_000);
    spool('far', 'OUTB2_far.txt', 60_000);
    await watch.sweep(Date.now());
    assert.equal(journal.get('close')?.state, 'expired');
    assert.deepEqual(readdirSync(join(stateDir, 'expired')), ['OUTB1_close.txt']);
    assert.equal(journal.get('far')?.state, 'spooled');
    assert.deepEqual(readdirSync(dirs.outbox), ['OUTB2_far.txt']);
  } finally {
    done();
  }
});

test('the stuck clock runs only while healthy; a stuck head is moved to error/', async () => {
  const { dirs, journal, watch, spool, setHealthy, done } = setup();
  try {
    spool('s', 'OUTB1_s.txt');
    const t0 = Date.now();
    await watch.sweep(t0);
    setHealthy(false);
    await watch.sweep(t0 + 20_000); // unhealthy: the clock starts again
    setHealthy(true);
    await watch.sweep(t0 + 25_000);
    assert.equal(journal.get('s')?.state, 'spooled');
    await watch.sweep(t0 + 30_000);
    assert.equal(journal.get('s')?.state, 'failed');
    assert.match(journal.get('s')?.detail ?? '', /did not send it within 10 s/);
    assert.deepEqual(readdirSync(dirs.error), ['OUTB1_s.txt']);
  } finally {
    done();
  }
});

test('a file gammu transmitted while it was being moved away is sent, not failed', async () => {
  const events: GammuLogEvent[] = [{ kind: 'transmitted', file: 'OUTB1_r.txt', part: 1, total: true, number: '+1', reference: 3 }];
  const { journal, watch, spool, done } = setup({ raceSettleMs: 1, hasLog: () => true, readLog: async () => events });
  try {
    spool('r', 'OUTB1_r.txt');
    await watch.quarantine('OUTB1_r.txt', 'failing');
    assert.equal(journal.get('r')?.state, 'sent');
  } finally {
    done();
  }
});
