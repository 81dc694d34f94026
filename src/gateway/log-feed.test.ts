import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GammuLogEvent } from './gammu-log.js';
import { Journal } from './journal.js';
import { GammuLogFeed } from './log-feed.js';

const line = (msg: string) => `Wed 2026/11/25 10:00:00 gammu-smsd[42]: ${msg}\n`;

test('events are applied in order and not again after a restart; an old log is not replayed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-feed-'));
  const log = join(dir, 'smsd.log');
  writeFileSync(log, line('Error sending SMS: ancient'));
  try {
    const run = async (write: string) => {
      const journal = new Journal(join(dir, 'state'));
      journal.open();
      const feed = new GammuLogFeed(log, journal);
      await feed.start();
      if (write) appendFileSync(log, write);
      const seen: GammuLogEvent['kind'][] = [];
      const returned = await feed.drain(async (ev) => void seen.push(ev.kind));
      journal.close();
      assert.deepEqual(returned.map((e) => e.kind), seen);
      return seen;
    };
    assert.deepEqual(await run(line('Transmitted OUTA1.txt (total: 1) to +1, message reference 0x01') + line('noise') + line('Error sending SMS: x')), ['transmitted', 'send-error']);
    assert.deepEqual(await run(''), [], 'nothing read twice');
    assert.deepEqual(await run(line('Error in outbox on \'OUTA2.txt\'')), ['outbox-error']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a log file the feed is empty', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-feed-'));
  try {
    const journal = new Journal(dir);
    journal.open();
    const feed = new GammuLogFeed(undefined, journal);
    await feed.start();
    assert.equal(feed.available, false);
    assert.deepEqual(await feed.drain(async () => assert.fail('no events')), []);
    journal.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
