import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { AtEngine, PROMPT, type OutputKind } from './at-engine.js';
import { SimModem } from './modem.js';
import { decodeDeliver, decodeStatusReport, encodeSubmit, splitText } from './pdu.js';
import { readFaults, readHandset, readSubmittedParts, statePaths } from './state.js';
import { clearFaults, injectSms, injectStatusReport, setFaults } from './control.js';

function tempState(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kirim-modem-sim-'));
}

/** A modem on a fresh (or given) state folder with a recorded output. */
function harness(stateDir = tempState(), sleep?: (ms: number) => Promise<void>) {
  const chunks: Array<{ text: string; kind: OutputKind }> = [];
  const modem = new SimModem(stateDir);
  const engine = new AtEngine(modem, { write: (text, kind) => chunks.push({ text, kind }), ...(sleep ? { sleep } : {}) });
  return {
    stateDir,
    modem,
    engine,
    chunks,
    /** Sends raw bytes and returns everything answered to them. */
    async send(data: string | Uint8Array): Promise<string> {
      const start = chunks.length;
      engine.feed(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
      await engine.idle();
      return chunks.slice(start).map((c) => c.text).join('');
    },
  };
}

/** Sends one SMS-SUBMIT the way gammu does: AT+CMGS=<n>, prompt, hex, Ctrl-Z. */
async function sendPdu(h: ReturnType<typeof harness>, pdu: { hex: string; tpduLength: number }): Promise<string> {
  const prompt = await h.send(`AT+CMGS=${pdu.tpduLength}\r`);
  assert.equal(prompt, `AT+CMGS=${pdu.tpduLength}\r${PROMPT}`);
  return h.send(`${pdu.hex}\x1a`);
}

test('answers the init and status queries framed like a modem (echo, CR LF)', async () => {
  const h = harness();
  assert.equal(await h.send('\x1bAT\r'), 'AT\r\r\nOK\r\n');
  assert.equal(await h.send('ATE1\r'), 'ATE1\r\r\nOK\r\n');
  assert.equal(await h.send('AT+CGMM\r'), 'AT+CGMM\r\r\nmodem-sim\r\n\r\nOK\r\n');
  assert.equal(await h.send('AT+CPIN?\r'), 'AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n');
  assert.equal(await h.send('AT+CSQ\r'), 'AT+CSQ\r\r\n+CSQ: 24,99\r\n\r\nOK\r\n');
  assert.equal(await h.send('AT+CBC\r'), 'AT+CBC\r\r\n+CBC: 0,95\r\n\r\nOK\r\n');
  assert.equal(await h.send('AT+CREG?\r'), 'AT+CREG?\r\r\n+CREG: 0,1\r\n\r\nOK\r\n');
  assert.equal(await h.send('AT+COPS=3,2\rAT+COPS?\r'), 'AT+COPS=3,2\r\r\nOK\r\nAT+COPS?\r\r\n+COPS: 0,2,"00101"\r\n\r\nOK\r\n');
  assert.equal(await h.send('AT+CSCA?\r'), 'AT+CSCA?\r\r\n+CSCA: "+10000000000",145\r\n\r\nOK\r\n');
  assert.equal(await h.send('AT+CPMS=?\r'), 'AT+CPMS=?\r\r\n+CPMS: ("SM"),("SM"),("SM")\r\n\r\nOK\r\n');
  assert.equal(await h.send('AT+CPMS="SM","SM"\r'), 'AT+CPMS="SM","SM"\r\r\n+CPMS: 0,30,0,30,0,30\r\n\r\nOK\r\n');
  assert.equal(await h.send('AT+CMGF=1\r'), 'AT+CMGF=1\r\r\nERROR\r\n', 'text mode refused');
  assert.equal(await h.send('AT+MODE=2\r'), 'AT+MODE=2\r\r\nERROR\r\n');
  assert.equal(await h.send('hello\r'), 'hello\r\r\nERROR\r\n');
  assert.equal(await h.send('ATE0\rAT\r'), 'ATE0\r\r\nOK\r\n\r\nOK\r\n', 'ATE0 turns the echo off');
  assert.equal(await h.send('\r\n'), '', 'an empty line is not a command');
});

test('AT+CMGS: prompt, PDU, Ctrl-Z → +CMGS: <mr> and the handset record', async () => {
  const h = harness();
  const pdu = encodeSubmit({ to: '+6281234567890', encoding: 'gsm7', text: 'Kode OTP: 123456 €', statusReportRequest: true });
  assert.equal(await sendPdu(h, pdu), '\r\n+CMGS: 1\r\n\r\nOK\r\n');
  assert.equal(await sendPdu(h, pdu), '\r\n+CMGS: 2\r\n\r\nOK\r\n');
  const got = readHandset(h.stateDir, '+6281234567890');
  assert.equal(got.length, 2);
  assert.deepEqual(
    { ...got[0], received_at: 'x' },
    {
      number: '+6281234567890',
      text: 'Kode OTP: 123456 €',
      encoding: 'gsm7',
      parts: 1,
      references: [1],
      received_at: 'x',
      flash: false,
      delivery_report_requested: true,
      concat_ref: null,
    },
  );
  assert.equal(readSubmittedParts(h.stateDir).length, 2);
});

test('message references run 1..255 and wrap to 1, and survive a restart', async () => {
  const dir = tempState();
  fs.writeFileSync(statePaths(dir).modem, JSON.stringify({ nextReference: 254 }));
  const pdu = encodeSubmit({ to: '123', encoding: 'gsm7', text: 'x' });
  let h = harness(dir);
  assert.match(await sendPdu(h, pdu), /\+CMGS: 254\r/);
  assert.match(await sendPdu(h, pdu), /\+CMGS: 255\r/);
  h = harness(dir); // gammu reconnected: a new process on the same state
  assert.match(await sendPdu(h, pdu), /\+CMGS: 1\r/);
  assert.deepEqual(readHandset(dir, '123').map((m) => m.references[0]), [254, 255, 1]);
});

test('ESC cancels the prompt; malformed PDUs answer +CMS ERROR: 304', async () => {
  const h = harness();
  await h.send('AT+CMGS=10\r');
  assert.equal(await h.send('0011\x1b'), '\r\nOK\r\n');
  assert.equal(h.engine.inPrompt, false);
  const good = encodeSubmit({ to: '123', encoding: 'gsm7', text: 'x' });
  await h.send(`AT+CMGS=${good.tpduLength + 1}\r`);
  assert.equal(await h.send(`${good.hex}\x1a`), '\r\n+CMS ERROR: 304\r\n', 'length mismatch');
  await h.send(`AT+CMGS=${good.tpduLength}\r`);
  assert.equal(await h.send(`${good.hex.slice(0, -2)}ZZ\x1a`), '\r\n+CMS ERROR: 304\r\n', 'not hex');
  assert.equal(await h.send('AT+CMGS=0\r'), 'AT+CMGS=0\r\r\n+CMS ERROR: 304\r\n');
  assert.equal(readSubmittedParts(h.stateDir).length, 0);
});

test('multipart SMS are joined per handset, in sequence order, whatever the arrival order', async () => {
  const h = harness();
  const text = 'Ü'.repeat(10) + 'abcdefghij'.repeat(39);
  const parts = splitText(text, 'gsm7');
  const pdus = parts.map((t, i) =>
    encodeSubmit({ to: '+111', encoding: 'gsm7', text: t, concat: { ref: 7, total: parts.length, seq: i + 1, refBits: 8 } }),
  );
  const other = encodeSubmit({ to: '+222', encoding: 'ucs2', text: '😀', concat: { ref: 7, total: 2, seq: 1, refBits: 16 } });
  await sendPdu(h, pdus[2]!);
  await sendPdu(h, other);
  await sendPdu(h, pdus[0]!);
  assert.equal(readHandset(h.stateDir, '+111').length, 0, 'incomplete until the last part');
  await sendPdu(h, pdus[1]!);
  const [m] = readHandset(h.stateDir, '+111');
  assert.equal(m?.text, text);
  assert.equal(m?.parts, 3);
  assert.deepEqual(m?.references, [3, 4, 1]);
  assert.equal(m?.concat_ref, 7);
  assert.equal(readHandset(h.stateDir, '+222').length, 0, 'the other handset still waits for part 2');
});

test('injected SMS and status reports are served by AT+CMGL=4, AT+CMGR, AT+CMGD', async () => {
  const h = harness();
  await sendPdu(h, encodeSubmit({ to: '+6285', encoding: 'gsm7', text: 'hi', statusReportRequest: true }));
  injectSms(h.stateDir, { from: '+6281111', text: 'Halo {x} €' });
  injectSms(h.stateDir, { from: '+6282222', text: '✓'.repeat(100) });
  injectStatusReport(h.stateDir, { reference: 1, status: 'failed' });
  const cpms = await h.send('AT+CPMS="SM","SM"\r');
  assert.match(cpms, /\+CPMS: 4,30,4,30,4,30/);
  const list = await h.send('AT+CMGL=4\r');
  const lines = list.split('\r\n').filter(Boolean);
  assert.equal(lines[0], 'AT+CMGL=4\r');
  assert.equal(lines.at(-1), 'OK');
  const entries: Array<{ header: string; pdu: string }> = [];
  for (let i = 1; i < lines.length - 1; i += 2) entries.push({ header: lines[i]!, pdu: lines[i + 1]! });
  assert.deepEqual(entries.map((e) => e.header.replace(/,\d+$/, '')), ['+CMGL: 1,0,', '+CMGL: 2,0,', '+CMGL: 3,0,', '+CMGL: 4,0,']);
  const first = decodeDeliver(entries[0]!.pdu);
  assert.equal(first.from, '+6281111');
  assert.equal(first.userData.text, 'Halo {x} €');
  assert.equal(decodeDeliver(entries[1]!.pdu).userData.text + decodeDeliver(entries[2]!.pdu).userData.text, '✓'.repeat(100));
  const report = decodeStatusReport(entries[3]!.pdu);
  assert.equal(report.messageReference, 1);
  assert.equal(report.recipient, '+6285', 'recipient defaults to where the reference went');
  assert.equal(report.status, 0x41);
  assert.equal(Number(entries[0]!.header.split(',').at(-1)), first.tpduLength);

  assert.match(await h.send('AT+CMGR=2\r'), /\r\n\+CMGR: 1,,\d+\r\n[0-9A-F]+\r\n\r\nOK\r\n$/, 'listed messages become read');
  assert.equal(await h.send('AT+CMGD=2\r'), 'AT+CMGD=2\r\r\nOK\r\n');
  assert.equal(await h.send('AT+CMGR=2\r'), 'AT+CMGR=2\r\r\n+CMS ERROR: 321\r\n');
  await h.send('AT+CMGD=1,4\r');
  assert.match(await h.send('AT+CPMS="SM"\r'), /\+CPMS: 0,30/);
});

test('faults: +CMS ERROR for N sends, network lost, no answer, slow sends; persisted', async () => {
  const slept: number[] = [];
  const dir = tempState();
  let h = harness(dir, async (ms) => void slept.push(ms));
  const pdu = encodeSubmit({ to: '+1', encoding: 'gsm7', text: 'x' });

  setFaults(dir, { cmsError: { code: 500, remaining: 2 } });
  await h.send('AT\r'); // the control folder is read before each command
  assert.equal(await sendPdu(h, pdu), '\r\n+CMS ERROR: 500\r\n');
  h = harness(dir, async (ms) => void slept.push(ms)); // reconnect: the fault and its count survive
  assert.equal(await sendPdu(h, pdu), '\r\n+CMS ERROR: 500\r\n');
  assert.equal(await sendPdu(h, pdu), '\r\n+CMGS: 1\r\n\r\nOK\r\n', 'count used up');

  setFaults(dir, { networkLost: true });
  assert.equal(await h.send('AT+CREG?\r'), 'AT+CREG?\r\r\n+CREG: 0,0\r\n\r\nOK\r\n');
  assert.equal(await h.send('AT+CSQ\r'), 'AT+CSQ\r\r\n+CSQ: 99,99\r\n\r\nOK\r\n');
  assert.equal(await sendPdu(h, pdu), '\r\n+CMS ERROR: 331\r\n');
  clearFaults(dir);

  setFaults(dir, { noAnswer: { remaining: 1 } });
  await h.send('AT\r');
  assert.equal(await sendPdu(h, pdu), '', 'silence after Ctrl-Z');
  assert.equal(await h.send('AT\r'), 'AT\r\r\nOK\r\n', 'next command answered');

  setFaults(dir, { sendDelayMs: 7000, cmsError: { code: 38, remaining: null } });
  await h.send('AT\r');
  assert.equal(await sendPdu(h, pdu), '\r\n+CMS ERROR: 38\r\n');
  assert.equal(await sendPdu(h, pdu), '\r\n+CMS ERROR: 38\r\n', 'until cleared');
  assert.deepEqual(slept, [7000, 7000]);
  assert.deepEqual(readFaults(dir), { cmsError: { code: 38, remaining: null }, noAnswer: null, networkLost: false, sendDelayMs: 7000 });
  clearFaults(dir);
  assert.equal(await sendPdu(h, pdu), '\r\n+CMGS: 2\r\n\r\nOK\r\n');
  assert.deepEqual(readHandset(dir, '+1').map((m) => m.references[0]), [1, 2]);
});

test('a real delay holds the answer back (slow modem)', async () => {
  const h = harness();
  setFaults(h.stateDir, { sendDelayMs: 300 });
  await h.send('AT\r');
  const t0 = Date.now();
  assert.match(await sendPdu(h, encodeSubmit({ to: '+1', encoding: 'gsm7', text: 'x' })), /\+CMGS: 1/);
  assert.ok(Date.now() - t0 >= 290, `answered after ${Date.now() - t0} ms`);
});

test('a control file that cannot be applied is moved to control/rejected with the reason', async () => {
  const h = harness();
  const file = path.join(statePaths(h.stateDir).control, '000-bad.json');
  fs.writeFileSync(file, '{"type":"inject","from":"+1"}');
  await h.send('AT\r');
  assert.equal(fs.existsSync(file), false);
  assert.match(fs.readFileSync(path.join(statePaths(h.stateDir).rejected, '000-bad.json.error'), 'utf8'), /text/);
  const t = injectSms(h.stateDir, { from: '+1', text: 'ok' });
  await h.send('AT\r');
  await t.applied(1000);
});

const ANSWER = /^(\r\n[^\r\n]+(\r\n[^\r\n]+)*\r\n)?\r\n(OK|ERROR|\+CMS ERROR: \d+|\+CME ERROR: \d+)\r\n$/;

test('fuzz: random bytes never throw and every answer is framed; the modem still answers AT', async () => {
  // Bytes that steer into interesting states as well as pure noise.
  const token = fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc
      .constantFrom('AT\r', 'AT+CMGS=23\r', 'AT+CMGS=', 'AT+CMGL=4\r', 'AT+CMGR=1\r', 'ATE0\r', 'ATE1\r', '\x1a', '\x1b', '\r', '00', 'AT+CPMS="SM"\r', 'AT+CSCA="+1"\r')
      .map((s) => Buffer.from(s, 'latin1')),
    fc.constant(Buffer.from('0011000B916407281553F80000AA0AE8329BFD4697D9EC37', 'latin1')),
  );
  const dir = tempState();
  injectSms(dir, { from: '+1', text: 'seed' });
  await fc.assert(
    fc.asyncProperty(fc.array(token, { maxLength: 30 }), async (tokens) => {
      const h = harness(dir);
      for (const t of tokens) h.engine.feed(t);
      await h.engine.idle();
      // CR ends a command line left half-typed (which may itself open a
      // prompt: `AT+CMGS=` + `1`), ESC then leaves any prompt, and AT must
      // answer OK.
      const probe = await h.send('\r\x1b\rAT\r');
      for (const c of h.chunks) {
        if (c.kind === 'echo') assert.match(c.text, /^[\x20-\x7e]*\r$/);
        else assert.ok(c.text === PROMPT || ANSWER.test(c.text), JSON.stringify(c.text));
      }
      assert.ok(probe.endsWith('\r\nOK\r\n'), JSON.stringify(probe));
      assert.equal(h.engine.inPrompt, false);
    }),
    { numRuns: 300, ...(process.env.KIRIM_FUZZ_SEED ? { seed: Number(process.env.KIRIM_FUZZ_SEED) } : {}) },
  );
});

