/**
 * The failover scenario of test/claims-failover*.test.ts: never twice to
 * a handset when a gateway's lease lapses (docs/gateway-protocol.md,
 * "Claims" and "Failover"), with real processes: `kirim
 * server`, two gateways each a `kirim gateway` agent beside real
 * gammu-smsd driving its own `kirim modem-sim`, and a TCP proxy between
 * gateway A and the server.
 *
 * The scenario that once sent an SMS twice: A leases a message, and its
 * network goes away at the worst moment; A's lease lapses, gateway B comes
 * looking for work, A's gammu-smsd sends what is in A's outbox, and A
 * comes back. Cut:
 * - after the claim, before the `spooled` report: A wrote the file, so the
 *   message must stay A's (B never gets it) and reach the handset once,
 *   from A;
 * - before the claim: A must not write it, so B sends it, once.
 *
 * When the lease has lapsed is seen through a third gateway's lease (the
 * test leasing as an agent that never claims): once that later lease is
 * requeued, the sweeper has been past A's too.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readHandset } from '../../src/modem-sim/state.js';
import { ApiScope } from '../../src/protocol/api.js';
import { createApiKey, createGateway } from '../../src/server/credentials.js';
import { openStore, type Dialect } from '../../src/server/store/index.js';
import { freshDbUrl } from '../../src/server/store/testing.js';
import { GatewayNode, ServerInstance } from './chaos-stack.js';
import { freePort } from './postgres.js';
import { apiClient, tempDir, waitFor } from './process.js';

const BIG = '10000000';
const SERVER_ENV = {
  KIRIM_SECRET: 'claims-secret-0123456789abcdef',
  KIRIM_LEASE_SECONDS: '5',
  KIRIM_HEARTBEAT_SECONDS: '1',
  KIRIM_GATEWAY_SMS_PER_HOUR: BIG,
  KIRIM_GATEWAY_SMS_PER_DAY: BIG,
  KIRIM_GATEWAY_RECIPIENTS_PER_DAY: BIG,
  KIRIM_GATEWAY_RECIPIENTS_PER_MONTH: BIG,
};

export const CUTS = {
  'after the claim, before the spooled report': 'POST /gateway/v1/reports',
  'before the claim': 'POST /gateway/v1/claims',
} as const;

/** Runs the scenario: `dialect` for the server's store, the network cut at `when`. */
export async function runFailover(dialect: Dialect, when: keyof typeof CUTS): Promise<void> {
  const pattern = CUTS[when];
  const root = tempDir('kirim-claims');
  const { url: db, drop } = await freshDbUrl(dialect, join(root, 'kirim.db'));
  const store = await openStore(db);
  const apiKey = (await createApiKey(store, 'claims', { scopes: ApiScope.options })).key;
  const [ta, tb, tc] = [await createGateway(store, 'gw-a'), await createGateway(store, 'gw-b'), await createGateway(store, 'gw-c')];
  await store.close();
  const server = new ServerInstance('server', await freePort(), ['--db', db, '--data-dir', join(root, 'server')], SERVER_ENV);
  const nodes: GatewayNode[] = [];
  try {
    await server.start();
    const api = apiClient(server.url, apiKey);
    const status = async (id: string) => (await api('GET', `/v1/messages/${id}`)).body.status as string;
    const send = async (to: string, text: string) => {
      const res = await api('POST', '/v1/messages', { to, channel: 'sms', text });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return res.body.id as string;
    };
    const [a, b] = await Promise.all(
      [ta, tb].map((t, i) => GatewayNode.start({ name: `gw-${'ab'[i]}`, dir: join(root, `gw-${'ab'[i]}`), token: t.token, servers: [server] })),
    );
    nodes.push(a!, b!);
    if (!a || !b) throw new Error('unreachable');
    // B stands by until A's lease lapsed.
    await b.killAgent();
    const received = (to: string, text: string) => [a, b].flatMap((n) => readHandset(n.simState, to)).filter((m) => m.text === text).length;

    const to = '+6281300000001';
    const text = `failover test, cut ${when}`;
    const cut = a.proxy.cutOn(pattern);
    const id = await send(to, text);
    await cut;
    const wrote = pattern.includes('reports');

    // A later lease to a gateway that never claims: once it is requeued, A's lease lapsed and the sweeper has seen it.
    const marker = await send('+6281300000002', `marker ${when}`);
    const leased = await fetch(`${server.url}/gateway/v1/lease`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tc.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ max: 1, wait_ms: 10_000 }),
    });
    assert.deepEqual(((await leased.json()) as { messages: Array<{ id: string }> }).messages.map((m) => m.id), [marker]);

    // A's gammu-smsd runs on while A's agent is cut off, as on a Pi whose uplink failed.
    if (wrote) await waitFor(() => received(to, text) === 1, { timeoutMs: 60_000, what: "A's copy on the handset" });
    await waitFor(async () => (await status(marker)) === 'queued', { timeoutMs: 60_000, what: 'the marker requeued' });

    // B comes looking for work: it sends the marker, and the message only if A never wrote it.
    b.startAgent();
    await waitFor(async () => ['sent', 'delivered'].includes(await status(marker)), { timeoutMs: 60_000, what: 'the marker sent by B' });
    if (!wrote) await waitFor(async () => ['sent', 'delivered'].includes(await status(id)), { timeoutMs: 60_000, what: 'the message sent by B' });

    // A comes back and reports what it did.
    a.proxy.restore();
    await waitFor(async () => ['sent', 'delivered'].includes(await status(id)), { timeoutMs: 60_000, what: 'the message sent' });
    await waitFor(() => a.outboxFiles().length === 0 && b.outboxFiles().length === 0, { timeoutMs: 60_000, what: 'both outboxes empty' });
    const message = (await api('GET', `/v1/messages/${id}`)).body as { gateway: string; events: Array<{ status: string; detail?: string }> };
    assert.equal(received(to, text), 1, `the handset received it once; events: ${JSON.stringify(message.events)}`);
    assert.equal(message.gateway, wrote ? ta.id : tb.id, 'sent by the gateway that wrote it');
    assert.equal(received('+6281300000002', `marker ${when}`), 1);
  } catch (err) {
    for (const n of nodes) process.stderr.write(`--- ${n.name} agent log (tail)\n${n.agentLog().slice(-4000)}\n`);
    process.stderr.write(`--- server log (tail)\n${server.log().slice(-3000)}\n`);
    throw err;
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
    await server.kill('SIGTERM');
    await drop();
  }
}
