/**
 * What the fair-share lease order costs: `leaseSms` as it is now (OTPs
 * first, then round robin across API keys: a window function ranks every
 * queued SMS per key) against the lease it replaced (priority, then age,
 * straight off the `messages_queue` index), on SQLite and PostgreSQL, side
 * by side in one run, with 1,000 and 10,000 SMS waiting (10 API keys, one
 * message in ten an OTP). Each lease takes 10 (a gateway's usual `max`) in
 * its own transaction, as the gateway service does; the two orders take
 * turns, 20 leases at a time, and the queue is refilled between rounds, so
 * both see the same depth.
 *
 *   npx tsx bench/lease-order.ts              200 leases per row
 *   npx tsx bench/lease-order.ts --leases 1000
 */
import { sql, type Kysely } from 'kysely';
import { newId } from '../src/server/ids.js';
import { DIALECTS, type Dialect, type MessageRow, type Store } from '../src/server/store/index.js';
import type { Database } from '../src/server/store/schema.js';
import { messageRow, openTestStore } from '../src/server/store/testing.js';

const args = process.argv.slice(2);
const flag = args.indexOf('--leases');
const leases = (flag >= 0 ? Number(args[flag + 1]) : 200) || 200;
const DEPTHS = [1_000, 10_000];
const MAX = 10;

function message(i: number, now: number): MessageRow {
  const otp = i % 10 === 0;
  return messageRow({
    id: newId('msg', now + i),
    api_key_id: `key_${i % 10}`,
    verification_id: otp ? newId('ver', now + i) : null,
    to: `+62812${String(i).padStart(8, '0')}`,
    text: 'bench',
    priority: otp ? 'high' : 'normal',
    priority_rank: otp ? 0 : 1,
    created_at: now + i,
    updated_at: now + i,
    expires_at: now + 86_400_000,
    next_attempt_at: now + i,
  });
}

/** The lease before the fair share (one statement: priority, then age). */
async function oldLease(db: Kysely<Database>, dialect: Dialect, gatewayId: string, now: number): Promise<number> {
  let pick = db
    .selectFrom('messages')
    .select('id')
    .where('channel', '=', 'sms')
    .where('status', '=', 'queued')
    .where('expires_at', '>', now)
    .orderBy('priority_rank')
    .orderBy('created_at')
    .orderBy('id')
    .limit(MAX);
  if (dialect === 'postgres') pick = pick.forUpdate().skipLocked();
  const rows = await db
    .updateTable('messages')
    .set({ status: 'dispatched', gateway_id: gatewayId, lease_until: now + 30_000, updated_at: now })
    .where('id', 'in', pick)
    .where('status', '=', 'queued')
    .returningAll()
    .execute();
  if (rows.length > 0) {
    await db
      .insertInto('message_events')
      .values(rows.map((r) => ({ message_id: r.id, status: 'dispatched' as const, at: now, detail: `leased to gateway ${gatewayId}` })))
      .execute();
  }
  return rows.length;
}

async function fill(store: Store, depth: number) {
  await sql`delete from message_events`.execute(store.db);
  await sql`delete from messages`.execute(store.db);
  const now = Date.now();
  for (let i = 0; i < depth; i += 500) {
    const rows = Array.from({ length: Math.min(500, depth - i) }, (_, j) => message(i + j, now));
    await store.db.insertInto('messages').values(rows).execute();
  }
  // Fresh statistics, as autovacuum would have them on a long-running queue.
  await sql`analyze`.execute(store.db);
}

/** Requeues what the last round leased, so each round starts at `depth`. */
async function requeue(store: Store) {
  await store.db.updateTable('messages').set({ status: 'queued', gateway_id: null, lease_until: null }).where('status', '=', 'dispatched').execute();
}

async function bench(dialect: Dialect) {
  const store = await openTestStore(dialect);
  const out: Array<{ depth: number; fair: number; old: number }> = [];
  try {
    for (const depth of DEPTHS) {
      await fill(store, depth);
      const ms = { fair: 0, old: 0 };
      const run = async (which: 'fair' | 'old', n: number) => {
        for (let i = 0; i < n; i++) {
          const now = Date.now();
          const started = performance.now();
          const got =
            which === 'fair'
              ? (await store.transaction((tx) => tx.leaseSms({ gatewayId: 'gw_bench', max: MAX, now, leaseUntil: now + 30_000 }))).length
              : await store.db.transaction().execute((trx) => oldLease(trx, dialect, 'gw_bench', now));
          ms[which] += performance.now() - started;
          if (got !== MAX) throw new Error(`${which} leased ${got}, expected ${MAX}`);
        }
        await requeue(store);
      };
      // Warm both (statement caches, JIT), then take turns.
      await run('fair', 5);
      await run('old', 5);
      ms.fair = 0;
      ms.old = 0;
      for (let done = 0; done < leases; done += 20) {
        await run('fair', Math.min(20, leases - done));
        await run('old', Math.min(20, leases - done));
      }
      out.push({ depth, fair: leases / (ms.fair / 1000), old: leases / (ms.old / 1000) });
    }
  } finally {
    await store.close();
  }
  return out.map((r) => ({ dialect, ...r }));
}

const rows = [];
for (const dialect of DIALECTS) rows.push(...(await bench(dialect)));
console.log(`\n${leases} leases of ${MAX} per row (one client, each lease its own transaction)\n`);
console.log('| store | SMS waiting | fair share (leases/s) | priority, then age (leases/s) | fair / old |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.dialect} | ${r.depth} | ${r.fair.toFixed(0)} | ${r.old.toFixed(0)} | ${r.fair.toFixed(0) === '0' ? '-' : (r.fair / r.old).toFixed(2)} |`);
