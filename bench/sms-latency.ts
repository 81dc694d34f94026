/**
 * SMS latency from `POST /v1/verifications` to the file in gammu's outbox
 * and to the file in gammu's sent/, for Kirim (server → gateway long-poll →
 * outbox) and for the seed's method (the server in seed mode writes files
 * into a folder, a cron-style loop runs the seed's
 * `rsync -r --remove-source-files` at every wall-clock minute) side by side
 * in one run, each with its own real gammu-smsd and modem-sim. Also the
 * gateway's memory and CPU, for `kirim gateway` (bin/kirim.js through tsx)
 * and for the bundled single file that ships to a Raspberry Pi.
 *
 *   npx tsx bench/sms-latency.ts                  200 messages (~6 minutes)
 *   npx tsx bench/sms-latency.ts --messages 50    fewer messages, same phases
 *
 * Options: --messages N (outbox phase, default 200), --paced M (sent/ phase,
 * default 40), --idle-seconds S (CPU window, default 30), --paced-seconds and
 * --outbox-seconds (phase lengths, default 120 and 60; shorter ones only to
 * try the bench out: the seed's numbers need whole cron minutes).
 *
 * Phases, everything on 127.0.0.1:
 * 1. idle: the tsx gateway connected with nothing to do, S seconds.
 * 2. paced: M verifications per method, one every 3 s over 120 s. gammu
 *    sends about one part a second, so at this pace the Kirim modem never
 *    queues and sent/ latency is the path's own; the seed's files still
 *    wait for the next minute and then for each other.
 * 3. outbox: N verifications per method spread evenly over 60 s, so arrival
 *    times cover a whole cron minute (the seed's wait is then uniform over
 *    0–60 s, as for real traffic). gammu cannot keep up with this rate, so
 *    only the outbox is measured here; sent/ latency would be queueing.
 * 4. bundle: the tsx gateway stops; dist/kirim-gateway.js (built from
 *    tsup.config.ts) starts on a third gammu-smsd with the systemd unit's
 *    Node flags; idle S seconds, then the same N-over-60 s load.
 * The last cron minute runs during phase 4.
 *
 * Time: from the client starting the POST to the first inotify event of the
 * file in the folder (see SpoolWatch). Each verification goes to its own
 * number; the number in the file name links the file to the request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  Cleanup,
  SpoolWatch,
  benchDir,
  buildGatewayBundle,
  cpuSecondsOf,
  memoryOf,
  ms,
  nowMs,
  postJson,
  recipientOf,
  rssSampler,
  sleep,
  startBenchGateway,
  startBenchServer,
  startSimGammu,
  summarize,
  until,
  type BenchGateway,
  type BenchServer,
  type GatewayKind,
  type SimGammu,
  type Summary,
} from './support/sms-rig.js';
import { gatewayUnitNodeFlags } from '../test/support/process.js';

const args = process.argv.slice(2);
const intFlag = (name: string, fallback: number, min: number): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
  return v;
};
const MESSAGES = intFlag('messages', 200, 2);
const PACED = intFlag('paced', 40, 2);
const IDLE_S = intFlag('idle-seconds', 30, 5);
const PACED_SPAN_MS = intFlag('paced-seconds', 120, 1) * 1000;
const OUTBOX_SPAN_MS = intFlag('outbox-seconds', 60, 1) * 1000;

type Method = 'kirim' | 'bundle' | 'seed';
type Phase = 'paced' | 'outbox';

/** One verification request, and when its file showed up where. */
interface Sample {
  method: Method;
  phase: Phase;
  to: string;
  postedAt: number;
  status?: number;
}

// Each method and phase has its own block of numbers: +62812<m><p><5 digits>.
const METHOD_DIGIT: Record<Method, number> = { kirim: 1, seed: 2, bundle: 3 };
const PHASE_DIGIT: Record<Phase, number> = { paced: 1, outbox: 2 };
const numberFor = (m: Method, p: Phase, i: number) => `+62812${METHOD_DIGIT[m]}${PHASE_DIGIT[p]}${String(i).padStart(5, '0')}`;

