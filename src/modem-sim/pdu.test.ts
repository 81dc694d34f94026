import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeDeliver,
  decodeStatusReport,
  decodeSubmit,
  encodeDeliver,
  encodeDeliverParts,
  encodeStatusReport,
  encodeSubmit,
  PduError,
  splitText,
  chooseEncoding,
} from './pdu.js';
import { GSM7_BASIC, GSM7_EXTENSION, packSeptets, textToSeptets, unpackSeptets } from './gsm7.js';

// PDUs gammu-smsd 1.42 sent to the simulator over AT+CMGS (transmitformat =
// auto, deliveryreport = sms, SMSC +10000000000 from AT+CSCA?).
const GAMMU = {
  // OUTA_+6281234567890_1.txt containing 'Hello € [x] {y} ~ | ^ \ test'
  gsm7Ext:
    '07910100000000F031000D91261832547698F00000FF25C8329BFD066DCAA00D0FBFF18136A8FC2605DAF4401B206843016D5E207A794E07',
  // UTF-16LE file with BOM: 'Kode: 654321 — ✓ 😀'
  ucs2:
    '07910100000000F031000D91261832547698F10008FF26004B006F00640065003A002000360035003400330032003100202014002027130020D83DDE00',
  // 400 characters: 'x' * 10 + 'abcdefghij' * 39, three parts, concatenation reference 0x37
  multipart: [
    '07910100000000F071000D91261832547698F20000FFA0050003370301F0783C1E8FC7E3F1F8B0784C2E9BCFE8B43A2C1E93CBE6333AAD0E8BC7E4B2F98C4EABC3E231B96C3EA3D3EAB0784C2E9BCFE8B43A2C1E93CBE6333AAD0E8BC7E4B2F98C4EABC3E231B96C3EA3D3EAB0784C2E9BCFE8B43A2C1E93CBE6333AAD0E8BC7E4B2F98C4EABC3E231B96C3EA3D3EAB0784C2E9BCFE8B43A2C1E93CBE6333AAD0E8BC7',
    '07910100000000F071000D91261832547698F20000FFA0050003370302C865F3199D5687C56372D97C46A7D561F1985C369FD16975583C2697CD67745A1D168FC965F3199D5687C56372D97C46A7D561F1985C369FD16975583C2697CD67745A1D168FC965F3199D5687C56372D97C46A7D561F1985C369FD16975583C2697CD67745A1D168FC965F3199D5687C56372D97C46A7D561F1985C369FD16975583C2697CD',
    '07910100000000F071000D91261832547698F20000FF65050003370303CEE8B43A2C1E93CBE6333AAD0E8BC7E4B2F98C4EABC3E231B96C3EA3D3EAB0784C2E9BCFE8B43A2C1E93CBE6333AAD0E8BC7E4B2F98C4EABC3E231B96C3EA3D3EAB0784C2E9BCFE8B43A2C1E93CBE6333AAD06',
  ],
};
const LONG = 'x'.repeat(10) + 'abcdefghij'.repeat(39);

test('decodes the classic SMS-SUBMIT example (TS 23.040 style, no SMSC)', () => {
  const p = decodeSubmit('0011000B916407281553F80000AA0AE8329BFD4697D9EC37', 23);
  assert.equal(p.to, '+46708251358');
  assert.equal(p.userData.text, 'hellohello');
  assert.equal(p.userData.encoding, 'gsm7');
  assert.equal(p.smsc, null);
  assert.equal(p.statusReportRequested, false);
});

test('decodes gammu GSM-7 with the extension table (€ [ ] { } ~ | ^ \\)', () => {
  const p = decodeSubmit(GAMMU.gsm7Ext);
  assert.equal(p.smsc, '+10000000000');
  assert.equal(p.to, '+6281234567890');
  assert.equal(p.userData.text, 'Hello € [x] {y} ~ | ^ \\ test');
  assert.equal(p.statusReportRequested, true);
  assert.equal(p.flash, false);
});

test('decodes gammu UCS-2 with a surrogate pair (emoji)', () => {
  const p = decodeSubmit(GAMMU.ucs2);
  assert.equal(p.userData.encoding, 'ucs2');
  assert.equal(p.userData.text, 'Kode: 654321 — ✓ 😀');
});

