import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { handsetFileName, listHandsets, readHandset, statePaths, waitForHandsetMessage, ensureStateDir, type HandsetMessage } from './state.js';
import { sendControl } from './control.js';

const msg = (text: string): HandsetMessage => ({
  number: '+62811',
  text,
  encoding: 'gsm7',
  parts: 1,
  references: [1],
  received_at: new Date().toISOString(),
  flash: false,
  delivery_report_requested: false,
  concat_ref: null,
});

function tempState(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kirim-modem-sim-state-'));
  ensureStateDir(dir);
  return dir;
}

test('readHandset ignores a last line still being written', () => {
  const dir = tempState();
  const file = path.join(statePaths(dir).handsets, handsetFileName('+62811'));
  fs.writeFileSync(file, JSON.stringify(msg('one')) + '\n' + JSON.stringify(msg('two')).slice(0, 20));
  assert.deepEqual(readHandset(dir, '+62811').map((m) => m.text), ['one']);
  assert.deepEqual(listHandsets(dir), ['+62811']);
  assert.deepEqual(readHandset(dir, '+999'), []);
});

test('handset file names cannot leave the folder', () => {
  assert.equal(handsetFileName('../../etc/x'), '______etc_x.jsonl');
  assert.equal(handsetFileName('+6281234'), '+6281234.jsonl');
});

test('waitForHandsetMessage resolves on a later append and times out readably', async () => {
  const dir = tempState();
  const file = path.join(statePaths(dir).handsets, handsetFileName('+62811'));
  setTimeout(() => fs.appendFileSync(file, JSON.stringify(msg('late')) + '\n'), 150);
  const m = await waitForHandsetMessage(dir, '+62811', { timeoutMs: 3000, match: (x) => x.text === 'late' });
  assert.equal(m.text, 'late');
  await assert.rejects(
    waitForHandsetMessage(dir, '+62811', { timeoutMs: 200, skip: 1 }),
    /no matching message for \+62811 within 200 ms \(received: "late"\)/,
  );
});

test('control commands are validated before they are dropped, and files sort in send order', () => {
  const dir = tempState();
  assert.throws(() => sendControl(dir, { type: 'report', reference: 300, status: 'delivered' }), /0\.\.255/);
  assert.throws(() => sendControl(dir, { type: 'inject', from: 'a-name-far-too-long', text: 'x' }), /11 characters/);
  const a = sendControl(dir, { type: 'clear-faults' });
  const b = sendControl(dir, { type: 'clear-faults' });
  assert.ok(path.basename(a.file) < path.basename(b.file));
  assert.deepEqual(fs.readdirSync(statePaths(dir).control).filter((f) => f.startsWith('.')), [], 'no temp file left');
});
