/**
 * Kill-everything chaos: two `kirim server` instances on a private
 * PostgreSQL cluster, two gateways (each a `kirim gateway` agent beside real
 * gammu-smsd driving its own `kirim modem-sim`, reaching the servers
 * through a TCP proxy the test controls, which balances over both
 * instances). OTPs and plain SMS, some with short lifetimes, go in through
 * both instances while, at random moments, the test SIGKILLs a server
 * instance, a gateway agent or a gammu-smsd and starts it again, cuts a
 * gateway's network (a reset, or silence) and restores it, and restarts
 * PostgreSQL (fast or immediate). When the faults stop and everything is
 * back, every accepted message must end in a terminal state, and the
 * simulated handsets must show: nothing lost, nothing received twice,
 * nothing received after its expiry. A copy gammu-smsd sends again after
 * being killed between AT+CMGS and moving the file (its own window, which
 * no gateway can close) is counted apart and printed.
 *
 *   npm test -- test/chaos-scale.test.ts                                 CI form (60 messages)
 *   npm run chaos                                                        full form (1,000 messages)
 *   KIRIM_CHAOS_SCALE_MESSAGES=1000 npm test -- test/chaos-scale.test.ts the same
 *
 * KIRIM_CHAOS_SEED replays a run's choices (it is printed);
 * KIRIM_CHAOS_FAULTS=server,gateway,gammu,network,postgres picks the fault
 * kinds (default: all); KIRIM_CHAOS_LOGS=DIR keeps every process's log
 * and the simulated modems' records there.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clearFaults } from '../src/modem-sim/control.js';
import { ApiScope } from '../src/protocol/api.js';
import { createApiKey, createGateway } from '../src/server/credentials.js';
import { openStore, type Store } from '../src/server/store/index.js';
import { TERMINAL, judge, table, type Accepted, type MessageFact } from './support/chaos-report.js';
import { GatewayNode, ServerInstance } from './support/chaos-stack.js';
import { postgresBinDir, freePort, startPrivatePostgres, type PrivatePostgres } from './support/postgres.js';
import { tempDir, waitFor } from './support/process.js';
import { seededRandom } from './support/random.js';

const MESSAGES = Number(process.env.KIRIM_CHAOS_SCALE_MESSAGES ?? 60);
const SEED = Number(process.env.KIRIM_CHAOS_SEED ?? Date.now() % 1_000_000);
const KINDS = ['server', 'gateway', 'gammu', 'network', 'postgres'] as const;
type Kind = (typeof KINDS)[number];
const ENABLED = (process.env.KIRIM_CHAOS_FAULTS ?? KINDS.join(',')).split(',').filter(Boolean) as Kind[];
for (const k of ENABLED) if (!KINDS.includes(k)) throw new Error(`KIRIM_CHAOS_FAULTS: unknown fault "${k}" (known: ${KINDS.join(', ')})`);
const LEASE_SECONDS = 10;
const OTP_TTL_SECONDS = 120;
/** Messages are posted over this long; faults go on for a while after. */
const POST_SECONDS = Math.max(30, MESSAGES / 4);
const POST_CONCURRENCY = 8;
const FAULT_TAIL_SECONDS = Math.min(120, 20 + MESSAGES / 10);

const random = seededRandom;
/** The workload's choices and the faults' come from two generators, so one does not shift the other. */
const rnd = random(SEED);
const frnd = random(SEED + 1);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(frnd() * xs.length)]!;
const between = (lo: number, hi: number) => lo + Math.floor(frnd() * (hi - lo));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stdout.write(`# chaos ${new Date().toISOString().slice(11, 23)} ${line}\n`);

const BIG = '10000000';
/** Budgets out of the way: the test sends 1,000 messages through one key and two SIMs. */
const SERVER_ENV = {
  KIRIM_SECRET: 'chaos-secret-0123456789abcdef',
  KIRIM_LEASE_SECONDS: String(LEASE_SECONDS),
  KIRIM_HEARTBEAT_SECONDS: '1',
  KIRIM_GATEWAY_OFFLINE_SECONDS: '5',
  KIRIM_OTP_TTL_SECONDS: String(OTP_TTL_SECONDS),
  ...Object.fromEntries(
    [
      'KIRIM_BUDGET_DESTINATION_PER_HOUR',
      'KIRIM_BUDGET_DESTINATION_PER_DAY',
      'KIRIM_BUDGET_IP_PER_HOUR',
      'KIRIM_BUDGET_IP_PER_DAY',
      'KIRIM_BUDGET_PREFIX_PER_HOUR',
      'KIRIM_BUDGET_KEY_PER_HOUR',
      'KIRIM_BUDGET_KEY_PER_DAY',
      'KIRIM_BUDGET_COUNTRY_PER_HOUR',
      'KIRIM_GATEWAY_SMS_PER_HOUR',
      'KIRIM_GATEWAY_SMS_PER_DAY',
      'KIRIM_GATEWAY_RECIPIENTS_PER_DAY',
      'KIRIM_GATEWAY_RECIPIENTS_PER_MONTH',
    ].map((k) => [k, BIG]),
  ),
};

