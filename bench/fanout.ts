/**
 * Fan-out: API → gateway latency with 100 simulated gateways long-polling,
 * fed by one `kirim server` instance, then by two instances on one
 * PostgreSQL schema (each with half the gateways, the API requests
 * alternating between them as a load balancer would), in the same run.
 *
 *   npx tsx bench/fanout.ts                     400 messages per configuration
 *   npx tsx bench/fanout.ts --messages 1000 --gateways 100 --interval 20 --recheck 1000
 *   npx tsx bench/fanout.ts --baseline /tmp/kirim-before   also runs another checkout's bin/kirim.js, side by side
 *   KIRIM_BENCH_CPU_PROF=/tmp/prof npx tsx bench/fanout.ts  a CPU profile of each server
 *
 * Latency: from the client starting `POST /v1/messages` to a simulated
 * gateway's lease answer carrying that message, both in this process (one
 * clock). A simulated gateway speaks the gateway protocol as the agent
 * does: long poll (`wait_ms` 25 000, `max` 10), claim what it got, report
 * it spooled, poll again. Messages are posted one every `--interval` ms
 * (not waiting for the previous one), after a warm-up of 20 that is not
 * counted. Every message wakes one waiting poll on each instance (the
 * other instance through PostgreSQL NOTIFY), the one that has waited
 * longest; one of them leases it. The `lease queries / SMS` column is the
 * servers' kirim_gateway_lease_attempts_total over the run (idle re-checks
 * included) per message: what waking costs.
 */
import { Agent } from 'node:http';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { GATEWAY_PREFIX } from '../src/protocol/gateway.js';
import { createApiKey, createGateway } from '../src/server/credentials.js';
import { openStore } from '../src/server/store/index.js';
import { freshDbUrl } from '../src/server/store/testing.js';
import { spawn } from 'node:child_process';
import { KIRIM_BIN, initDatabase, tempDir } from '../test/support/process.js';
import { Cleanup, NO_BUDGETS, ms, sleep, summarize, until } from './support/sms-rig.js';
import { postJson } from './support/sim-gateway.js';

const args = process.argv.slice(2);
const num = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : def;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
};
const MESSAGES = num('messages', 400);
const GATEWAYS = num('gateways', 100);
const INTERVAL_MS = num('interval', 20);
/** The servers' KIRIM_POLL_RECHECK_MS (default theirs: 1000). */
const RECHECK_MS = num('recheck', 1000);
const WARMUP = 20;
const bflag = args.indexOf('--baseline');
const BASELINE = bflag >= 0 ? args[bflag + 1] : undefined;
if (bflag >= 0 && !BASELINE) throw new Error('--baseline needs a directory (a checkout with bin/kirim.js and node_modules)');

const post = postJson;

/** One simulated gateway: long-polls `url`, records when each message reached it, claims and reports it spooled. */
function simGateway(url: string, token: string, arrived: Map<string, number>) {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  const base = new URL(url);
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const res = await post(agent, base, `${GATEWAY_PREFIX}/lease`, token, { max: 10, wait_ms: 25_000 }).catch(() => undefined);
      const at = performance.now();
      if (!res || res.status !== 200) {
        if (!stopping) await sleep(100);
        continue;
      }
      const { messages } = JSON.parse(res.body) as { messages: Array<{ id: string }> };
      if (messages.length === 0) continue;
      for (const m of messages) if (!arrived.has(m.id)) arrived.set(m.id, at);
      const claim = await post(agent, base, `${GATEWAY_PREFIX}/claims`, token, { message_ids: messages.map((m) => m.id) }).catch(() => undefined);
      const claimed = claim?.status === 200 ? (JSON.parse(claim.body) as { results: Array<{ message_id: string; outcome: string }> }).results.filter((r) => r.outcome === 'claimed') : [];
      if (claimed.length === 0) continue;
      const now = new Date().toISOString();
      await post(agent, base, `${GATEWAY_PREFIX}/reports`, token, { reports: claimed.map((m) => ({ message_id: m.message_id, status: 'spooled', at: now })) }).catch(() => undefined);
    }
  })();
  return {
    async stop() {
      stopping = true;
      agent.destroy();
      await loop.catch(() => {});
    },
  };
}

