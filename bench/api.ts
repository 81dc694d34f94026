/**
 * Verification start and check throughput and latency at 50 concurrent
 * clients against a real `kirim server` process, on SQLite and PostgreSQL
 * side by side in one run (autocannon on 127.0.0.1).
 *
 *   npx tsx bench/api.ts                 5 s per phase
 *   npx tsx bench/api.ts --duration 20   longer phases
 */
import autocannon from 'autocannon';
import { join } from 'node:path';
import { freshDbUrl } from '../src/server/store/testing.js';
import type { Dialect } from '../src/server/store/index.js';
import { kirim, startServerProcess, tempDir } from '../test/support/process.js';
import { NO_BUDGETS } from './support/sms-rig.js';

const args = process.argv.slice(2);
const duration = Number(args[args.indexOf('--duration') + 1] ?? 5) || 5;
const connections = 50;

interface Row {
  store: Dialect;
  phase: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((ok, fail) => {
    autocannon(opts, (err, res) => (err ? fail(err) : ok(res)));
  });
}

async function bench(dialect: Dialect): Promise<Row[]> {
  const dataDir = tempDir('kirim-bench');
  const { url: db, drop } = await freshDbUrl(dialect, join(dataDir, 'kirim.db'));
  // Thousands of requests per second from one key: lift the budgets out of the way.
  const srv = await startServerProcess(['--db', db, '--data-dir', dataDir], { KIRIM_LOG_LEVEL: 'error', ...NO_BUDGETS });
  // Administrative commands need the database the server created.
  const key = kirim(['keys', 'create', '--name', 'bench', '--db', db, '--data-dir', dataDir]).stdout.trim();
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const rows: Row[] = [];
  try {
    // Phase 1: starts, each to a new destination.
    let n = 0;
    const ids: string[] = [];
    const starts = await run({
      url: srv.url,
      connections,
      duration,
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
    rows.push(row(dialect, 'start verification', starts));

    // Phase 2: checks with a wrong code, spread over the verifications just
    // created (each takes 5 attempts, so most checks write).
    let i = 0;
    const checks = await run({
      url: srv.url,
      connections,
      duration,
      requests: [
        {
          method: 'POST',
          path: '/v1/verifications/check',
          headers,
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ id: ids[i++ % ids.length], code: '000000' }) }),
        },
      ],
    });
    rows.push(row(dialect, 'check (wrong code)', checks));
  } finally {
    await srv.stop();
    await drop();
  }
  return rows;
}

function row(store: Dialect, phase: string, r: autocannon.Result): Row {
  return { store, phase, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

const all: Row[] = [];
for (const d of ['sqlite', 'postgres'] as Dialect[]) all.push(...(await bench(d)));

console.log(`\n${connections} connections, ${duration} s per phase, kirim server on 127.0.0.1\n`);
console.log('| store | phase | req/s | p50 ms | p99 ms | non-2xx | errors |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const r of all) console.log(`| ${r.store} | ${r.phase} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} |`);
const ratio = (phase: string) => {
  const s = all.find((r) => r.store === 'sqlite' && r.phase === phase)!;
  const p = all.find((r) => r.store === 'postgres' && r.phase === phase)!;
  return (s.rps / p.rps).toFixed(2);
};
console.log(`\nSQLite / PostgreSQL throughput: starts ${ratio('start verification')}×, checks ${ratio('check (wrong code)')}×`);