const pg = postgresBinDir();
let db: PrivatePostgres;
let store: Store;
let servers: ServerInstance[] = [];
let gateways: GatewayNode[] = [];
let apiKey = '';

before(async () => {
  if ('missing' in pg) return;
  log(`seed ${SEED}, ${MESSAGES} messages, faults: ${ENABLED.join(', ')}`);
  db = await startPrivatePostgres();
  store = await openStore(db.url);
  apiKey = (await createApiKey(store, 'chaos', { scopes: ApiScope.options })).key;
  const tokens = [(await createGateway(store, 'gw-a')).token, (await createGateway(store, 'gw-b')).token];
  const root = tempDir('kirim-chaos');
  servers = await Promise.all(['s1', 's2'].map(async (name) => new ServerInstance(name, await freePort(), ['--db', db.url, '--data-dir', join(root, name)], SERVER_ENV)));
  await Promise.all(servers.map((s) => s.start()));
  gateways = await Promise.all(['gw-a', 'gw-b'].map((name, i) => GatewayNode.start({ name, dir: join(root, name), token: tokens[i]!, servers })));
});

/** Set when the test ends in any way (a timeout included): no fault may start after it. */
let closing = false;

after(async () => {
  closing = true;
  const dir = process.env.KIRIM_CHAOS_LOGS;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    for (const s of servers) writeFileSync(join(dir, `${s.name}.log`), s.log());
    for (const g of gateways) {
      writeFileSync(join(dir, `${g.name}-agent.log`), g.agentLog());
      cpSync(g.simState, join(dir, `${g.name}-modem-sim`), { recursive: true });
      cpSync(g.gammu.logfile, join(dir, `${g.name}-gammu-smsd.log`));
    }
    log(`logs in ${dir}`);
  }
  await Promise.all(gateways.map((g) => g.close()));
  await Promise.all(servers.map((s) => s.kill('SIGTERM')));
  await store?.close();
  db?.destroy();
});

/** POSTs through the instances in turn; a failure (instance down, 503 while the database restarts) is tried again on the next, with the same Idempotency-Key. */
async function post(n: number, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const deadline = Date.now() + 300_000;
  /** Every answer so far, counted: what a POST that never got through saw. */
  const seen = new Map<string, number>();
  const note = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
  for (let attempt = 0; ; attempt++) {
    const s = servers[(n + attempt) % servers.length]!;
    try {
      const res = await fetch(`${s.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': `chaos-${SEED}-${n}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const answer = { status: res.status, body: await res.json().catch(() => null) };
      if (answer.status < 500 && answer.status !== 409) return answer;
      note(`${s.name}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
    } catch (err) {
      // the instance is down or went down mid-request: the next one
      note(`${s.name}: ${String((err as Error).cause ?? err).replace(/:\d+$/, '')}`);
    }
    // Backing off: a storm of instant retries keeps a loaded server's connection pool full, and every request waiting for it then times out.
    await sleep(Math.min(2_000, 200 * 2 ** Math.min(attempt, 4)));
    if (Date.now() > deadline) {
      const claim = await store.db.selectFrom('idempotency_keys').selectAll().where('key', '=', `chaos-${SEED}-${n}`).execute().catch((e: unknown) => String(e));
      throw new Error(`message ${n}: no instance accepted it in 300 s; answers: ${[...seen].map(([k, c]) => `${c}× ${k}`).join('; ')}; its idempotency record: ${JSON.stringify(claim)}`);
    }
  }
}

/** Posts the workload: OTPs and plain SMS, a fifth of the plain ones with the shortest lifetime, in bursts. */
async function workload(): Promise<Accepted[]> {
  const accepted: Accepted[] = [];
  const plan = Array.from({ length: MESSAGES }, (_, n) => ({ n, otp: rnd() < 0.4, short: rnd() < 0.2 }));
  const started = Date.now();
  const inFlight: Promise<void>[] = [];
  const errors: unknown[] = [];
  let settled = 0;
  for (const { n, otp, short } of plan) {
    // At most POST_CONCURRENCY requests at once, as a real client's connection pool would.
    while (inFlight.length - settled >= POST_CONCURRENCY) await sleep(20);
    const to = `+62817${String(n).padStart(7, '0')}`;
    inFlight.push(
      (otp ? post(n, '/v1/verifications', { to, channel: 'sms' }) : post(n, '/v1/messages', { to, channel: 'sms', text: `chaos ${SEED} #${n}`, ...(short ? { ttl_seconds: 60 } : {}) })).then((r) => {
        assert.ok(r.status === 201 || r.status === 202, `message ${n}: ${r.status} ${JSON.stringify(r.body)}`);
        accepted.push({ kind: otp ? 'otp' : 'sms', to, id: r.body.id, ttlSeconds: otp ? OTP_TTL_SECONDS : short ? 60 : 86400 });
      }).catch((err: unknown) => void errors.push(err)).finally(() => settled++),
    );
    if (errors.length) break;
    // Even pace over POST_SECONDS, with bursts.
    const due = started + ((n + 1) / MESSAGES) * POST_SECONDS * 1000;
    if (rnd() < 0.8) await sleep(Math.max(0, due - Date.now()));
  }
  await Promise.all(inFlight);
  if (errors.length) throw errors[0];
  return accepted;
}

