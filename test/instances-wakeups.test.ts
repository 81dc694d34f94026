/**
 * Wake-ups across server instances: two `kirim server` processes on one
 * PostgreSQL schema, a gateway long-polling instance B.
 *
 * Each server's own re-check of a waiting poll (KIRIM_POLL_RECHECK_MS) is
 * set far beyond the poll's longest wait (30 s), so the only way B's poll
 * can hear of a change made through A before its wait runs out is A's
 * notification (PostgreSQL NOTIFY, heard by B's LISTEN connection).
 * Without it, each poll below still answers right at the end of its wait
 * (it leases, or re-checks its token, once more then): the tests check
 * that it answered before that.
 *
 * - a message created through A reaches the gateway waiting on B;
 * - revoking the gateway through A's API, or with `kirim gateways revoke`
 *   against the database, ends its poll waiting on B with 401;
 * - after the database restarts (a private cluster), B listens again and a
 *   message created through A still reaches a gateway waiting on B.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type Store } from '../src/server/store/index.js';
import { freshDbUrl } from '../src/server/store/testing.js';
import { apiClient, initDatabase, kirim, startServerProcess, tempDir, waitFor } from './support/process.js';
import { postgresBinDir, startPrivatePostgres, type PrivatePostgres } from './support/postgres.js';

/** Re-checks never happen during a test: only a notification can end a poll early. */
const ENV = { KIRIM_SECRET: 'shared-secret-0123456789abcdef', KIRIM_POLL_RECHECK_MS: '600000' };
/** The protocol's longest wait. */
const WAIT_MS = 30_000;

/** Opens a long poll; resolves with its status and body whenever it answers. */
function poll(url: string, token: string) {
  return fetch(`${url}/gateway/v1/lease`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ max: 10, wait_ms: WAIT_MS }),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as { messages?: Array<{ id: string }> } }));
}

/** Resolves once one gateway poll waits on the server at `url` (it leased nothing and listens for a wake-up). */
const waiting = (url: string, timeoutMs = 20_000) => waitFor(async () => (await metric(url, 'kirim_gateway_polls_waiting')) === 1, { what: 'the poll to wait', timeoutMs });

/**
 * The poll's answer, and whether it came before the poll's own wait ran
 * out. (A poll whose gateway was revoked answers 401 at the end of its wait
 * anyway, when it re-checks its token: what a wake-up changes is that it
 * ends before.)
 */
async function settled(answer: ReturnType<typeof poll>, startedAt: number) {
  const r = await answer;
  return { ...r, early: Date.now() - startedAt < WAIT_MS };
}