/** A `kirim server` process on `db`; resolves once it listens (a loaded machine may take a while). */
async function startServer(bin: string, db: string, env: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }> {
  // KIRIM_BENCH_CPU_PROF=DIR: a CPU profile of every server into DIR (node --cpu-prof).
  const profile = process.env.KIRIM_BENCH_CPU_PROF;
  const child = spawn(process.execPath, [...(profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : []), bin, 'server', '--port', '0', '--db', db, '--data-dir', tempDir('kirim-fanout')], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await until('kirim server to listen', () => {
    if (child.exitCode !== null) throw new Error(`kirim server exited: ${err}`);
    return /listening on (http:\/\/\S+)/.exec(err)?.[1];
  }, 180_000, 50);
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

interface Result {
  name: string;
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  lost: number;
  /** Lease queries per message over the run (undefined: the server does not count them). */
  queries?: number;
}

/** The server's kirim_gateway_lease_attempts_total, both outcomes (undefined when it has no such metric). */
async function leaseQueries(url: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const lines = text.split('\n').filter((l) => l.startsWith('kirim_gateway_lease_attempts_total{'));
  return lines.length === 0 ? undefined : lines.reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

async function runConfig(cleanup: Cleanup, name: string, instances: number, bin = KIRIM_BIN): Promise<Result> {
  const fresh = await freshDbUrl('postgres');
  cleanup.add(`drop schema (${name})`, fresh.drop);
  await initDatabase(fresh.url);
  const store = await openStore(fresh.url, { migrate: false });
  const { key } = await createApiKey(store, 'bench');
  const tokens: string[] = [];
  for (let i = 0; i < GATEWAYS; i++) tokens.push((await createGateway(store, `gw-${i}`)).token);
  await store.close();

  const env = { ...NO_BUDGETS, KIRIM_SECRET: 'bench-secret-0123456789abcdef', KIRIM_LOG_LEVEL: 'warn', KIRIM_POLL_RECHECK_MS: String(RECHECK_MS) };
  const servers = await Promise.all(Array.from({ length: instances }, () => startServer(bin, fresh.url, env)));
  for (const s of servers) cleanup.add(`kirim server ${s.url}`, () => s.stop());

  const arrived = new Map<string, number>();
  const gateways = tokens.map((t, i) => simGateway(servers[i % instances]!.url, t, arrived));
  // Every gateway has polled once (then it waits, re-checking every second as by default).
  const check = await openStore(fresh.url, { migrate: false });
  await until('every gateway to poll', async () => {
    const seen = (await check.listGateways()).filter((g) => g.last_seen_at !== null).length;
    return seen >= GATEWAYS ? true : undefined;
  }, 60_000, 100);
  await check.close();
  await sleep(1000);

  const apiAgents = servers.map(() => new Agent({ keepAlive: true, maxSockets: 16 }));
  const posted = new Map<string, number>();
  const pending: Array<Promise<void>> = [];
  const total = WARMUP + MESSAGES;
  for (let i = 0; i < total; i++) {
    const target = i % instances;
    const t0 = performance.now();
    pending.push(
      post(apiAgents[target]!, new URL(servers[target]!.url), '/v1/messages', key, { to: `+62812${String(3_000_000 + i).padStart(7, '0')}`, channel: 'sms', text: `fan-out ${i}` }).then((r) => {
        if (r.status !== 202) throw new Error(`POST /v1/messages answered ${r.status}: ${r.body}`);
        if (i >= WARMUP) posted.set((JSON.parse(r.body) as { id: string }).id, t0);
      }),
    );
    await sleep(INTERVAL_MS);
  }
  await Promise.all(pending);
  await until('every message to reach a gateway', () => ([...posted.keys()].every((id) => arrived.has(id)) ? true : undefined), 60_000, 50).catch(() => undefined);
  const latencies = [...posted].filter(([id]) => arrived.has(id)).map(([id, t0]) => arrived.get(id)! - t0);
  const counts = await Promise.all(servers.map((sv) => leaseQueries(sv.url).catch(() => undefined)));
  const queries = counts.every((c) => c !== undefined) ? counts.reduce((a, b) => a! + b!, 0)! / total : undefined;
  await Promise.all(gateways.map((g) => g.stop()));
  for (const a of apiAgents) a.destroy();
  await Promise.all(servers.map((s) => s.stop()));
  const s = summarize(latencies);
  const sorted = [...latencies].sort((a, b) => a - b);
  return { name, n: s.n, p50: s.p50, p90: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))] ?? NaN, p99: s.p99, max: s.max, lost: posted.size - latencies.length, ...(queries !== undefined ? { queries } : {}) };
}

async function main() {
  const cleanup = new Cleanup(15 * 60_000);
  const started = Date.now();
  const load = loadavg()[0]!;
  try {
    const rows: Result[][] = [];
    for (const [label, bin] of [['', KIRIM_BIN], ...(BASELINE ? [[`, ${BASELINE}`, join(BASELINE, 'bin', 'kirim.js')]] : [])] as Array<[string, string]>) {
      rows.push([await runConfig(cleanup, `one instance${label}`, 1, bin), await runConfig(cleanup, `two instances${label}`, 2, bin)]);
    }
    const took = Math.round((Date.now() - started) / 1000);
    console.log(`\n${new Date().toISOString().slice(0, 16).replace('T', ', ')} UTC, load average ${load.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at the end, ${took} s.`);
    console.log(`\n${GATEWAYS} simulated gateways long-polling (KIRIM_POLL_RECHECK_MS=${RECHECK_MS}), ${MESSAGES} SMS posted one every ${INTERVAL_MS} ms (after ${WARMUP} not counted), PostgreSQL.`);
    console.log('Latency: client starts POST /v1/messages → a gateway\'s lease answer carries the message.\n');
    console.log('| configuration | messages | p50 ms | p90 ms | p99 ms | max ms | never arrived | lease queries / SMS |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const [one, two] of rows) {
      for (const r of [one!, two!]) console.log(`| ${r.name} | ${r.n} | ${ms(r.p50)} | ${ms(r.p90)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.lost} | ${r.queries === undefined ? '–' : r.queries.toFixed(1)} |`);
      console.log(`| **two / one** | | ${(two!.p50 / one!.p50).toFixed(2)}× | ${(two!.p90 / one!.p90).toFixed(2)}× | ${(two!.p99 / one!.p99).toFixed(2)}× | | | |`);
    }
    if (rows.length === 2) console.log(`| **this / baseline, one instance** | | ${(rows[0]![0]!.p50 / rows[1]![0]!.p50).toFixed(2)}× | ${(rows[0]![0]!.p90 / rows[1]![0]!.p90).toFixed(2)}× | ${(rows[0]![0]!.p99 / rows[1]![0]!.p99).toFixed(2)}× | | | |`);
  } finally {
    await cleanup.run();
  }
}

await main();
