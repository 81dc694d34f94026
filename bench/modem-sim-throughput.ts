/**
 * SMS parts per minute through real gammu-smsd (files backend) driving
 * `kirim modem-sim` with no send delay, for LoopSleep=1/CommTimeout=1 and
 * LoopSleep=0/CommTimeout=0 side by side. The simulator answers instantly,
 * so this measures gammu's own pace (a real modem manages ~6–20 SMS/min).
 *
 *   npx tsx bench/modem-sim-throughput.ts                30 single-part messages per setting
 *   npx tsx bench/modem-sim-throughput.ts --messages 200 a longer run (or KIRIM_BENCH_FULL=1)
 *
 * The rate is taken between the first and the last part the handset
 * received (from the simulator's parts.jsonl), so gammu's start-up and its
 * first outbox scan do not count.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGammuSmsd } from '../src/dev/gammu-smsd.js';
import { readSubmittedParts } from '../src/modem-sim/state.js';

const args = process.argv.slice(2);
const flag = args.indexOf('--messages');
const messages = flag >= 0 ? Number(args[flag + 1]) : process.env.KIRIM_BENCH_FULL === '1' ? 200 : 30;
if (!Number.isInteger(messages) || messages < 2) throw new Error('--messages must be an integer ≥ 2');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'kirim.js');

interface Row {
  setting: string;
  parts: number;
  seconds: number;
  perMinute: number;
  firstLatency: number;
}

async function measure(loopsleep: number, commtimeout: number): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kirim-bench-gammu-'));
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'kirim-bench-sim-'));
  const gammu = startGammuSmsd({
    dir,
    modem: { kind: 'modem-sim', command: `node ${BIN} modem-sim --state ${state}` },
    smsd: { loopsleep, commtimeout, deliveryreport: 'no', receivefrequency: 30, statusfrequency: 30 },
  });
  try {
    // Let gammu finish its init before the clock starts.
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(gammu.logfile) || !/Starting phone communication/.test(fs.readFileSync(gammu.logfile, 'utf8'))) {
      if (Date.now() > deadline) throw new Error('gammu-smsd did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const dropped = Date.now();
    for (let i = 0; i < messages; i++) {
      const name = `OUTA_+62812${String(i).padStart(7, '0')}_b${i}.txt`;
      const tmp = path.join(gammu.spool.outbox, `.${name}`);
      fs.writeFileSync(tmp, `Kode OTP Anda ${String(100000 + i)}`);
      fs.renameSync(tmp, path.join(gammu.spool.outbox, name));
    }
    const limit = Date.now() + messages * 5_000 + 30_000;
    while (readSubmittedParts(state).length < messages) {
      if (Date.now() > limit) throw new Error(`only ${readSubmittedParts(state).length}/${messages} parts arrived`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const times = readSubmittedParts(state).map((p) => Date.parse(p.received_at));
    const seconds = (times.at(-1)! - times[0]!) / 1000;
    return {
      setting: `LoopSleep=${loopsleep}, CommTimeout=${commtimeout}`,
      parts: times.length,
      seconds,
      perMinute: ((times.length - 1) / seconds) * 60,
      firstLatency: (times[0]! - dropped) / 1000,
    };
  } finally {
    await gammu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(state, { recursive: true, force: true });
  }
}

const rows = [await measure(1, 1), await measure(0, 0)];
const [slow, fast] = rows as [Row, Row];
console.log(`\ngammu-smsd + kirim modem-sim, ${messages} single-part messages, no send delay\n`);
console.log('| setting | parts | seconds | parts/min | first part after drop (s) |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.setting} | ${r.parts} | ${r.seconds.toFixed(1)} | ${r.perMinute.toFixed(1)} | ${r.firstLatency.toFixed(2)} |`);
}
console.log(`\nratio (LoopSleep=0/CommTimeout=0 ÷ LoopSleep=1/CommTimeout=1): ${(fast.perMinute / slow.perMinute).toFixed(2)}`);
