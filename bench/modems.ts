/**
 * SMS parts per minute with 1, 2 and 4 simulated modems behind one
 * `kirim server`, in one run. Each modem is what Kirim deploys per SIM: one
 * `kirim modem-sim` driven by its own real gammu-smsd, with its own
 * `kirim gateway` agent (own state folder and token). The modems answer
 * after `--send-delay-ms` per part (default 3000 ms, about what a real
 * modem takes: 6–20 SMS a minute), so the table shows how the modems'
 * work adds up, not how fast gammu can talk to a simulator
 * (bench/modem-sim-throughput.ts measures that).
 *
 *   npx tsx bench/modems.ts                          16 single-part SMS per modem
 *   npx tsx bench/modems.ts --per-modem 40           a longer run (or KIRIM_BENCH_FULL=1)
 *   npx tsx bench/modems.ts --send-delay-ms 0        gammu's own pace
 *
 * All messages of a configuration are accepted over HTTP at once; the rate
 * is taken between the first and the last part any handset received (from
 * the simulators' parts.jsonl), so start-up does not count.
 */
import { join } from 'node:path';
import { setFaults } from '../src/modem-sim/control.js';
import { readSubmittedParts } from '../src/modem-sim/state.js';
import { Cleanup, benchDir, sleep, startBenchGateway, startBenchServer, startSimGammu } from './support/sms-rig.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number ≥ 0`);
  return v;
};
const perModem = opt('--per-modem', process.env.KIRIM_BENCH_FULL === '1' ? 40 : 16);
const sendDelayMs = opt('--send-delay-ms', 3000);
const COUNTS = [1, 2, 4];

interface Row {
  modems: number;
  parts: number;
  seconds: number;
  perMinute: number;
  /** Parts each modem sent, in order. */
  split: number[];
}

async function measure(modems: number): Promise<Row> {
  const cleanup = new Cleanup(20 * 60_000);
  try {
    const server = await startBenchServer(cleanup, benchDir(cleanup, `modems-${modems}-server`));
    const sims: string[] = [];
    for (let i = 0; i < modems; i++) {
      const dir = benchDir(cleanup, `modems-${modems}-m${i}`);
      const gammu = await startSimGammu(cleanup, dir);
      await setFaults(gammu.simState, { sendDelayMs }).applied(60_000);
      sims.push(gammu.simState);
      await startBenchGateway(cleanup, { kind: 'tsx' }, { server: server.url, token: server.newGatewayToken(`modem-${i}`), smsdrc: gammu.smsdrc, stateDir: join(dir, 'state'), logfile: join(dir, 'gateway.log') });
    }
    const total = perModem * modems;
    await Promise.all(
      Array.from({ length: total }, async (_, i) => {
        const res = await fetch(`${server.url}/v1/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ to: `+62812${String(i).padStart(7, '0')}`, channel: 'sms', text: `Kode OTP Anda ${100000 + i}` }),
        });
        if (res.status !== 202) throw new Error(`POST /v1/messages answered ${res.status}: ${await res.text()}`);
      }),
    );
    const deadline = Date.now() + total * (sendDelayMs + 5000) + 60_000;
    const parts = () => sims.map((s) => readSubmittedParts(s));
    while (parts().flat().length < total) {
      if (Date.now() > deadline) throw new Error(`only ${parts().flat().length}/${total} parts arrived`);
      await sleep(200);
    }
    const all = parts();
    const times = all
      .flat()
      .map((p) => Date.parse(p.received_at))
      .sort((a, b) => a - b);
    const seconds = (times.at(-1)! - times[0]!) / 1000;
    return { modems, parts: times.length, seconds, perMinute: ((times.length - 1) / seconds) * 60, split: all.map((p) => p.length) };
  } finally {
    await cleanup.run();
  }
}

const rows: Row[] = [];
for (const n of COUNTS) {
  process.stderr.write(`${n} modem${n === 1 ? '' : 's'}…\n`);
  rows.push(await measure(n));
}
const base = rows[0]!.perMinute;
console.log(`\nSMS parts per minute, ${perModem} single-part SMS per modem, modem send delay ${sendDelayMs} ms per part\n`);
console.log('| modems | parts | seconds | parts/min | vs 1 modem | parts per modem |');
console.log('|---:|---:|---:|---:|---:|---|');
for (const r of rows) {
  console.log(`| ${r.modems} | ${r.parts} | ${r.seconds.toFixed(1)} | ${r.perMinute.toFixed(1)} | ${(r.perMinute / base).toFixed(2)}× | ${r.split.join(' / ')} |`);
}
process.exit(0);
