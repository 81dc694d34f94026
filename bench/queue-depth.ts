/**
 * Lease latency against the depth of the queue: one lease of 10 (a
 * gateway's usual `max`, in its own transaction, as the gateway service
 * does) with 10k, 100k and 1M SMS queued, on SQLite and PostgreSQL. The
 * queue has 10 API keys, one SMS in ten an OTP, three in ten on a pinned
 * route; the leasing gateway is unpinned (routes: its id and the unpinned
 * share), so it reads past the pinned ones.
 *
 * Beside the lease, the step it once spent its time in: finding the API
 * keys with queued SMS (the fair share reads each key's head). A plain
 * DISTINCT reads every queued row's index entry; the skip-scan the lease
 * uses now asks the index for the next key above the last, one probe per
 * key. Both are timed on the same rows, in the same run.
 *
 * The queue is filled with one INSERT ... SELECT per step (a series in the
 * database), then ANALYZEd; what a round leases is put back, so every
 * lease sees the same depth.
 *
 *   npx tsx bench/queue-depth.ts              100 leases per depth
 *   npx tsx bench/queue-depth.ts --leases 300
 *   npx tsx bench/queue-depth.ts --dialect postgres --max-depth 100000
 */
import { sql, type Kysely } from 'kysely';
import { DIALECTS, type Dialect, type Store } from '../src/server/store/index.js';
import type { Database } from '../src/server/store/schema.js';
import { queuedKeys } from '../src/server/store/repo.js';
import { openTestStore } from '../src/server/store/testing.js';

const args = process.argv.slice(2);
const flag = args.indexOf('--leases');
const leases = (flag >= 0 ? Number(args[flag + 1]) : 100) || 100;
const dflag = args.indexOf('--dialect');
const dialects = dflag >= 0 ? DIALECTS.filter((d) => d === args[dflag + 1]) : DIALECTS;
const mflag = args.indexOf('--max-depth');
const DEPTHS = [10_000, 100_000, 1_000_000].filter((d) => mflag < 0 || d <= Number(args[mflag + 1]));
const MAX = 10;
const BASE = Date.UTC(2026, 0, 1);
const GATEWAY = 'gw_bench';
const PINNED = '+62811 +62812';

/** Adds queued SMS numbered [from, to). */
async function fill(db: Kysely<Database>, dialect: Dialect, from: number, to: number) {
  for (let lo = from; lo < to; lo += 100_000) {
    const hi = Math.min(to, lo + 100_000);
    const series =
      dialect === 'postgres'
        ? sql`select i from generate_series(${sql.lit(lo)}::bigint, ${sql.lit(hi - 1)}::bigint) as g(i)`
        : sql`with recursive g(i) as (select ${sql.lit(lo)} union all select i + 1 from g where i < ${sql.lit(hi - 1)}) select i from g`;
    const text = (e: ReturnType<typeof sql>) => (dialect === 'postgres' ? sql`(${e})::text` : e);
    await sql`
      insert into messages (id, api_key_id, verification_id, channel, "to", text, subject, priority, priority_rank, status,
                            created_at, updated_at, expires_at, segments, encoding, gateway_id, lease_until, route, attempts, next_attempt_at, last_error)
      select 'msg_bench_' || ${text(sql`1000000000 + i`)}, 'key_' || ${text(sql`i % 10`)},
             case when i % 10 = 0 then 'ver_' || ${text(sql`i`)} end, 'sms', '+62812' || ${text(sql`10000000 + i`)}, 'bench', null,
             case when i % 10 = 0 then 'high' else 'normal' end, case when i % 10 = 0 then 0 else 1 end, 'queued',
             ${sql.lit(BASE)} + i, ${sql.lit(BASE)} + i, ${sql.lit(BASE + 30 * 86_400_000)}, 1, 'gsm7', null, null,
             case when i % 10 in (3, 6, 9) then ${sql.lit(PINNED)} end, 0, ${sql.lit(BASE)} + i, null
      from (${series}) as s`.execute(db);
  }
  await sql`analyze`.execute(db);
}