const cleanup = new Cleanup(12 * 60_000);
const samples: Sample[] = [];
const pending = new Set<Promise<unknown>>();

/** Starts a verification now, without waiting for the answer (the schedule must not slip). */
function fire(server: BenchServer, method: Method, phase: Phase, i: number): void {
  const s: Sample = { method, phase, to: numberFor(method, phase, i), postedAt: nowMs() };
  samples.push(s);
  const p = postJson(server.url, server.apiKey, '/v1/verifications', { to: s.to, channel: 'sms' })
    .then((r) => {
      s.status = r.status;
      if (r.status !== 201) process.stderr.write(`POST /v1/verifications for ${s.to}: ${r.status} ${JSON.stringify(r.body)}\n`);
    })
    .catch((err) => process.stderr.write(`POST /v1/verifications for ${s.to} failed: ${String(err)}\n`))
    .finally(() => pending.delete(p));
  pending.add(p);
}

/** Sends `count` verifications per target, evenly spread over `spanMs`. */
async function schedule(targets: Array<{ server: BenchServer; method: Method }>, phase: Phase, count: number, spanMs: number): Promise<void> {
  const interval = spanMs / count;
  const start = nowMs();
  for (let i = 0; i < count; i++) {
    await sleep(start + i * interval - nowMs());
    for (const t of targets) fire(t.server, t.method, phase, i);
  }
  await Promise.all(pending);
}

/** The seed's crontab line `* * * * * rsync -r --remove-source-files <dir>/ <outbox>/`, at second 0 of every minute. */
function startCron(from: string, to: string): { runs: number[]; stop(): Promise<void> } {
  const runs: number[] = [];
  let stopped = false;
  let child: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const next = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      runs.push(Date.now());
      current = new Promise<void>((done) => {
        child = spawn('rsync', ['-r', '--remove-source-files', `${from}/`, to], { stdio: ['ignore', 'ignore', 'inherit'] });
        child.once('exit', (code) => {
          if (code !== 0 && !stopped) process.stderr.write(`rsync exited with ${code}\n`);
          child = undefined;
          done();
        });
      });
      next();
    }, 60_000 - (Date.now() % 60_000));
  };
  next();
  return {
    runs,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      child?.kill('SIGTERM');
      await current;
    },
  };
}

interface GatewayUsage {
  label: string;
  idleRssMb: number;
  idleCpuPercent: number;
  loadRssMb: number;
  loadCpuPercent: number;
  peakMb: number;
}

/** CPU and memory of a gateway left alone for IDLE_S seconds. */
async function measureIdle(gw: BenchGateway): Promise<{ rssMb: number; cpuPercent: number }> {
  const cpu0 = cpuSecondsOf(gw.pid);
  const t0 = nowMs();
  await sleep(IDLE_S * 1000);
  const cpu = cpuSecondsOf(gw.pid) - cpu0;
  return { rssMb: memoryOf(gw.pid).rssMb, cpuPercent: (cpu / ((nowMs() - t0) / 1000)) * 100 };
}

/** Runs the N-over-60 s load against `server` while sampling the gateway; waits for every file to reach the outbox. */
async function loadPhase(
  gw: BenchGateway,
  targets: Array<{ server: BenchServer; method: Method }>,
  outbox: SpoolWatch,
  method: Method,
): Promise<{ rssMb: number; cpuPercent: number }> {
  const sampler = rssSampler(gw.pid);
  const cpu0 = cpuSecondsOf(gw.pid);
  const t0 = nowMs();
  await schedule(targets, 'outbox', MESSAGES, OUTBOX_SPAN_MS);
  // Until the last file is in, then a few seconds of sent/ reports.
  await until(`${method} outbox files`, () => (samples.filter((s) => s.method === method && s.phase === 'outbox').every((s) => outbox.find(`_${s.to}_`)) ? true : undefined), 30_000);
  await sleep(5000);
  const cpu = cpuSecondsOf(gw.pid) - cpu0;
  const cpuPercent = (cpu / ((nowMs() - t0) / 1000)) * 100;
  return { rssMb: sampler.stop(), cpuPercent };
}

