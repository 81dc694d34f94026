/**
 * Kirim against Kannel, side by side in one run, everything on 127.0.0.1:
 * SMS accepted over HTTP per second, and SMS handed to the SMS side per
 * second, at 1 and 10 client connections.
 *
 * - Kannel (Debian's kannel + kannel-extras): smsbox `sendsms` (GET) →
 *   bearerbox → its `fake` SMSC → Kannel's own `fakesmsc`, which counts
 *   what it receives. Twice: the queue in memory, and `store-type = spool`
 *   (each message a file until it is sent; Kirim's store is the peer).
 * - Kirim: POST /v1/messages → `kirim server` (202 after the commit) →
 *   a simulated gateway (bench/support/sim-gateway.ts: long-poll lease,
 *   report `spooled`), which counts what it leases. On SQLite and on
 *   PostgreSQL.
 *
 * Each phase runs autocannon for `--duration` seconds; "handed/s" counts
 * what reached the SMS side within the phase, then the bench waits for the
 * queue to drain before the next phase. CPU is the server side's
 * (bearerbox + smsbox, or the kirim server), % of one core over the phase.
 *
 *   npm run bench -- bench/kannel.ts                  10 s per phase
 *   npx tsx bench/kannel.ts --duration 5 --only kirim-sqlite
 *   KIRIM_BENCH_LOG_LEVEL=warn npx tsx bench/kannel.ts
 *   npx tsx bench/kannel.ts --baseline /tmp/kirim-before --baseline-name before
 *     (also runs that checkout's kirim server, rows side by side)
 *   KIRIM_BENCH_CPU_PROF=/tmp/prof npx tsx bench/kannel.ts --only kirim-sqlite
 *     (a V8 CPU profile of each kirim server in /tmp/prof)
 */
import autocannon from 'autocannon';
import { kannelMissing, startKannel, type KannelStore } from './support/kannel.js';
import { startKirim } from './support/kirim-server.js';
import { startSimGateway } from './support/sim-gateway.js';
import { Cleanup, benchDir, cpuSecondsOf, sleep } from './support/sms-rig.js';
import type { Dialect } from '../src/server/store/index.js';
import { loadavg } from 'node:os';

const args = process.argv.slice(2);
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const duration = Number(flag('--duration') ?? 10) || 10;
const only = flag('--only')?.split(',');
const CONNECTIONS = [1, 10];
const logLevel = process.env.KIRIM_BENCH_LOG_LEVEL ?? 'info';
// Another checkout (e.g. an earlier commit, with node_modules) measured in
// the same run, for before/after figures that share the machine's load.
const baseline = flag('--baseline');
const baselineName = flag('--baseline-name') ?? 'baseline';

const cleanup = new Cleanup(30 * 60_000);
const TEXT = 'Kode verifikasi Kirim Anda: 123456. Berlaku 10 menit.';

interface Row {
  system: string;
  connections: number;
  accepted: number;
  handed: number;
  p99: number;
  non2xx: number;
  errors: number;
  cpu: number;
}

/** What a system under test offers the phases. */
interface System {
  name: string;
  request(n: number): autocannon.Request;
  url: string;
  handed(): number;
  pids: number[];
  stop(): Promise<void>;
}

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((ok, fail) => {
    autocannon(opts, (err, res) => (err ? fail(err) : ok(res)));
  });
}

const to = (n: number) => `+62812${String(10_000_000 + (n % 90_000_000)).padStart(8, '0')}`;

async function phases(sys: System): Promise<Row[]> {
  let n = 0;
  let sent = 0;
  const load = (connections: number, seconds: number) =>
    run({
      url: sys.url,
      connections,
      duration: seconds,
      requests: [{ setupRequest: (req) => ({ ...req, ...sys.request(n++) }) }],
    });
  const drain = async () => {
    const deadline = Date.now() + 120_000;
    while (sys.handed() < sent && Date.now() < deadline) await sleep(50);
    if (sys.handed() < sent) throw new Error(`${sys.name}: ${sent - sys.handed()} accepted messages never reached the SMS side`);
  };
  // Warm-up (JIT, caches, connections), not counted.
  const warm = await load(10, 2);
  sent += warm['2xx'];
  await drain();
  const rows: Row[] = [];
  for (const connections of CONNECTIONS) {
    const h0 = sys.handed();
    const c0 = sys.pids.reduce((s, p) => s + cpuSecondsOf(p), 0);
    const t0 = performance.now();
    const r = await load(connections, duration);
    const secs = (performance.now() - t0) / 1000;
    const h1 = sys.handed();
    const c1 = sys.pids.reduce((s, p) => s + cpuSecondsOf(p), 0);
    sent += r['2xx'];
    rows.push({
      system: sys.name,
      connections,
      accepted: r['2xx'] / secs,
      handed: (h1 - h0) / secs,
      p99: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors,
      cpu: (100 * (c1 - c0)) / secs,
    });
    await drain();
  }
  return rows;
}