/** One fault at a time per target; two loops, so faults overlap. */
async function faults(until: () => boolean, counts: Record<string, number>): Promise<void> {
  const busy = new Set<string>();
  const one = async () => {
    const kind = pick(ENABLED);
    const gw = pick(gateways);
    const srv = pick(servers);
    const target = kind === 'server' ? srv.name : kind === 'postgres' ? 'postgres' : `${kind}:${gw.name}`;
    if (busy.has(target) || (kind === 'server' && servers.some((s) => busy.has(s.name)))) return; // keep one instance up
    busy.add(target);
    const at = Date.now();
    try {
      const down = between(200, 3000);
      if (kind === 'server') {
        log(`SIGKILL ${srv.name}, back in ${down} ms`);
        await srv.kill();
        await sleep(down);
        await srv.start();
      } else if (kind === 'gateway') {
        log(`SIGKILL ${gw.name}'s agent, back in ${down} ms`);
        await gw.killAgent();
        await sleep(down);
        gw.startAgent();
      } else if (kind === 'gammu') {
        log(`SIGKILL ${gw.name}'s gammu-smsd, back in ${down} ms`);
        await gw.killGammu();
        await sleep(down);
        await gw.startGammu();
      } else if (kind === 'network') {
        const how = frnd() < 0.5 ? 'reset' : 'silent';
        // Sometimes longer than a lease, so the server gives the message to the other gateway.
        const cut = frnd() < 0.3 ? between(LEASE_SECONDS * 1000, LEASE_SECONDS * 2000) : between(500, 5000);
        log(`cut ${gw.name}'s network (${how}) for ${cut} ms`);
        gw.proxy.cut(how);
        await sleep(cut);
        gw.proxy.restore();
      } else {
        const mode = frnd() < 0.5 ? 'fast' : 'immediate';
        log(`restart PostgreSQL (${mode})`);
        await db.restart(mode);
      }
      counts[kind] = (counts[kind] ?? 0) + 1;
      log(`  ${target} back after ${Date.now() - at} ms`);
    } catch (err) {
      // A restart slower than its wait (a loaded machine) is not a verdict:
      // the end of the run waits for every process to be back.
      counts[kind] = (counts[kind] ?? 0) + 1;
      log(`  ${target} not back yet after ${Date.now() - at} ms: ${(err as Error).message.split('\n')[0]}`);
    } finally {
      busy.delete(target);
    }
  };
  const loop = async () => {
    while (!until()) {
      await sleep(between(1000, 8000));
      if (!until()) await one();
    }
  };
  await Promise.all([loop(), loop()]);
}

async function messageFacts(): Promise<MessageFact[]> {
  const rows = await store.db.selectFrom('messages').select(['id', 'verification_id', 'to', 'status', 'expires_at', 'gateway_id']).execute();
  const events = await store.db.selectFrom('message_events').select(['message_id', 'status', 'at', 'detail']).orderBy('id').execute();
  const history = new Map<string, string[]>();
  for (const e of events) history.set(e.message_id, [...(history.get(e.message_id) ?? []), e.status + (e.detail ? ` (${e.detail})` : '')]);
  return rows.map((r) => ({ ...r, expires_at: Number(r.expires_at), history: (history.get(r.id) ?? []).join(' → ') }));
}

