import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { basename, join, normalize } from 'node:path';
import { buildOutboxName, parseOutboxName, messageToken, isGammuOutboxCandidate, parseInboxName, InvalidRecipientError, MAX_NAME_BYTES } from './names.js';

const at = new Date('2026-01-02T03:04:05Z');

test('outbox name: priority letter, UTC time, serial, recipient, id and d flag', () => {
  const name = buildOutboxName({ priority: 'high', createdAt: at, serial: 1234, to: '+6281234567890', messageId: 'msg_01jd8w9k3f4q2x7r0c5v6b8n2m', deliveryReport: true });
  assert.equal(name, 'OUTA20260102_030405_234_+6281234567890_msg_01jd8w9k3f4q2x7r0c5v6b8n2m.txtd');
  assert.deepEqual(parseOutboxName(name), { priority: 'A', recipient: '+6281234567890', token: 'msg_01jd8w9k3f4q2x7r0c5v6b8n2m', deliveryReport: true });
  const low = buildOutboxName({ priority: 'low', createdAt: at, serial: 0, to: '0812', messageId: 'x', deliveryReport: false });
  assert.equal(low, 'OUTC20260102_030405_000_0812_x.txt');
  assert.ok(isGammuOutboxCandidate(name) && isGammuOutboxCandidate(low));
  // gammu takes files alphabetically: high before normal before low.
  const names = (['low', 'normal', 'high'] as const).map((priority) => buildOutboxName({ priority, createdAt: at, serial: 0, to: '1', messageId: priority, deliveryReport: false }));
  assert.deepEqual([...names].sort().map((n) => n[3]), ['A', 'B', 'C']);
});

test('recipients gammu would mangle are refused', () => {
  for (const to of ['', '+', '12a', '+62 812', '0'.repeat(16), '../1', '1;rm', '*123#']) {
    assert.throws(() => buildOutboxName({ priority: 'normal', createdAt: at, serial: 0, to, messageId: 'm', deliveryReport: false }), InvalidRecipientError, to);
  }
});

test('tokens: safe ids kept, anything else sanitised and made unique by a hash', () => {
  assert.equal(messageToken('msg_abc-1'), 'msg_abc-1');
  const a = messageToken('../etc/passwd');
  assert.match(a, /^[A-Za-z0-9_-]+$/);
  assert.notEqual(messageToken('a/b'), messageToken('a;b'));
  assert.ok(messageToken('x'.repeat(64)).length <= 48);
});

test('property: any hostile input gives a safe, short name that stays in the outbox', () => {
  const hostile = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.constantFrom('../', '/', '\u0000', '\n', '..', '.', '; rm -rf /', '$(reboot)', '`id`', 'é✓🙂', ' '),
    fc.array(fc.constantFrom('../', '/', 'a', '\u0000', '\n', '_', '.', '-', '😀'), { maxLength: 80 }).map((a) => a.join('')),
  );
  const recipient = fc.oneof(fc.stringMatching(/^\+?[0-9]{1,15}$/), hostile, fc.stringMatching(/^[0-9]{16,200}$/));
  fc.assert(
    fc.property(hostile.filter((s) => s.length > 0), recipient, fc.integer(), fc.date({ noInvalidDate: false }), fc.constantFrom('high', 'normal', 'low') as fc.Arbitrary<'high' | 'normal' | 'low'>, fc.boolean(), (id, to, serial, createdAt, priority, dr) => {
      let name: string;
      try {
        name = buildOutboxName({ priority, createdAt, serial, to, messageId: id, deliveryReport: dr });
      } catch (err) {
        assert.ok(err instanceof InvalidRecipientError);
        assert.ok(!/^\+?[0-9]{1,15}$/.test(to));
        return;
      }
      assert.match(name, /^[A-Za-z0-9+_.-]+$/);
      assert.ok(Buffer.byteLength(name) <= MAX_NAME_BYTES, name);
      assert.equal(basename(name), name);
      assert.equal(normalize(join('/spool/outbox', name)), join('/spool/outbox', name));
      assert.ok(isGammuOutboxCandidate(name));
      const parsed = parseOutboxName(name);
      assert.ok(parsed);
      assert.equal(parsed.recipient, to);
      assert.equal(parsed.token, messageToken(id));
      assert.equal(parsed.deliveryReport, dr);
      // Exactly 1 or 3 underscores would send the file to error/.
      const underscores = name.split('_').length - 1;
      assert.ok(underscores >= 4);
    }),
    { numRuns: 2000 },
  );
});

test('property: different ids never share a token', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 100 }), fc.string({ minLength: 1, maxLength: 100 }), (a, b) => {
      fc.pre(a !== b);
      assert.notEqual(messageToken(a), messageToken(b));
    }),
    { numRuns: 2000 },
  );
});

test('gammu outbox candidates and inbox names', () => {
  assert.equal(isGammuOutboxCandidate('.kirim-tmp-OUTA1.txt'), false);
  assert.equal(isGammuOutboxCandidate('OUT123.txt.tmp'), false);
  assert.equal(isGammuOutboxCandidate('out+62.TXTd'), true);
  assert.equal(isGammuOutboxCandidate('IN1.txt'), false);
  assert.deepEqual(parseInboxName('IN20260102_030405_00_+6281234_01.txt'), { date: '20260102', time: '030405', serial: '00', sender: '+6281234', part: 1, ext: 'txt' });
  assert.equal(parseInboxName('IN20260102_030405_00_Shop&touch Q_00.txt')?.sender, 'Shop&touch Q');
  assert.equal(parseInboxName('OUT1.txt'), undefined);
});