/** Reports leased messages spooled. */
async function report(url: string, token: string, messages: Array<{ id: string }>) {
  if (messages.length === 0) return;
  const at = new Date().toISOString();
  const r = await fetch(`${url}/gateway/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reports: messages.map((m) => ({ message_id: m.id, status: 'spooled', at })) }),
  });
  assert.equal(r.status, 200, await r.text());
}

/** Counter value from a server's /metrics (0 when absent). */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Two servers on `db` with an admin API key and a way to register gateways. */
async function twoServers(db: string) {
  await initDatabase(db);
  const dirA = tempDir('kirim-inst-a');
  const [a, b] = await Promise.all([startServerProcess(['--db', db, '--data-dir', dirA], ENV), startServerProcess(['--db', db, '--data-dir', tempDir('kirim-inst-b')], ENV)]);
  const k = kirim(['keys', 'create', '--name', 'admin', '--admin', '--db', db, '--data-dir', dirA]);
  assert.equal(k.status, 0, k.stderr);
  const store = await openStore(db, { migrate: false });
  const gateway = async (name: string) => {
    const g = kirim(['gateways', 'create', '--name', name, '--db', db, '--data-dir', dirA]);
    assert.equal(g.status, 0, g.stderr);
    const row = (await store.listGateways()).find((r) => r.name === name)!;
    return { id: row.id, token: g.stdout.trim() };
  };
  return { a, b, store, api: apiClient(a.url, k.stdout.trim()), gateway, dirA };
}

describe('two server processes on one PostgreSQL schema: wake-ups cross instances', () => {
  let s: Awaited<ReturnType<typeof twoServers>>;
  let drop: () => Promise<void>;
  let db: string;
  before(async () => {
    const fresh = await freshDbUrl('postgres');
    drop = fresh.drop;
    db = fresh.url;
    s = await twoServers(db);
  });
  after(async () => {
    await s?.store.close();
    await Promise.all([s?.a.stop(), s?.b.stop()]);
    await drop?.();
  });

  test('a message created through A reaches the gateway waiting on B', async () => {
    const gw = await s.gateway('waits-on-b');
    const startedAt = Date.now();
    const answer = poll(s.b.url, gw.token);
    await waiting(s.b.url);
    const created = await s.api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'through A' });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const r = await settled(answer, startedAt);
    // Spooled, so its lease cannot lapse and requeue it (a wake-up for the next test's poll).
    await report(s.b.url, gw.token, r.body.messages ?? []);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.messages?.map((m) => m.id), [created.body.id], 'the poll on B answered with the message created on A');
    assert.ok(r.early, 'the poll was woken when the message was queued, not at the end of its wait');
  });

  test('revoking the gateway through A ends its poll waiting on B with 401', async () => {
    const gw = await s.gateway('revoked-on-a');
    const startedAt = Date.now();
    const answer = poll(s.b.url, gw.token);
    await waiting(s.b.url);
    const revoked = await s.api('POST', `/v1/gateways/${gw.id}/revoke`);
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    const r = await settled(answer, startedAt);
    assert.equal(r.status, 401);
    assert.ok(r.early, 'the poll ended when the revocation was announced, not at the end of its wait');
  });

  test('kirim gateways revoke against the database ends a poll waiting on B with 401', async () => {
    const gw = await s.gateway('revoked-by-cli');
    const startedAt = Date.now();
    const answer = poll(s.b.url, gw.token);
    await waiting(s.b.url);
    const cli = kirim(['gateways', 'revoke', gw.id, '--db', db, '--data-dir', s.dirA]);
    assert.equal(cli.status, 0, cli.stderr);
    const r = await settled(answer, startedAt);
    assert.equal(r.status, 401);
    assert.ok(r.early, 'the poll ended when the revocation was announced, not at the end of its wait');
  });
});

const pgBin = postgresBinDir();

describe('wake-ups cross instances again after PostgreSQL restarts', { skip: 'missing' in pgBin ? pgBin.missing : false }, () => {
  let cluster: PrivatePostgres;
  let s: Awaited<ReturnType<typeof twoServers>>;
  let store: Store | undefined;
  before(async () => {
    cluster = await startPrivatePostgres();
    s = await twoServers(cluster.url);
    store = s.store;
  });
  after(async () => {
    await store?.close().catch(() => {});
    await Promise.all([s?.a.stop(), s?.b.stop()]);
    cluster?.destroy();
  });

  test('B reconnects its listener and a message created through A reaches the gateway waiting on B', async () => {
    const gw = await s.gateway('after-restart');
    await waitFor(async () => (await metric(s.b.url, 'kirim_cluster_listens_total')) === 1, { what: 'B to listen' });
    cluster.stop();
    cluster.start();
    // B lost its listening connection and opened it again (its backoff is at most 5 s).
    await waitFor(async () => (await metric(s.b.url, 'kirim_cluster_listens_total')) >= 2, { what: 'B to listen again', timeoutMs: 30_000 });
    assert.equal(await metric(s.b.url, 'kirim_cluster_listening'), 1);
    const startedAt = Date.now();
    const answer = poll(s.b.url, gw.token);
    await waiting(s.b.url);
    const created = await waitFor(async () => {
      const r = await s.api('POST', '/v1/messages', { to: '081234567891', channel: 'sms', text: 'after the restart' });
      return r.status === 202 ? r : null;
    }, { what: 'A to accept a message', timeoutMs: 20_000 });
    const r = await settled(answer, startedAt);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.messages?.map((m) => m.id), [created.body.id]);
    assert.ok(r.early, 'the poll was woken when the message was queued, not at the end of its wait');
  });
});