test('a SIM with a PIN: waits for it, refuses to send or list until the right one, then is ready', async () => {
  const chunks: string[] = [];
  const engine = new AtEngine(new SimModem(tempState()), { write: (text) => chunks.push(text), simPin: '1234' });
  const send = async (line: string) => {
    const start = chunks.length;
    engine.feed(Buffer.from(line, 'latin1'));
    await engine.idle();
    return chunks.slice(start).join('');
  };
  assert.equal(await send('AT+CPIN?\r'), 'AT+CPIN?\r\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n');
  assert.equal(await send('AT+CMGS=20\r'), 'AT+CMGS=20\r\r\n+CME ERROR: 11\r\n');
  assert.equal(await send('AT+CMGL=4\r'), 'AT+CMGL=4\r\r\n+CME ERROR: 11\r\n');
  assert.equal(await send('AT+CPIN="0000"\r'), 'AT+CPIN="0000"\r\r\n+CME ERROR: 16\r\n');
  assert.equal(await send('AT+CPIN="1234"\r'), 'AT+CPIN="1234"\r\r\nOK\r\n');
  assert.equal(await send('AT+CPIN?\r'), 'AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n');
  assert.equal(await send('AT+CMGS=20\r'), `AT+CMGS=20\r${PROMPT}`);
});
