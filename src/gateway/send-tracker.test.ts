import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SendTracker } from './send-tracker.js';

/** The outbox, as gammu orders it, holding these files. */
const outbox = (...files: string[]) => async () => files;

test('a failure goes to the file gammu announced, and the reason carries the modem status', async () => {
  const t = new SendTracker(3);
  t.attempt('OUTA1.txt');
  t.sendStatus(500);
  const c = await t.sendError('Error sending SMS: boom', outbox('OUTB9.txt'));
  assert.deepEqual(c, { file: 'OUTA1.txt', count: 1, reason: 'gammu: Error sending SMS: boom (modem status 500)', giveUp: false });
  assert.ok(t.isTaken('OUTA1.txt'));
  // The announcement is used once: the next failure goes to the head.
  assert.equal((await t.sendError('again', outbox('OUTB9.txt')))?.file, 'OUTB9.txt');
});

test('without an announcement the failure goes to the head of the outbox, or to nobody when it is empty', async () => {
  const t = new SendTracker(2);
  assert.equal(await t.sendError('x', outbox()), undefined);
  assert.equal((await t.sendError('x', outbox('OUTA1.txt')))?.giveUp, false);
  const second = await t.sendError('x', outbox('OUTA1.txt'));
  assert.equal(second?.count, 2);
  assert.equal(second?.giveUp, true, 'gives up at maxAttempts');
});

test('a file being moved away gets its own late failures and is not given up twice', async () => {
  const t = new SendTracker(1);
  const inside = await t.whileQuarantining('OUTA1.txt', () => t.sendError('late', outbox('OUTB2.txt')));
  assert.equal(inside?.file, 'OUTA1.txt');
  assert.equal(inside?.giveUp, false);
  assert.equal(t.failure('OUTA1.txt'), undefined, 'count dropped once moved');
});

test('a transmitted last part clears the count; error details; forgetting files that left', async () => {
  const t = new SendTracker(5);
  await t.sendError('Error getting send status of message: timeout', outbox('OUTA1.txt'));
  assert.match(t.errorDetail('OUTA1.txt'), /timeout/);
  t.transmitted('OUTA1.txt', true);
  assert.equal(t.failure('OUTA1.txt'), undefined);
  t.outboxError('OUTB2.txt');
  assert.equal(t.errorDetail('OUTB2.txt'), 'gammu could not read the outbox file');
  assert.equal(t.errorDetail('OUTC3.txt'), 'gammu moved the file to its error folder');
  t.retain(new Set());
  assert.ok(!t.isTaken('OUTA1.txt'));
});

test('a file gammu finished sending is never charged for the failure of the next one (debuglevel 0)', async () => {
  const t = new SendTracker(3);
  t.noteHead('OUTA1_done.txt');
  t.transmitted('OUTA1_done.txt', true); // sent; gammu moves it to sent/
  const c = await t.sendError('Error sending SMS: Unknown error', outbox('OUTB2_next.txt'));
  assert.equal(c?.file, 'OUTB2_next.txt');
  assert.equal(t.failure('OUTA1_done.txt'), undefined);
});

test('a failure before the last part is charged to the file being sent', async () => {
  const t = new SendTracker(3);
  t.transmitted('OUTB1_long.txt', false);
  assert.equal((await t.sendError('x', outbox('OUTA0_new.txt', 'OUTB1_long.txt')))?.file, 'OUTB1_long.txt');
});

test('when another file was written ahead of the one at the head since gammu last finished, no file is charged', async () => {
  const t = new SendTracker(3);
  t.noteHead('OUTB1_old.txt');
  // A high-priority file arrived: gammu may have taken either.
  assert.equal(await t.sendError('x', outbox('OUTA2_new.txt', 'OUTB1_old.txt')), undefined);
  // From then on only the new head was seen: its failures are its own.
  t.noteHead('OUTA2_new.txt');
  assert.equal((await t.sendError('x', outbox('OUTA2_new.txt', 'OUTB1_old.txt')))?.file, 'OUTA2_new.txt');
  assert.equal(t.failure('OUTB1_old.txt'), undefined);
});
