/**
 * Where the time of one SMS goes, hop by hop, from `POST /v1/verifications`
 * to the server knowing the message was sent: `kirim server` and
 * `kirim gateway` as their own processes, real gammu-smsd (LoopSleep=1,
 * CommTimeout=1) driving `kirim modem-sim`, all on 127.0.0.1.
 *
 *   npx tsx bench/hops.ts                 30 messages, one after another
 *   npx tsx bench/hops.ts --messages 60
 *
 * One message at a time (the next starts when the server reports the last
 * one sent), so no hop includes waiting behind another message. The times
 * come from:
 *   posted       the client starting the POST (this process)
 *   queued       the message's `queued` event (server)
 *   leased       its `dispatched` event: the gateway's long-poll got it (server)
 *   outbox       first inotify event of the file in gammu's outbox (this process)
 *   AT+CMGS      `received_at` of the part in modem-sim's parts.jsonl (the simulator)
 *   sent/        first inotify event of the file in gammu's sent/ (this process)
 *   reported     the first `GET /v1/messages/{id}` answering `sent`, polled every 20 ms (this process)
 * All on one machine and one clock.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSubmittedParts } from '../src/modem-sim/state.js';
import {
  Cleanup,
  SpoolWatch,
  benchDir,
  getJson,
  messageIdOf,
  ms,
  nowMs,
  postJson,
  sleep,
  startBenchGateway,
  startBenchServer,
  startSimGammu,
  summarize,
  until,
} from './support/sms-rig.js';

const args = process.argv.slice(2);
const flag = args.indexOf('--messages');
const MESSAGES = flag >= 0 ? Number(args[flag + 1]) : 30;
if (!Number.isInteger(MESSAGES) || MESSAGES < 2) throw new Error('--messages must be an integer ≥ 2');

const HOPS = ['API accept → queued', 'queued → leased by gateway', 'leased → file in outbox', 'outbox → AT+CMGS (gammu takes it)', 'AT+CMGS → file in sent/', 'sent/ → server reports sent'] as const;

interface Trace {
  to: string;
  id: string;
  posted: number;
  queued: number;
  leased: number;
  outbox: number;
  cmgs: number;
  sent: number;
  reported: number;
}

const cleanup = new Cleanup(10 * 60_000);

async function main(): Promise<void> {
  const started = Date.now();
  const log = (s: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${s}\n`);
  const root = benchDir(cleanup, 'hops');
  log('starting kirim server, gammu-smsd with modem-sim, kirim gateway');
  mkdirSync(join(root, 'server'));
  mkdirSync(join(root, 'gateway'));
  const [server, gammu] = await Promise.all([startBenchServer(cleanup, join(root, 'server')), startSimGammu(cleanup, join(root, 'modem'))]);
  const token = server.newGatewayToken('bench-hops');
  await startBenchGateway(cleanup, { kind: 'tsx' }, { server: server.url, token, smsdrc: gammu.smsdrc, stateDir: join(root, 'gateway', 'state'), logfile: join(root, 'gateway', 'gateway.log') });
  const outbox = new SpoolWatch(gammu.spool.outbox);
  const sent = new SpoolWatch(gammu.spool.sent);
  cleanup.add('file watchers', () => {
    outbox.close();
    sent.close();
  });

  const traces: Trace[] = [];
  // The first message is a warm-up: gammu's first send and every first call are slower.
  log(`${MESSAGES} verifications, one after another (plus one warm-up)`);
  for (let i = 0; i <= MESSAGES; i++) {
    const to = `+628124${String(i).padStart(6, '0')}`;
    const posted = nowMs();
    const r = await postJson(server.url, server.apiKey, '/v1/verifications', { to, channel: 'sms' });
    if (r.status !== 201) throw new Error(`POST /v1/verifications: ${r.status} ${JSON.stringify(r.body)}`);
    const file = await until(`the outbox file for ${to}`, () => outbox.find(`_${to}_`), 30_000, 5);
    const id = messageIdOf(file.name);
    if (!id) throw new Error(`no message id in ${file.name}`);
    const reported = await until(
      `message ${id} reported sent`,
      async () => {
        const m = await getJson(server.url, server.apiKey, `/v1/messages/${id}`);
        return m.body.status === 'sent' ? { at: nowMs(), events: m.body.events as Array<{ status: string; at: string }> } : undefined;
      },
      60_000,
      20,
    );
    const sentFile = await until(`${file.name} in sent/`, () => sent.find(`_${to}_`), 10_000, 20);
    const part = await until(`the AT+CMGS part for ${to}`, () => readSubmittedParts(gammu.simState).find((p) => p.number === to), 10_000, 20);
    const eventAt = (status: string) => {
      const e = reported.events.find((x) => x.status === status);
      if (!e) throw new Error(`message ${id} has no ${status} event`);
      return Date.parse(e.at);
    };
    if (i > 0) {
      traces.push({ to, id, posted, queued: eventAt('queued'), leased: eventAt('dispatched'), outbox: file.at, cmgs: Date.parse(part.received_at), sent: sentFile.at, reported: reported.at });
    }
    // A random pause, so the next file does not always meet gammu's one-second loop at the same point.
    await sleep(Math.random() * 1000);
  }

  const order = ['posted', 'queued', 'leased', 'outbox', 'cmgs', 'sent', 'reported'] as const;
  const hopValues = HOPS.map((_, h) => traces.map((t) => t[order[h + 1]!] - t[order[h]!]));
  const totals = traces.map((t) => t.reported - t.posted);
  const total = summarize(totals);
  const out: string[] = [];
  out.push('');
  out.push(`One SMS (OTP, 1 part) at a time, ${traces.length} messages after a warm-up; gammu-smsd LoopSleep=1, CommTimeout=1; modem-sim answers at once.`);
  out.push('"% of total" is the hop\'s mean over the mean end-to-end time.');
  out.push('');
  out.push('| hop | p50 ms | p99 ms | mean ms | % of total |');
  out.push('|---|---:|---:|---:|---:|');
  HOPS.forEach((name, h) => {
    const s = summarize(hopValues[h]!);
    out.push(`| ${name} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.mean)} | ${((s.mean / total.mean) * 100).toFixed(1)} % |`);
  });
  out.push(`| **end to end** (POST → server knows it was sent) | ${ms(total.p50)} | ${ms(total.p99)} | ${ms(total.mean)} | 100 % |`);
  const negative = hopValues.flat().filter((v) => v < 0).length;
  if (negative) out.push(`\n${negative} hop times were negative (clock resolution of the server's millisecond event times).`);
  out.push(`\nrun time ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(out.join('\n'));
}

try {
  await main();
} finally {
  await cleanup.run();
}
