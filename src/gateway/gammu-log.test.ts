import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, appendFileSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGammuLogLine, LogTailer } from './gammu-log.js';

const P = 'Wed 2026/11/25 23:07:41 gammu-smsd[9624]: ';

test('parses the lines the agent relies on (as gammu 1.42 writes them)', () => {
  assert.deepEqual(parseGammuLogLine(P + 'Transmitted OUTA20240101_000000_00_+6281235_msg2.txt (total: 1) to +6281235, message reference 0xff'), {
    kind: 'transmitted',
    file: 'OUTA20240101_000000_00_+6281235_msg2.txt',
    part: 1,
    total: true,
    number: '+6281235',
    reference: 255,
  });
  assert.equal((parseGammuLogLine(P + 'Transmitted OUTB1.txtd (part: 1) to +1, message reference 0x0a') as { total: boolean }).total, false);
  assert.deepEqual(parseGammuLogLine(P + 'New message to send: OUTB1.txt'), { kind: 'attempt', file: 'OUTB1.txt' });
  assert.deepEqual(parseGammuLogLine(P + 'Error getting send status of message: Unknown error. (UNKNOWN[27])'), {
    kind: 'send-error',
    reason: 'Error getting send status of message: Unknown error. (UNKNOWN[27])',
  });
  assert.equal(parseGammuLogLine(P + 'Error sending SMS: No response in specified timeout. (TIMEOUT[14])')?.kind, 'send-error');
  assert.deepEqual(parseGammuLogLine(P + 'SMS sent on device: "/dev/ttyUSB0" status=500, reference=-1'), { kind: 'send-status', status: 500, reference: -1 });
  assert.deepEqual(parseGammuLogLine(P + "Error in outbox on 'OUTx_1.txt'"), { kind: 'outbox-error', file: 'OUTx_1.txt' });
  assert.deepEqual(parseGammuLogLine(P + 'Delivery report IN20260101_000000_00_+62812_00.txt'), { kind: 'saved', file: 'IN20260101_000000_00_+62812_00.txt', report: true });
  assert.deepEqual(parseGammuLogLine(P + 'Received IN20260101_000000_00_+62812_00.txt'), { kind: 'saved', file: 'IN20260101_000000_00_+62812_00.txt', report: false });
  assert.deepEqual(parseGammuLogLine(P + 'Delivery report: Delivered to +62812, message reference 0x1a'), { kind: 'delivery-report', status: 'Delivered', number: '+62812', reference: 26 });
  assert.equal(parseGammuLogLine(P + 'Found 1 sms to "+1" with text "secret" cod 1'), undefined);
});

test('tailer returns whole lines only, follows truncation and rotation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-log-'));
  try {
    const f = join(dir, 'smsd.log');
    writeFileSync(f, 'old line\n');
    const t = new LogTailer(f);
    await t.start();
    assert.deepEqual(await t.poll(), []);
    appendFileSync(f, 'a\nb');
    assert.deepEqual(await t.poll(), ['a']);
    appendFileSync(f, 'c\n');
    assert.deepEqual(await t.poll(), ['bc']);
    const pos = t.position()!;
    // A new tailer from the saved cursor goes on where the old one stopped.
    appendFileSync(f, 'd\n');
    const t2 = new LogTailer(f, pos);
    await t2.start();
    assert.deepEqual(await t2.poll(), ['d']);
    renameSync(f, f + '.1');
    writeFileSync(f, 'rotated\n');
    assert.deepEqual(await t2.poll(), ['rotated']);
    writeFileSync(f, '');
    appendFileSync(f, 'x\n');
    assert.deepEqual(await t2.poll(), ['x']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a log line naming a file outside the folder (.., ../x, a/b) is rejected, not an event (found by fuzzing: the agent moved the spool folder itself)', () => {
  for (const f of ['..', '.', '../outside/victim.txt', 'a/b', '/etc/passwd']) {
    assert.equal(parseGammuLogLine(`${P}New message to send: ${f}`), undefined, f);
    assert.equal(parseGammuLogLine(`${P}Transmitted ${f} (total: 1) to +6281235, message reference 0x1`), undefined, f);
    assert.equal(parseGammuLogLine(`${P}Error in outbox on '${f}'`), undefined, f);
  }
  assert.equal(parseGammuLogLine(`${P}Received IN../../x`), undefined);
  assert.deepEqual(parseGammuLogLine(`${P}New message to send: OUTB..txt`), { kind: 'attempt', file: 'OUTB..txt' });
});