const QUEUED = sql`channel = 'sms' and status = 'queued' and route is null`;

/** The keys with queued SMS on the unpinned share, as the lease used to find them. */
const distinctKeys = (db: Kysely<Database>) => sql`select distinct api_key_id from messages where ${QUEUED}`.execute(db);

/** The same keys by skip-scan: the lease's own function (store/repo.ts). */
const skipScanKeys = (db: Kysely<Database>) => queuedKeys(db, [null]);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

interface Row {
  dialect: Dialect;
  depth: number;
  p50: number;
  p99: number;
  distinct: number;
  skip: number;
}

async function bench(dialect: Dialect): Promise<Row[]> {
  const store: Store = await openTestStore(dialect);
  const out: Row[] = [];
  try {
    let filled = 0;
    for (const depth of DEPTHS) {
      const started = performance.now();
      await fill(store.db, dialect, filled, depth);
      filled = depth;
      console.error(`${dialect}: ${depth} queued (filled in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
      const now = BASE + 2 * depth;
      const lease = () => store.transaction((tx) => tx.leaseSms({ gatewayId: GATEWAY, max: MAX, now, leaseUntil: now + 30_000, routes: [GATEWAY, null] }));
      const requeue = () => store.db.updateTable('messages').set({ status: 'queued', gateway_id: null, lease_until: null }).where('channel', '=', 'sms').where('status', '=', 'dispatched').execute();
      // Warm up (statement caches, the pages of the index).
      for (let i = 0; i < 5; i++) await lease();
      await requeue();
      const ms: number[] = [];
      for (let done = 0; done < leases; ) {
        for (let i = 0; i < 20 && done < leases; i++, done++) {
          let got = 0;
          ms.push(await time(async () => (got = (await lease()).length)));
          if (got !== MAX) throw new Error(`leased ${got}, expected ${MAX}`);
        }
        await requeue();
      }
      const keys: Record<'distinct' | 'skip', number[]> = { distinct: [], skip: [] };
      const rounds = depth >= 1_000_000 ? 10 : 30;
      for (let i = 0; i < rounds; i++) {
        keys.distinct.push(await time(() => distinctKeys(store.db)));
        keys.skip.push(await time(() => skipScanKeys(store.db)));
      }
      const a = (await distinctKeys(store.db)).rows.length;
      const b = (await skipScanKeys(store.db)).length;
      if (a !== b) throw new Error(`DISTINCT found ${a} keys, the skip-scan ${b}`);
      out.push({ dialect, depth, p50: pct(ms, 50), p99: pct(ms, 99), distinct: pct(keys.distinct, 50), skip: pct(keys.skip, 50) });
    }
  } finally {
    await store.close();
  }
  return out;
}

const rows: Row[] = [];
for (const dialect of dialects) rows.push(...(await bench(dialect)));
const f = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
console.log(`\n${leases} leases of ${MAX} per depth (one client, each lease its own transaction); finding the keys: median of 30 (10 at 1M)\n`);
console.log('| store | SMS queued | lease p50 (ms) | lease p99 (ms) | keys by DISTINCT, p50 (ms) | keys by skip-scan, p50 (ms) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.dialect} | ${r.depth.toLocaleString('en')} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.distinct)} | ${f(r.skip)} |`);
console.log('\n| store | lease p50, deepest / 10k | lease p99, deepest / 10k |');
console.log('|---|---:|---:|');
for (const d of dialects) {
  const lo = rows.find((r) => r.dialect === d && r.depth === 10_000)!;
  const hi = rows.filter((r) => r.dialect === d).at(-1)!;
  console.log(`| ${d} (${hi.depth.toLocaleString('en')} / 10,000) | ${(hi.p50 / lo.p50).toFixed(2)}× | ${(hi.p99 / lo.p99).toFixed(2)}× |`);
}
