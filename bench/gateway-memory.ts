/**
 * The gateway's resident memory and CPU on the Raspberry Pi's terms: the
 * single-file bundle (dist/kirim-gateway.js, built with tsup.config.ts) run
 * by plain `node`, side by side in the same run with the same bundle run
 * with the Node flags that deploy/systemd/kirim-gateway.service ships
 * (read from its ExecStart line, so the bench measures what is installed).
 *
 *   npx tsx bench/gateway-memory.ts                     60 messages each, ~2 minutes
 *   npx tsx bench/gateway-memory.ts --messages 200 --idle-seconds 60
 *
 * Each variant has its own `kirim server`, real gammu-smsd + modem-sim and
 * gateway; both run at once so machine noise hits both.
 * Phases per variant: one warm-up SMS through the whole path, then idle
 * (nothing to send; long poll open, heartbeats), then load (N SMS spread
 * over 20 s, until every file is in gammu's sent/ + 3 s). RSS is VmRSS from
 * /proc, sampled every 100 ms; CPU is utime+stime over wall time.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  Cleanup,
  SpoolWatch,
  benchDir,
  buildGatewayBundle,
  cpuSecondsOf,
  memoryOf,
  nowMs,
  postJson,
  rssSampler,
  sleep,
  startBenchGateway,
  startBenchServer,
  startSimGammu,
  until,
} from './support/sms-rig.js';
import { gatewayUnitNodeFlags } from '../test/support/process.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}
const MESSAGES = arg('messages', 60);
const IDLE_S = arg('idle-seconds', 30);
const SPAN_MS = 20_000;

interface Result {
  label: string;
  idleRss: number;
  idleAnon: number;
  idleFile: number;
  idleCpu: number;
  loadRss: number;
  loadCpu: number;
  hwm: number;
  sentSeconds: number;
}

async function variant(cleanup: Cleanup, root: string, bundle: string, label: string, nodeArgs: string[], digit: number): Promise<Result> {
  const dir = join(root, `v${digit}`);
  mkdirSync(dir, { recursive: true });
  // A server per variant: gateways of one server share its queue.
  const server = await startBenchServer(cleanup, join(dir, 'server'));
  const gammu = await startSimGammu(cleanup, dir);
  const token = server.newGatewayToken(`bench-memory-${digit}`);
  const gw = await startBenchGateway(cleanup, { kind: 'bundle', file: bundle, nodeArgs }, {
    server: server.url,
    token,
    smsdrc: gammu.smsdrc,
    stateDir: join(dir, 'state'),
    logfile: join(dir, 'gateway.log'),
  });
  const sent = new SpoolWatch(gammu.spool.sent);
  cleanup.add(`watch ${gammu.spool.sent}`, () => sent.close());
  const send = async (to: string) => {
    const r = await postJson(server.url, server.apiKey, '/v1/messages', { to, channel: 'sms', text: `memory bench ${to}` });
    if (r.status !== 202 && r.status !== 201) throw new Error(`POST /v1/messages: ${r.status} ${JSON.stringify(r.body)}`);
  };
  const warm = `+6281297${digit}00000`;
  await send(warm);
  await until(`${label}: warm-up in sent/`, () => sent.find(`_${warm}_`), 60_000);
  await sleep(3000);

  const cpu0 = cpuSecondsOf(gw.pid);
  const t0 = nowMs();
  await sleep(IDLE_S * 1000);
  const idleCpu = ((cpuSecondsOf(gw.pid) - cpu0) / ((nowMs() - t0) / 1000)) * 100;
  const { rssMb: idleRss, anonMb: idleAnon, fileMb: idleFile } = memoryOf(gw.pid);

  const sampler = rssSampler(gw.pid);
  const cpu1 = cpuSecondsOf(gw.pid);
  const t1 = nowMs();
  const numbers = Array.from({ length: MESSAGES }, (_, i) => `+6281298${digit}${String(i).padStart(5, '0')}`);
  for (let i = 0; i < numbers.length; i++) {
    await sleep(t1 + (i * SPAN_MS) / numbers.length - nowMs());
    await send(numbers[i]!);
  }
  // gammu sends about one part a second: the queue drains after the span.
  await until(`${label}: every file in sent/`, () => (numbers.every((n) => sent.find(`_${n}_`)) ? true : undefined), MESSAGES * 5_000 + 60_000);
  const sentSeconds = (nowMs() - t1) / 1000;
  await sleep(3000);
  const loadCpu = ((cpuSecondsOf(gw.pid) - cpu1) / ((nowMs() - t1) / 1000)) * 100;
  const loadRss = sampler.stop();
  return { label, idleRss, idleAnon, idleFile, idleCpu, loadRss, loadCpu, hwm: memoryOf(gw.pid).hwmMb, sentSeconds };
}

async function main(cleanup: Cleanup): Promise<void> {
  const started = Date.now();
  const root = benchDir(cleanup, 'gateway-memory');
  const bundle = await buildGatewayBundle(join(root, 'dist'));
  const flags = gatewayUnitNodeFlags();
  const [plain, shipped] = await Promise.all([
    variant(cleanup, root, bundle, 'node kirim-gateway.js', [], 1),
    variant(cleanup, root, bundle, `node ${flags.join(' ')} kirim-gateway.js (the unit)`.replace('node  ', 'node '), flags, 2),
  ]);
  const f = (n: number) => n.toFixed(1);
  const out = [
    `${MESSAGES} SMS per variant over ${SPAN_MS / 1000} s, idle ${IDLE_S} s; both variants at once, each with its own gammu-smsd + modem-sim.`,
    '',
    '| gateway | RSS idle MB | of which private / file MB | CPU idle % | RSS under load (max) MB | CPU under load % | VmHWM MB | all in sent/ after s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...[plain, shipped].map((r) => `| ${r.label} | ${f(r.idleRss)} | ${f(r.idleAnon)} / ${f(r.idleFile)} | ${r.idleCpu.toFixed(2)} | ${f(r.loadRss)} | ${r.loadCpu.toFixed(2)} | ${f(r.hwm)} | ${f(r.sentSeconds)} |`),
    '',
    'private = RssAnon (heap, stacks, buffers); file = RssFile (mapped pages of the node binary and libraries, shared with other node processes).',
    `shipped ÷ plain: RSS idle ${(shipped.idleRss / plain.idleRss).toFixed(2)}, RSS under load ${(shipped.loadRss / plain.loadRss).toFixed(2)}, CPU under load ${(shipped.loadCpu / plain.loadCpu).toFixed(2)}`,
    `aim (shipped): RSS under 60 MB ${Math.max(shipped.idleRss, shipped.loadRss) < 60 ? 'met' : 'NOT met'} (max ${f(Math.max(shipped.idleRss, shipped.loadRss))} MB); idle CPU near zero (< 1 %) ${shipped.idleCpu < 1 ? 'met' : 'NOT met'}`,
    `run time ${((Date.now() - started) / 1000).toFixed(0)} s`,
  ];
  console.log(out.join('\n'));
}

const cleanup = new Cleanup(10 * 60_000);
try {
  await main(cleanup);
} finally {
  await cleanup.run();
}
