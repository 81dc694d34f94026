/**
 * The API ceiling: Kirim's verification starts and checks against a bare
 * Fastify route doing one insert and one select (bench/support/bare-server.ts)
 * on the same database, side by side in one run, on SQLite and on
 * PostgreSQL. Each server is its own process; autocannon drives it from
 * this one, on 127.0.0.1.
 *
 * Aims (issue "Kirim at scale"): starts ≥ 0.5× the bare route, checks
 * ≥ 0.8×, p99 < 50 ms.
 *
 *   npm run bench -- bench/api-ceiling.ts                 10 s per phase, 50 connections
 *   npx tsx bench/api-ceiling.ts --duration 5 --connections 10 --only sqlite
 *   KIRIM_BENCH_LOG_LEVEL=warn npx tsx bench/api-ceiling.ts
 *   npx tsx bench/api-ceiling.ts --baseline /tmp/kirim-before --baseline-name before
 *     (also measures that checkout's kirim server, rows side by side)
 *   KIRIM_BENCH_CPU_PROF=/tmp/prof npx tsx bench/api-ceiling.ts   (CPU profile of each kirim server)
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { stopChild } from '../src/dev/stop-child.js';
import { freshDbUrl } from '../src/server/store/testing.js';
import type { Dialect } from '../src/server/store/index.js';
import { startKirim } from './support/kirim-server.js';
import { Cleanup, benchDir, cpuSecondsOf } from './support/sms-rig.js';

const args = process.argv.slice(2);
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const duration = Number(flag('--duration') ?? 10) || 10;
const connections = Number(flag('--connections') ?? 50) || 50;
const only = flag('--only')?.split(',') as Dialect[] | undefined;
const logLevel = process.env.KIRIM_BENCH_LOG_LEVEL ?? 'info';
// Another checkout (e.g. an earlier commit, with node_modules) measured in the same run.
const baseline = flag('--baseline');
const baselineName = flag('--baseline-name') ?? 'baseline';
const cleanup = new Cleanup(30 * 60_000);

interface Row {
  store: Dialect;
  phase: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  cpu: number;
}

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((ok, fail) => {
    autocannon(opts, (err, res) => (err ? fail(err) : ok(res)));
  });
}

async function measure(store: Dialect, phase: string, pid: number, opts: autocannon.Options): Promise<Row> {
  // Warm-up (JIT, statement caches, pool), not counted.
  await run({ ...opts, duration: 2 });
  const c0 = cpuSecondsOf(pid);
  const t0 = performance.now();
  const r = await run({ ...opts, connections, duration });
  const cpu = (100 * (cpuSecondsOf(pid) - c0)) / ((performance.now() - t0) / 1000);
  return { store, phase, rps: r['2xx'] / duration, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, cpu };
}

async function bare(dialect: Dialect, dir: string): Promise<Row> {
  const { url: db, drop } = await freshDbUrl(dialect, join(dir, 'bare.db'));
  cleanup.add('drop bare database', drop);
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'support/bare-server.ts'), db], { stdio: ['ignore', 'ignore', 'pipe'] });
  cleanup.add(`bare server pid ${child.pid}`, () => stopChild(child));
  const url = await new Promise<string>((ok, fail) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += String(d);
      const m = /listening on (\S+)/.exec(err);
      if (m) ok(m[1]!);
    });
    child.once('exit', (code) => fail(new Error(`bare server exited with ${code}: ${err}`)));
  });
  let n = 0;
  const row = await measure(dialect, 'bare fastify: 1 insert + 1 select', child.pid!, {
    url,
    connections,
    requests: [{ method: 'POST', path: '/rows', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: JSON.stringify({ to: `+62812${n++}` }) }) }],
  });
  await stopChild(child);
  return row;
}

async function kirim(dialect: Dialect, dir: string, checkout?: string): Promise<Row[]> {
  const profile = process.env.KIRIM_BENCH_CPU_PROF;
  const srv = await startKirim(cleanup, dir, dialect, { logLevel, ...(checkout ? { checkout } : {}), ...(profile ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profile] } : {}) });
  const label = checkout ? ` (${baselineName})` : '';
  const headers = { authorization: `Bearer ${srv.apiKey}`, 'content-type': 'application/json' };
  let n = 0;
  const ids: string[] = [];
  const starts = await measure(dialect, `start verification${label}`, srv.pid, {
    url: srv.url,
    connections,
    requests: [
      {
        method: 'POST',
        path: '/v1/verifications',
        headers,
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ to: `0812${String(10_000_000 + n++).padStart(8, '0')}`, channel: 'sms' }) }),
        onResponse: (status, body) => {
          if (status === 201) ids.push(JSON.parse(body).id);
        },
      },
    ],
  });
  // Checks with a wrong code spread over the verifications just started
  // (each takes 5, so most checks write).
  let i = 0;
  const checks = await measure(dialect, `check (wrong code)${label}`, srv.pid, {
    url: srv.url,
    connections,
    requests: [{ method: 'POST', path: '/v1/verifications/check', headers, setupRequest: (req) => ({ ...req, body: JSON.stringify({ id: ids[i++ % ids.length], code: '000000' }) }) }],
  });
  await srv.stop();
  return [starts, checks];
}

const load0 = loadavg()[0]!.toFixed(2);
const started = new Date().toISOString();
const rows: Row[] = [];
try {
  for (const d of ['sqlite', 'postgres'] as Dialect[]) {
    if (only && !only.includes(d)) continue;
    const dir = benchDir(cleanup, `ceiling-${d}`);
    rows.push(await bare(d, dir));
    if (baseline) rows.push(...(await kirim(d, benchDir(cleanup, `ceiling-${d}-${baselineName}`), baseline)));
    rows.push(...(await kirim(d, dir)));
  }
} finally {
  await cleanup.run();
}

console.log(`\n${started}, ${connections} connections, ${duration} s per phase after a 2 s warm-up, load average ${load0} at the start and ${loadavg()[0]!.toFixed(2)} at the end; Kirim log level ${logLevel}.\n`);
console.log('| store | phase | req/s | × bare | p50 ms | p99 ms | non-2xx | errors | server CPU % |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const base = rows.find((b) => b.store === r.store && b.phase.startsWith('bare'))!;
  console.log(`| ${r.store} | ${r.phase} | ${Math.round(r.rps)} | ${(r.rps / base.rps).toFixed(2)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} | ${Math.round(r.cpu)} |`);
}
const aim = (r: Row, ratio: number) => {
  const base = rows.find((b) => b.store === r.store && b.phase.startsWith('bare'))!;
  return `${r.store} ${r.phase}: ${(r.rps / base.rps).toFixed(2)}× (aim ≥ ${ratio}×) ${r.rps / base.rps >= ratio ? 'met' : 'NOT met'}, p99 ${r.p99} ms (aim < 50) ${r.p99 < 50 ? 'met' : 'NOT met'}`;
};
console.log();
for (const r of rows) {
  if (r.phase.startsWith('start')) console.log(aim(r, 0.5));
  if (r.phase.startsWith('check')) console.log(aim(r, 0.8));
}