test(`chaos: ${MESSAGES} messages through 2 server instances and 2 gateways while everything is killed`, { skip: 'missing' in pg ? pg.missing : false, timeout: 600_000 + MESSAGES * 2_000 }, async () => {
  const counts: Record<string, number> = {};
  const started = Date.now();
  let posted = false;
  let postedAt = 0;
  let failed = false;
  const chaos = faults(() => closing || failed || (posted && Date.now() - postedAt > FAULT_TAIL_SECONDS * 1000), counts);
  const accepted = await workload().catch(async (err: unknown) => {
    // No fault may outlive the test.
    failed = true;
    await chaos;
    throw err;
  });
  posted = true;
  postedAt = Date.now();
  log(`${accepted.length} accepted in ${Math.round((Date.now() - started) / 1000)} s; faults go on for ${FAULT_TAIL_SECONDS} s`);
  await chaos;
  log(`faults stopped: ${JSON.stringify(counts)}`);

  // Everything back: the faults' own restarts have run; nothing is cut.
  for (const g of gateways) g.proxy.restore();
  await waitFor(() => servers.every((s) => s.alive) && gateways.every((g) => g.agentAlive && g.gammuAlive), { timeoutMs: 300_000, what: 'every process to run again' });
  await Promise.all(gateways.map((g) => clearFaults(g.simState).applied(300_000)));

  const ids = new Set(accepted.map((a) => a.id));
  const drained = await waitFor(
    async () => {
      const facts = (await messageFacts()).filter((m) => ids.has(m.verification_id ?? m.id));
      const open = facts.filter((m) => !TERMINAL.includes(m.status));
      const spooled = gateways.reduce((n, g) => n + g.outboxFiles().length, 0);
      return open.length === 0 && spooled === 0 ? facts : null;
    },
    { timeoutMs: 300_000 + MESSAGES * 1_000, intervalMs: 1000, what: 'every accepted message to end and every outbox to empty' },
  ).catch(async (err) => {
    const open = (await messageFacts()).filter((m) => ids.has(m.verification_id ?? m.id) && !TERMINAL.includes(m.status));
    throw new Error(`${(err as Error).message}\nseed ${SEED}; still open (${open.length}):\n${open.slice(0, 10).map((m) => `${m.id} ${m.status}: ${m.history}`).join('\n')}\n${gateways.map((g) => `${g.name} agent log:\n${g.agentLog().slice(-3000)}`).join('\n')}`);
  });

  const verdict = judge(accepted, drained, gateways.map((g) => ({ name: g.name, simState: g.simState, gammuKills: g.gammuKills })));
  const crashes = [...servers.flatMap((s) => s.crashes), ...gateways.flatMap((g) => g.crashes)];
  const printed = table(verdict, counts, {
    seed: SEED,
    'messages posted': `${MESSAGES} (${accepted.filter((a) => a.kind === 'otp').length} OTP, ${accepted.filter((a) => a.kind === 'sms' && a.ttlSeconds === 60).length} plain with a 60 s lifetime)`,
    'run time': `${Math.round((Date.now() - started) / 1000)} s`,
    'crashes (exits nobody caused)': crashes.length,
  });
  process.stdout.write(`${printed}\n`);
  const show = (xs: string[]) => xs.slice(0, 10).join('\n');
  assert.deepEqual(crashes, [], `seed ${SEED}: processes exited by themselves`);
  assert.equal(verdict.notTerminal.length, 0, `seed ${SEED}: not terminal:\n${show(verdict.notTerminal)}`);
  assert.equal(verdict.missing.length, 0, `seed ${SEED}: accepted but not in the database:\n${show(verdict.missing)}`);
  assert.equal(verdict.lost.length, 0, `seed ${SEED}: sent but at no handset:\n${show(verdict.lost)}`);
  assert.equal(verdict.duplicates.length, 0, `seed ${SEED}: received twice:\n${show(verdict.duplicates)}`);
  // Seed 536026 (CI form) once had two SMS reach their handsets 1.3 and
  // 1.5 s after expires_at: gammu took a file just before its expiry (or
  // read it just before the withdrawing rename) and needs ~1-1.5 s to send
  // it. The gateway's --expiry-margin (default 10 s) now stops handing gammu
  // a file that close to its expiry.
  assert.equal(verdict.afterExpiry.length, 0, `seed ${SEED}: received after expiry:\n${show(verdict.afterExpiry)}`);
  assert.equal(verdict.arrivedButNotSent.length, 0, `seed ${SEED}: arrived but recorded as not sent:\n${show(verdict.arrivedButNotSent)}`);
});
