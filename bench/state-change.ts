/**
 * What the one path for message state changes costs: each change through
 * `messages.transition` (one transaction holding the state change, its
 * event, its webhook event and its verification's sync) against the bare
 * store write it replaced (`store.transition` + re-read, no event, no
 * transaction), on SQLite and PostgreSQL, side by side in one run. One
 * webhook endpoint listens, so every change also stores a delivery.
 *
 *   npx tsx bench/state-change.ts           2,000 changes per row
 *   npx tsx bench/state-change.ts --n 10000
 */
import { capturingTransport, createTestServer, type TestServer } from '../src/server/testing.js';
import { NO_BUDGETS } from './support/sms-rig.js';
import { DIALECTS, type Dialect, type MessageStatus } from '../src/server/store/index.js';

const args = process.argv.slice(2);
const n = Number(args[args.indexOf('--n') + 1] ?? 2_000) || 2_000;

/** Messages to move, created up front so only the changes are timed. */
async function seed(s: TestServer, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const row = await s.services.messages.insert({ apiKeyId: null, to: '+6281234567890', channel: 'sms', text: `bench ${i}`, priority: 'normal', expiresAt: Date.now() + 3_600_000 });
    ids.push(row.id);
  }
  return ids;
}

/** Two changes per message (queued → spooled → sent), `ids.length * 2` in all; returns changes per second. */
async function timed(ids: string[], change: (id: string, from: MessageStatus, to: MessageStatus) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (const id of ids) {
    await change(id, 'queued', 'spooled');
    await change(id, 'spooled', 'sent');
  }
  return (ids.length * 2) / ((performance.now() - started) / 1000);
}

async function bench(dialect: Dialect) {
  const s = await createTestServer({ dialect, transport: capturingTransport(), env: NO_BUDGETS });
  try {
    await s.api('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/bench', events: ['*'] });
    const half = Math.ceil(n / 2);
    // Warm both paths (prepared statements, connection pool, JIT).
    const warm = await seed(s, 50);
    await timed(warm.slice(0, 25), (id, from, to) => s.services.messages.transition({ id, from: [from], to, at: Date.now() }));
    await timed(warm.slice(25), async (id, from, to) => (await s.store.transition({ id, from: [from], to, at: Date.now() })) && s.store.getMessage(id));
    const onePath = await timed(await seed(s, half), (id, from, to) => s.services.messages.transition({ id, from: [from], to, at: Date.now() }));
    const bare = await timed(await seed(s, half), async (id, from, to) => (await s.store.transition({ id, from: [from], to, at: Date.now() })) && s.store.getMessage(id));
    return { dialect, onePath, bare };
  } finally {
    await s.close();
  }
}

const rows = [];
for (const dialect of DIALECTS) rows.push(await bench(dialect));
console.log(`\n${n} state changes per row (sequential, one client)\n`);
console.log('| store | one path (changes/s) | bare store write (changes/s) | one path / bare |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.dialect} | ${r.onePath.toFixed(0)} | ${r.bare.toFixed(0)} | ${(r.onePath / r.bare).toFixed(2)} |`);