test('decodes gammu multipart with an 8-bit concatenation header and joins it', () => {
  const parts = GAMMU.multipart.map((h) => decodeSubmit(h));
  assert.deepEqual(
    parts.map((p) => p.userData.concat),
    [1, 2, 3].map((seq) => ({ ref: 0x37, total: 3, seq, refBits: 8 })),
  );
  assert.deepEqual(parts.map((p) => [...p.userData.text].length), [153, 153, 94]);
  assert.equal(parts.map((p) => p.userData.text).join(''), LONG);
});

test('our encoder produces byte-identical PDUs to gammu for the same input', () => {
  const common = { to: '+6281234567890', smsc: '+10000000000', statusReportRequest: true } as const;
  assert.equal(
    encodeSubmit({ ...common, encoding: 'gsm7', text: 'Hello € [x] {y} ~ | ^ \\ test' }).hex,
    GAMMU.gsm7Ext,
  );
  assert.equal(encodeSubmit({ ...common, to: '+6281234567891', encoding: 'ucs2', text: 'Kode: 654321 — ✓ 😀' }).hex, GAMMU.ucs2);
  const texts = splitText(LONG, 'gsm7');
  texts.forEach((text, i) => {
    const hex = encodeSubmit({
      ...common,
      to: '+6281234567892',
      encoding: 'gsm7',
      text,
      concat: { ref: 0x37, total: 3, seq: i + 1, refBits: 8 },
    }).hex;
    assert.equal(hex, GAMMU.multipart[i]);
  });
});

test('decodes a 16-bit concatenation reference, 8-bit data and flash classes', () => {
  const p16 = encodeSubmit({ to: '123', encoding: 'gsm7', text: 'A{', concat: { ref: 0xbeef, total: 2, seq: 2, refBits: 16 } });
  const d16 = decodeSubmit(p16.hex, p16.tpduLength);
  assert.deepEqual(d16.userData.concat, { ref: 0xbeef, total: 2, seq: 2, refBits: 16 });
  assert.equal(d16.userData.text, 'A{');
  assert.equal(d16.to, '123');

  const bin = encodeSubmit({ to: '+1', encoding: '8bit', data: new Uint8Array([0, 1, 0xfe, 0xff]) });
  const dbin = decodeSubmit(bin.hex);
  assert.equal(dbin.userData.encoding, '8bit');
  assert.deepEqual([...dbin.userData.data], [0, 1, 0xfe, 0xff]);

  // gammu's flag `f` sends DCS F0; the general group with class 0 is 0x10 / 0x18.
  const f0 = decodeSubmit('0011000B916407281553F800F0AA0AE8329BFD4697D9EC37');
  assert.equal(f0.flash, true);
  assert.equal(f0.userData.text, 'hellohello');
  assert.equal(decodeSubmit(encodeSubmit({ to: '+1', encoding: 'ucs2', text: 'é', flash: true }).hex).flash, true);
  assert.equal(decodeSubmit(GAMMU.ucs2).flash, false);
});

test('alphanumeric addresses round-trip', () => {
  const d = encodeDeliver({ from: 'Shop&touch', encoding: 'gsm7', text: 'hi' });
  assert.equal(decodeDeliver(d.hex).from, 'Shop&touch');
});

test('malformed PDUs throw PduError', () => {
  const bad = [
    '', // no SMSC length
    '0', // odd
    'ZZ', // not hex
    '0011000B916407281553F80000AA0AE8329BFD4697D9EC', // user data cut short
    '0011000B916407281553F80000AA0AE8329BFD4697D9EC3700', // trailing octet
    '0000000B916407281553F80000AA0AE8329BFD4697D9EC37', // SMS-DELIVER type, not SUBMIT
    '0011000B916407281553F80000AAA1' + '00'.repeat(141), // UDL 161 septets
    '0051000B916407281553F80000AA0A0900030102' + '00'.repeat(4), // UDH longer than user data
    '0011001B916407281553F80000AA00', // address of 27 digits
    '0011000B916407281553F80020AA00', // compressed text
  ];
  for (const hex of bad) assert.throws(() => decodeSubmit(hex), PduError, hex);
  assert.throws(() => decodeSubmit('0011000B916407281553F80000AA0AE8329BFD4697D9EC37', 22), PduError, 'length mismatch');
});