async function main(): Promise<void> {
  const started = Date.now();
  const root = benchDir(cleanup, 'sms-latency');
  const log = (s: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${s}\n`);

  log('building the gateway bundle with tsup.config.ts');
  const bundleFile = await buildGatewayBundle(join(root, 'dist'));

  log('starting two kirim servers (one in seed mode), three gammu-smsd with modem-sim');
  const seedFolder = join(root, 'seed', 'var/lib/aplikasi-saya/smsout');
  const [kirimServer, seedServer, kGammu, sGammu, bGammu] = await Promise.all([
    startBenchServer(cleanup, mkdirp(join(root, 'kirim-server'))),
    startBenchServer(cleanup, mkdirp(join(root, 'seed-server')), { KIRIM_SEED_OUTBOX: seedFolder }),
    startSimGammu(cleanup, join(root, 'kirim-modem')),
    startSimGammu(cleanup, join(root, 'seed-modem')),
    startSimGammu(cleanup, join(root, 'bundle-modem')),
  ]);
  const tsxToken = kirimServer.newGatewayToken('bench-tsx');
  const bundleToken = kirimServer.newGatewayToken('bench-bundle');

  const watches = {
    kirimOutbox: new SpoolWatch(kGammu.spool.outbox),
    kirimSent: new SpoolWatch(kGammu.spool.sent),
    bundleOutbox: new SpoolWatch(bGammu.spool.outbox),
    seedFolder: new SpoolWatch(seedFolder),
    seedOutbox: new SpoolWatch(sGammu.spool.outbox),
    seedSent: new SpoolWatch(sGammu.spool.sent),
  };
  cleanup.add('file watchers', () => Object.values(watches).forEach((w) => w.close()));
  const cron = startCron(seedFolder, sGammu.spool.outbox);
  cleanup.add('cron loop', () => cron.stop());

  const gw = await startGateway(cleanup, { kind: 'tsx' }, kirimServer, tsxToken, kGammu, join(root, 'gw-tsx'));
  log(`gateway (tsx) pid ${gw.pid}: warm-up messages`);
  await warmUp(kirimServer, kGammu, 'kirim');
  await warmUpSeed(seedServer, watches.seedFolder);

  log(`phase 1: ${IDLE_S} s idle`);
  const tsxIdle = await measureIdle(gw);

  log(`phase 2: ${PACED} verifications per method over ${PACED_SPAN_MS / 1000} s (sent/ latency)`);
  const both = [
    { server: kirimServer, method: 'kirim' as const },
    { server: seedServer, method: 'seed' as const },
  ];
  await schedule(both, 'paced', PACED, PACED_SPAN_MS);

  log(`phase 3: ${MESSAGES} verifications per method over ${OUTBOX_SPAN_MS / 1000} s (outbox latency, gateway under load)`);
  const tsxLoad = await loadPhase(gw, both, watches.kirimOutbox, 'kirim');
  const tsxPeak = memoryOf(gw.pid).hwmMb;
  // Kirim sent/ arrivals of phase 2 are long done; stop this modem's backlog
  // so it does not compete for the two cores with what follows.
  await gw.stop();
  await kGammu.stop();

  log('phase 4: bundled gateway (node kirim-gateway.js)');
  // With the Node flags of deploy/systemd/kirim-gateway.service: what runs on the Pi.
  const bgw = await startGateway(cleanup, { kind: 'bundle', file: bundleFile, nodeArgs: gatewayUnitNodeFlags() }, kirimServer, bundleToken, bGammu, join(root, 'gw-bundle'));
  await warmUp(kirimServer, bGammu, 'bundle');
  const bundleIdle = await measureIdle(bgw);
  const bundleLoad = await loadPhase(bgw, [{ server: kirimServer, method: 'bundle' }], watches.bundleOutbox, 'bundle');
  const bundlePeak = memoryOf(bgw.pid).hwmMb;
  await bgw.stop();

  log('waiting for the seed: files of the last minute, and sent/ of the paced phase');
  const seedDone = () => samples.filter((s) => s.method === 'seed').every((s) => watches.seedOutbox.find(`_${s.to}_`) && (s.phase !== 'paced' || watches.seedSent.find(`_${s.to}_`)));
  await until('the seed files', () => (seedDone() ? true : undefined), 150_000, 200);

  // ---------------------------------------------------------------- report
  const lat = (method: Method, phase: Phase, w: SpoolWatch): number[] => {
    const out: number[] = [];
    for (const s of samples.filter((x) => x.method === method && x.phase === phase)) {
      const hit = w.find(`_${s.to}_`);
      if (hit && recipientOf(hit.name) === s.to) out.push(hit.at - s.postedAt);
    }
    return out;
  };
  const rows: Array<{ method: string; hop: string; s: Summary; want: number }> = [];
  const add = (method: string, hop: string, values: number[], want: number) => rows.push({ method, hop, s: summarize(values), want });
  add('kirim (gateway: bin/kirim.js)', `outbox, ${MESSAGES} over ${OUTBOX_SPAN_MS / 1000} s`, lat('kirim', 'outbox', watches.kirimOutbox), MESSAGES);
  add('kirim (gateway: bin/kirim.js)', `outbox, paced`, lat('kirim', 'paced', watches.kirimOutbox), PACED);
  add('kirim (gateway: bin/kirim.js)', `sent/, paced`, lat('kirim', 'paced', watches.kirimSent), PACED);
  add('kirim (gateway: kirim-gateway.js)', `outbox, ${MESSAGES} over ${OUTBOX_SPAN_MS / 1000} s`, lat('bundle', 'outbox', watches.bundleOutbox), MESSAGES);
  add('seed (cron + rsync)', `server folder, ${MESSAGES} over ${OUTBOX_SPAN_MS / 1000} s`, lat('seed', 'outbox', watches.seedFolder), MESSAGES);
  add('seed (cron + rsync)', `outbox, ${MESSAGES} over ${OUTBOX_SPAN_MS / 1000} s`, lat('seed', 'outbox', watches.seedOutbox), MESSAGES);
  add('seed (cron + rsync)', `outbox, paced`, lat('seed', 'paced', watches.seedOutbox), PACED);
  add('seed (cron + rsync)', `sent/, paced`, lat('seed', 'paced', watches.seedSent), PACED);

  const failedPosts = samples.filter((s) => s.status !== 201).length;
  const out: string[] = [];
  out.push('');
  out.push(`SMS latency from POST /v1/verifications, ${MESSAGES} messages per method in the outbox phase (evenly over ${OUTBOX_SPAN_MS / 1000} s),`);
  out.push(`${PACED} per method in the paced phase (one every ${(PACED_SPAN_MS / PACED / 1000).toFixed(1)} s, slower than gammu's ~1 part/s, so sent/ is not queueing).`);
  out.push(`gammu-smsd ${'LoopSleep=1, CommTimeout=1'} + kirim modem-sim answering at once; cron ran rsync at ${cron.runs.map((t) => new Date(t).toISOString().slice(11, 19)).join(', ')} UTC.`);
  out.push('');
  out.push('| method | hop | n | p50 ms | p99 ms | max ms |');
  out.push('|---|---|---:|---:|---:|---:|');
  for (const r of rows) out.push(`| ${r.method} | ${r.hop} | ${r.s.n}${r.s.n < r.want ? ` of ${r.want}` : ''} | ${ms(r.s.p50)} | ${ms(r.s.p99)} | ${ms(r.s.max)} |`);
  const kirimOutbox = rows[0]!.s;
  const seedOutbox = rows[5]!.s;
  const ratio = seedOutbox.p50 / kirimOutbox.p50;
  out.push('');
  out.push(`seed median / Kirim median (outbox, ${MESSAGES} over ${OUTBOX_SPAN_MS / 1000} s): ${Math.round(ratio)}×`);
  out.push(`aim: Kirim outbox p99 < 250 ms: ${kirimOutbox.p99 < 250 ? 'met' : 'NOT met'} (${ms(kirimOutbox.p99)} ms); ≥ 100× faster than the seed's median: ${ratio >= 100 ? 'met' : 'NOT met'}`);
  if (failedPosts) out.push(`requests not answered 201: ${failedPosts}`);
  out.push('');
  const usage: GatewayUsage[] = [
    { label: 'kirim gateway (bin/kirim.js, tsx)', idleRssMb: tsxIdle.rssMb, idleCpuPercent: tsxIdle.cpuPercent, loadRssMb: tsxLoad.rssMb, loadCpuPercent: tsxLoad.cpuPercent, peakMb: tsxPeak },
    { label: `node ${gatewayUnitNodeFlags().join(' ')} kirim-gateway.js (bundle, as the unit runs it)`, idleRssMb: bundleIdle.rssMb, idleCpuPercent: bundleIdle.cpuPercent, loadRssMb: bundleLoad.rssMb, loadCpuPercent: bundleLoad.cpuPercent, peakMb: bundlePeak },
  ];
  out.push(`Gateway process (VmRSS from /proc/<pid>/status; CPU = utime+stime from /proc/<pid>/stat ÷ wall time, % of one core).`);
  out.push(`Idle: ${IDLE_S} s with nothing to send (long-poll open, heartbeats every 15 s). Load: ${MESSAGES} messages over ${OUTBOX_SPAN_MS / 1000} s, until the last is spooled + 5 s.`);
  out.push('');
  out.push('| gateway | RSS idle MB | CPU idle % | RSS under load (max) MB | CPU under load % | VmHWM MB |');
  out.push('|---|---:|---:|---:|---:|---:|');
  for (const u of usage) out.push(`| ${u.label} | ${u.idleRssMb.toFixed(1)} | ${u.idleCpuPercent.toFixed(2)} | ${u.loadRssMb.toFixed(1)} | ${u.loadCpuPercent.toFixed(2)} | ${u.peakMb.toFixed(1)} |`);
  out.push('');
  for (const u of usage) {
    out.push(`aim ${u.label}: RSS < 60 MB ${Math.max(u.idleRssMb, u.loadRssMb) < 60 ? 'met' : 'NOT met'}; idle CPU near zero (< 1 %) ${u.idleCpuPercent < 1 ? 'met' : 'NOT met'}`);
  }
  out.push(`run time ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(out.join('\n'));
}

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function startGateway(c: Cleanup, how: GatewayKind, server: BenchServer, token: string, gammu: SimGammu, dir: string): Promise<BenchGateway> {
  mkdirSync(dir, { recursive: true });
  return startBenchGateway(c, how, { server: server.url, token, smsdrc: gammu.smsdrc, stateDir: join(dir, 'state'), logfile: join(dir, 'gateway.log') });
}

/** One message through the whole path first: gammu's first send, the gateway's first lease and the JIT are not measured. */
async function warmUp(server: BenchServer, gammu: SimGammu, label: string): Promise<void> {
  const to = `+628129${label === 'kirim' ? 1 : 3}000000`;
  const r = await postJson(server.url, server.apiKey, '/v1/messages', { to, channel: 'sms', text: 'warm-up' });
  if (r.status !== 202 && r.status !== 201) throw new Error(`warm-up message: ${r.status} ${JSON.stringify(r.body)}`);
  const sent = new SpoolWatch(gammu.spool.sent);
  try {
    await until(`the ${label} warm-up message in sent/`, () => sent.find(`_${to}_`), 60_000);
  } finally {
    sent.close();
  }
  await sleep(3000);
}

/** The seed server's first request and first file are not measured either. */
async function warmUpSeed(server: BenchServer, folder: SpoolWatch): Promise<void> {
  const to = '+6281292000000';
  const r = await postJson(server.url, server.apiKey, '/v1/messages', { to, channel: 'sms', text: 'warm-up' });
  if (r.status !== 202 && r.status !== 201) throw new Error(`seed warm-up message: ${r.status} ${JSON.stringify(r.body)}`);
  await until('the seed warm-up file', () => folder.find(`_${to}_`), 30_000);
}

try {
  await main();
} finally {
  await cleanup.run();
}