async function kannel(store: KannelStore): Promise<System> {
  const k = await startKannel(cleanup, benchDir(cleanup, `kannel-${store}`), store);
  return {
    name: `Kannel (${store === 'memory' ? 'in-memory queue' : 'store-type = spool'})`,
    url: k.sendsmsUrl,
    request: (n) => ({ method: 'GET', path: `/cgi-bin/sendsms?${k.auth}&to=${encodeURIComponent(to(n))}&text=${encodeURIComponent(TEXT)}` }),
    handed: () => k.handed() - 1, // the warm-up SMS startKannel sent
    pids: k.pids,
    stop: k.stop,
  };
}

async function kirim(dialect: Dialect, checkout?: string): Promise<System> {
  const dir = benchDir(cleanup, `kirim-${dialect}`);
  const profile = process.env.KIRIM_BENCH_CPU_PROF;
  const srv = await startKirim(cleanup, dir, dialect, { logLevel, ...(checkout ? { checkout } : {}), ...(profile ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profile] } : {}) });
  const gw = startSimGateway(srv.url, srv.gatewayToken);
  const headers = { authorization: `Bearer ${srv.apiKey}`, 'content-type': 'application/json' };
  return {
    name: `Kirim (${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}${checkout ? `, ${baselineName}` : ''})`,
    url: srv.url,
    request: (n) => ({ method: 'POST', path: '/v1/messages', headers, body: JSON.stringify({ to: to(n), channel: 'sms', text: TEXT }) }),
    handed: gw.leased,
    pids: [srv.pid],
    async stop() {
      await gw.stop();
      await srv.stop();
    },
  };
}

const systems: Array<[string, () => Promise<System>]> = [
  ['kannel-memory', () => kannel('memory')],
  ['kannel-spool', () => kannel('spool')],
  ...(baseline ? ([['kirim-sqlite', () => kirim('sqlite', baseline)]] as Array<[string, () => Promise<System>]>) : []),
  ['kirim-sqlite', () => kirim('sqlite')],
  ...(baseline ? ([['kirim-postgres', () => kirim('postgres', baseline)]] as Array<[string, () => Promise<System>]>) : []),
  ['kirim-postgres', () => kirim('postgres')],
];

const missing = kannelMissing();
if (missing && (!only || only.some((o) => o.startsWith('kannel')))) {
  console.error(`Kannel is not installed: ${missing}. scripts/bench installs it (as root on Debian).`);
  process.exit(1);
}

const load0 = loadavg()[0]!.toFixed(2);
const started = new Date().toISOString();
const rows: Row[] = [];
try {
  for (const [id, make] of systems) {
    if (only && !only.includes(id)) continue;
    const sys = await make();
    try {
      rows.push(...(await phases(sys)));
    } finally {
      await sys.stop();
    }
  }
} finally {
  await cleanup.run();
}

const f = (v: number) => Math.round(v).toLocaleString('en-US');
console.log(`\n${started}, ${duration} s per phase after a 2 s warm-up, load average ${load0} at the start and ${loadavg()[0]!.toFixed(2)} at the end; Kirim log level ${logLevel}.`);
console.log('accepted/s = 2xx answers per second; handed/s = SMS that reached the SMS side (fakesmsc / a leasing gateway) within the phase.\n');
console.log('| system | connections | accepted/s | handed/s | p99 ms | non-2xx | errors | server CPU % |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.system} | ${r.connections} | ${f(r.accepted)} | ${f(r.handed)} | ${r.p99} | ${r.non2xx} | ${r.errors} | ${Math.round(r.cpu)} |`);

const spool = rows.filter((r) => r.system.includes('spool'));
const byConn = (sys: string) => CONNECTIONS.map((c) => rows.find((r) => r.system === sys && r.connections === c));
if (spool.length > 0) {
  console.log('\nAccepted/s and handed/s as a ratio of Kannel with its spool store (aim ≥ 1.0×):\n');
  console.log(`| system | ${CONNECTIONS.map((c) => `${c} conn accepted | ${c} conn handed`).join(' | ')} |`);
  console.log(`|---|${CONNECTIONS.map(() => '---:|---:').join('|')}|`);
  const base = byConn(spool[0]!.system);
  for (const sys of [...new Set(rows.map((r) => r.system))]) {
    const cells = byConn(sys).map((r, i) => {
      const b = base[i];
      return r && b ? `${(r.accepted / b.accepted).toFixed(2)}× | ${(r.handed / b.handed).toFixed(2)}×` : '– | –';
    });
    console.log(`| ${sys} | ${cells.join(' | ')} |`);
  }
}