test('GSM-7 tables: every basic and extension character round-trips through packing', () => {
  const all = GSM7_BASIC.filter((_, i) => i !== 0x1b).join('') + [...GSM7_EXTENSION.values()].join('');
  const septets = textToSeptets(all)!;
  assert.equal(septets.length, 127 + 2 * GSM7_EXTENSION.size);
  for (let fill = 0; fill < 7; fill++) assert.deepEqual(unpackSeptets(packSeptets(septets, fill), septets.length, fill), septets);
  assert.equal(textToSeptets('€')!.length, 2);
  assert.equal(textToSeptets('✓'), null);
  assert.equal(chooseEncoding('Hello €'), 'gsm7');
  assert.equal(chooseEncoding('Hello ✓'), 'ucs2');
});

const gsm7Char = fc.constantFrom(...GSM7_BASIC.filter((_, i) => i !== 0x1b), ...GSM7_EXTENSION.values());
const gsm7Text = fc.array(gsm7Char, { maxLength: 500 }).map((a) => a.join(''));
const anyText = fc.string({ unit: 'binary', maxLength: 300 });

test('property: split + SMS-SUBMIT encode + decode + join returns the text (GSM-7)', () => {
  fc.assert(
    fc.property(gsm7Text, fc.integer({ min: 0, max: 255 }), (text, ref) => roundTripSubmit(text, 'gsm7', ref)),
  );
});

test('property: split + SMS-SUBMIT encode + decode + join returns the text (UCS-2, any code point)', () => {
  fc.assert(fc.property(anyText, fc.integer({ min: 0, max: 65535 }), (text, ref) => roundTripSubmit(text, 'ucs2', ref)));
});

function roundTripSubmit(text: string, encoding: 'gsm7' | 'ucs2', ref: number): void {
  const parts = splitText(text, encoding);
  const total = parts.length;
  const decoded = parts.map((t, i) => {
    const p = encodeSubmit({
      to: '+628123',
      encoding,
      text: t,
      ...(total > 1 ? { concat: { ref, total, seq: i + 1, refBits: ref > 255 ? 16 : 8 } } : {}),
    });
    return decodeSubmit(p.hex, p.tpduLength);
  });
  assert.equal(decoded.map((d) => d.userData.text).join(''), text);
  if (total > 1) assert.deepEqual(decoded.map((d) => d.userData.concat?.seq), parts.map((_, i) => i + 1));
  // A part never ends inside a surrogate pair or an escape sequence.
  for (const d of decoded) assert.ok(!/[\uD800-\uDBFF]$/.test(d.userData.text));
}

test('property: SMS-DELIVER parts decode back to the text, sender and time', () => {
  fc.assert(
    fc.property(
      fc.oneof(gsm7Text, anyText),
      fc.constantFrom('+6281234567890', '0812345', 'Kirim'),
      fc.integer({ min: 946_684_800, max: 4_000_000_000 }),
      (text, from, seconds) => {
        const timestamp = new Date(seconds * 1000);
        const parts = encodeDeliverParts({ from, text, timestamp, concatRef: 9 });
        const decoded = parts.map((p) => decodeDeliver(p.hex));
        assert.equal(decoded.map((d) => d.userData.text).join(''), text);
        for (const d of decoded) {
          assert.equal(d.from, from);
          assert.equal(d.timestamp.getTime(), timestamp.getTime());
        }
      },
    ),
  );
});

test('SMS-STATUS-REPORT encodes reference, recipient and status', () => {
  const when = new Date('2025-03-04T05:06:07Z');
  const r = encodeStatusReport({ messageReference: 200, recipient: '+6281234', status: 0x41, serviceCentreTime: when, dischargeTime: when, smsc: '+10000000000' });
  const d = decodeStatusReport(r.hex);
  assert.equal(d.messageReference, 200);
  assert.equal(d.recipient, '+6281234');
  assert.equal(d.status, 0x41);
  assert.equal(d.dischargeTime.getTime(), when.getTime());
  assert.equal(d.smsc, '+10000000000');
  assert.equal(r.hex.length / 2 - 8, r.tpduLength);
});

test('property: decoding random bytes only ever throws PduError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.option(fc.integer({ min: 0, max: 255 })), (bytes, len) => {
      const hex = Buffer.from(bytes).toString('hex');
      for (const decode of [
        () => decodeSubmit(hex, len ?? undefined),
        () => decodeDeliver(hex),
        () => decodeStatusReport(hex),
      ]) {
        try {
          decode();
        } catch (err) {
          assert.ok(err instanceof PduError, String(err));
        }
      }
    }),
    { numRuns: 2000 },
  );
});
