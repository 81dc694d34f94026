/**
 * Cross-process tests: real gammu-smsd (files backend) drives `kirim
 * modem-sim` over `connection = proxyat`, and what the virtual handsets
 * receive, what lands in gammu's inbox and how faults behave is checked
 * through the simulator's documented state folder and gammu's spool folders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gammuSmsdInstalled, startGammuSmsd, type GammuSmsdInstance } from '../src/dev/gammu-smsd.js';
import { readHandset, readSubmittedParts, waitForHandsetMessage } from '../src/modem-sim/state.js';
import { clearFaults, injectSms, setFaults } from '../src/modem-sim/control.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'kirim.js');
const skip = gammuSmsdInstalled() ? false : 'gammu-smsd is not installed';

interface Ctx {
  gammu: GammuSmsdInstance;
  state: string;
  dir: string;
  /** Drops a file into gammu's outbox atomically (dot-file, then rename). */
  put(name: string, content: Buffer | string): void;
}

/** Runs `fn` with a fresh gammu-smsd + modem-sim pair and always stops both. */
async function withGammu(
  opts: { smsd?: Record<string, string | number>; env?: NodeJS.ProcessEnv; before?: (state: string) => void },
  fn: (ctx: Ctx) => Promise<void>,
): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kirim-gammu-'));
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'kirim-modem-sim-'));
  opts.before?.(state);
  const gammu = startGammuSmsd({
    dir,
    modem: { kind: 'modem-sim', command: `node ${BIN} modem-sim --state ${state} --log ${path.join(dir, 'at.log')}` },
    ...(opts.smsd ? { smsd: opts.smsd } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
  const put = (name: string, content: Buffer | string) => {
    const tmp = path.join(gammu.spool.outbox, `.${name}`);
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, path.join(gammu.spool.outbox, name));
  };
  try {
    await fn({ gammu, state, dir, put });
  } catch (err) {
    // Keep the evidence in the failure message: both sides' last lines.
    const tail = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').slice(-25).join('\n') : '(none)');
    (err as Error).message += `\n--- gammu-smsd.log\n${tail(gammu.logfile)}\n--- at.log\n${tail(path.join(dir, 'at.log'))}`;
    throw err;
  } finally {
    await gammu.stop();
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const readOr = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
const ls = (d: string) => fs.readdirSync(d).filter((f) => !f.startsWith('.')).sort();

/** Runs the CLI to completion. */
function kirim(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Inbox files of gammu (standard format: the text of one part per file). */
function inbox(g: GammuSmsdInstance): Array<{ name: string; text: string }> {
  return ls(g.spool.inbox).map((name) => ({ name, text: fs.readFileSync(path.join(g.spool.inbox, name), 'utf8') }));
}

test('a GSM-7 text with extension characters reaches the handset exactly', { skip, timeout: 60_000 }, async () => {
  await withGammu({ env: { LANG: 'C', LC_ALL: 'C' } }, async ({ gammu, state, put }) => {
    const text = 'Kode OTP Anda: 482913. Jangan bagikan! € [a] {b} ~ | ^ \\ @£$¥';
    put('OUTA20250101_000000_00_+6281234567890_m1.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const m = await waitForHandsetMessage(state, '+6281234567890', { timeoutMs: 20_000 });
    assert.equal(m.text, text);
    assert.equal(m.encoding, 'gsm7', 'transmitformat = auto keeps GSM-7 when it fits');
    assert.equal(m.parts, 1);
    await waitFor('the file in sent/', () => ls(gammu.spool.sent).length === 1);
    // The reference gammu logged is the one the handset record carries.
    const log = fs.readFileSync(gammu.logfile, 'utf8');
    const logged = /message reference 0x([0-9a-f]+)/i.exec(log);
    assert.equal(Number.parseInt(logged![1]!, 16), m.references[0]);
  });
});

test('UCS-2 (UTF-16LE file with BOM) with an emoji arrives intact', { skip, timeout: 60_000 }, async () => {
  await withGammu({ env: { LANG: 'C', LC_ALL: 'C' } }, async ({ state, put }) => {
    const text = 'Kode: 654321 — ✓ 😀';
    put('OUTA_+6281234567891_u1.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const m = await waitForHandsetMessage(state, '+6281234567891');
    assert.equal(m.text, text);
    assert.equal(m.encoding, 'ucs2');
  });
});

test('a 400-character text arrives as 3 parts joined', { skip, timeout: 60_000 }, async () => {
  await withGammu({}, async ({ state, put }) => {
    const text = Array.from({ length: 40 }, (_, i) => `part-${String(i).padStart(4, '0')}.`).join('');
    assert.equal(text.length, 400);
    put('OUTA_+6281234567892_l1.txt', text);
    const m = await waitForHandsetMessage(state, '+6281234567892', { timeoutMs: 25_000 });
    assert.equal(m.text, text);
    assert.equal(m.parts, 3);
    assert.equal(new Set(m.references).size, 3);
    assert.deepEqual(
      readSubmittedParts(state).map((p) => [...p.text].length),
      [153, 153, 94],
    );
  });
});

test('injected inbound SMS (single GSM-7 by CLI, multipart UCS-2 by API) land in gammu inbox', { skip, timeout: 60_000 }, async () => {
  await withGammu({}, async ({ gammu, state }) => {
    const r = kirim('modem-sim', 'inject', '--state', state, '--from', '+6281111222', '--text', 'YA 123 {ok} €');
    assert.equal(r.status, 0, r.stderr);
    const long = 'Balasan ✓ 😀 '.repeat(10);
    const ticket = injectSms(state, { from: '+6283333444', text: long });
    await ticket.applied(20_000);
    const files = await waitFor('3 inbox files', () => {
      const f = inbox(gammu);
      return f.length >= 3 && f;
    });
    const single = files.filter((f) => f.name.includes('_+6281111222_'));
    assert.equal(single.length, 1);
    assert.equal(single[0]!.text, 'YA 123 {ok} €');
    const multi = files.filter((f) => f.name.includes('_+6283333444_'));
    assert.equal(multi.length, 2, 'one file per part');
    assert.equal(multi.map((f) => f.text).join(''), long);
    // gammu joined the two parts as one concatenated message.
    assert.match(fs.readFileSync(gammu.logfile, 'utf8'), /Multipart message 0x[0-9a-f]+, 2 parts of 2/);
  });
});

test('an injected delivery report appears in gammu inbox (deliveryreport = sms)', { skip, timeout: 60_000 }, async () => {
  await withGammu({ smsd: { deliveryreport: 'sms', inboxformat: 'detail' } }, async ({ gammu, state, put }) => {
    put('OUTA_+6281234567893_d1.txtd', 'with report');
    const m = await waitForHandsetMessage(state, '+6281234567893');
    assert.equal(m.delivery_report_requested, true);
    const mr = m.references[0]!;
    const r = kirim('modem-sim', 'report', '--state', state, '--ref', String(mr));
    assert.equal(r.status, 0, r.stderr);
    const report = await waitFor('a status report in the inbox', () =>
      inbox(gammu).find((f) => f.text.includes('PDU = Status_Report')),
    );
    assert.match(report.name, /_\+6281234567893_/);
    assert.match(report.text, new RegExp(`MessageReference = ${mr}\\b`));
    assert.match(report.text, /^; Delivered$/m);
    kirim('modem-sim', 'report', '--state', state, '--ref', String(mr), '--failed');
    await waitFor('a failed report', () => inbox(gammu).find((f) => /^; Failed$/m.test(f.text)));
    assert.equal(kirim('modem-sim', 'report', '--state', state, '--ref', '99').status, 1, 'unknown reference is a user error');
  });
});

test('+CMS ERROR fault keeps the file in the outbox (gammu retries); clearing it lets it go', { skip, timeout: 60_000 }, async () => {
  await withGammu({}, async ({ gammu, state, put, dir }) => {
    const f = kirim('modem-sim', 'fault', '--state', state, '--cms-error', '500');
    assert.equal(f.status, 0, f.stderr);
    put('OUTA_+6281234567894_f1.txt', 'retry me');
    await waitFor('two failed attempts', () => (readOr(path.join(dir, 'at.log')).match(/\+CMS ERROR: 500/g) ?? []).length >= 2);
    assert.deepEqual(ls(gammu.spool.outbox), ['OUTA_+6281234567894_f1.txt']);
    assert.deepEqual(ls(gammu.spool.sent), []);
    assert.deepEqual(readHandset(state, '+6281234567894'), []);
    await clearFaults(state).applied(10_000);
    const m = await waitForHandsetMessage(state, '+6281234567894');
    assert.equal(m.text, 'retry me');
    await waitFor('the file in sent/', () => ls(gammu.spool.sent).includes('OUTA_+6281234567894_f1.txt'));
    assert.equal(readHandset(state, '+6281234567894').length, 1, 'delivered once');
  });
});

test('network lost: nothing reaches the handset until the network is back', { skip, timeout: 60_000 }, async () => {
  // The fault is in place before gammu connects, as after a reconnect.
  await withGammu({ before: (s) => void setFaults(s, { networkLost: true }) }, async ({ gammu, state, put, dir }) => {
    put('OUTA_+6281234567895_n1.txt', 'after the tunnel');
    await waitFor('gammu to see no network', () => /\+CREG: 2,0|\+CREG: \d,0/.test(readOr(path.join(dir, 'at.log'))));
    // gammu tries to send anyway; the modem refuses without a network (+CMS ERROR: 331). Two refusals: gammu went round its loop.
    await waitFor('two refused send attempts', () => readOr(path.join(dir, 'at.log')).split('+CMS ERROR: 331').length > 2);
    assert.deepEqual(readHandset(state, '+6281234567895'), []);
    assert.deepEqual(ls(gammu.spool.outbox), ['OUTA_+6281234567895_n1.txt']);
    const ok = kirim('modem-sim', 'fault', '--state', state, '--network-ok');
    assert.equal(ok.status, 0, ok.stderr);
    const m = await waitForHandsetMessage(state, '+6281234567895', { timeoutMs: 25_000 });
    assert.equal(m.text, 'after the tunnel');
  });
});

test('the simulator exits cleanly on EOF and on SIGHUP; CLI errors are one line, exit 1', { timeout: 60_000 }, async () => {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'kirim-modem-sim-'));
  const run = (signal?: NodeJS.Signals) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'modem-sim', '--state', state], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString('latin1');
        if (signal && out.includes('OK')) child.kill(signal);
      });
      child.on('exit', (code) => resolve({ code, out }));
      child.stdin.write('\x1bAT\r');
      if (!signal) child.stdin.end();
      setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
    });
  assert.deepEqual(await run(), { code: 0, out: 'AT\r\r\nOK\r\n' });
  assert.equal((await run('SIGHUP')).code, 0);

  const bad = kirim('modem-sim', 'fault', '--state', state, '--count', '2');
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.equal(kirim('modem-sim', 'inject', '--state', state, '--from', '+1').status, 1, 'missing --text');
  const shown = kirim('modem-sim', 'fault', '--state', state);
  assert.equal(shown.status, 0);
  assert.deepEqual(JSON.parse(shown.stdout.split('\n')[0]!), { cmsError: null, noAnswer: null, networkLost: false, sendDelayMs: 0 });
  const empty = kirim('modem-sim', 'inbox', '--state', state);
  assert.match(empty.stdout, /no handset received anything yet/);
});
