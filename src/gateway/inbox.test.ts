import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupInboxFiles, decodeInboxFile, decodeSmsBackup, type InboxFile } from './inbox.js';
import { parseInboxName } from '../gammu/names.js';

function f(name: string, mtimeMs: number): InboxFile {
  return { name, parsed: parseInboxName(name)!, mtimeMs };
}

test('parts are joined per sender and serial in write order, even with different timestamps', () => {
  const groups = groupInboxFiles([
    f('IN20260101_000001_00_+62811_01.txt', 11),
    f('IN20260101_000000_00_+62811_00.txt', 10),
    f('IN20260101_000002_00_+62811_02.txt', 12),
    f('IN20260101_000500_00_+62811_00.txt', 50),
    f('IN20260101_000000_01_+62811_00.txt', 10),
    f('IN20260101_000000_00_+62899_00.txt', 9),
  ]);
  assert.deepEqual(
    groups.map((g) => g.files.map((x) => x.name)),
    [
      ['IN20260101_000000_00_+62899_00.txt'],
      ['IN20260101_000000_00_+62811_00.txt', 'IN20260101_000001_00_+62811_01.txt', 'IN20260101_000002_00_+62811_02.txt'],
      ['IN20260101_000000_01_+62811_00.txt'],
      ['IN20260101_000500_00_+62811_00.txt'],
    ],
  );
  assert.equal(groups[1]!.key, 'IN20260101_000000_00_+62811_00.txt');
});

test('decodes standard, unicode and detail formats', () => {
  assert.equal(decodeInboxFile('IN_x.txt', Buffer.from('Halo ✓', 'utf8')).text, 'Halo ✓');
  const be = Buffer.from('Halo ✓', 'utf16le').swap16();
  assert.equal(decodeInboxFile('IN_x.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), be, Buffer.from([0, 0])])).text, 'Halo ✓');
  const hex = Buffer.from('Delivered', 'utf16le').swap16().toString('hex').toUpperCase();
  const backup = `[SMSBackup000]\nNumber = "+6281234"\nText00 = ${hex}\nPDU = Status_Report\nMessageReference = 26\n`;
  assert.deepEqual(decodeSmsBackup(backup).statusReport, { status: 'Delivered', reference: 26, number: '+6281234' });
  const two = `[SMSBackup000]\nNumber = "+1"\nText00 = ${Buffer.from('ab', 'utf16le').swap16().toString('hex')}\nPDU = Deliver\n[SMSBackup001]\nText00 = ${Buffer.from('cd', 'utf16le').swap16().toString('hex')}\n`;
  assert.deepEqual(decodeInboxFile('IN_x.smsbackup', Buffer.from(two)), { text: 'abcd', parts: 2 });
  // inboxformat = detail names its files .txt: the content decides.
  assert.equal(decodeInboxFile('IN20260101_000000_00_+1_00.txt', Buffer.from('; comment\n' + backup)).statusReport?.reference, 26);
});
