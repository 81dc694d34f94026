/**
 * Claims (docs/gateway-protocol.md, "Claims"): a gateway claims a leased
 * SMS before writing it to gammu's outbox. A claimed message whose lease
 * lapses is not requeued and never leased to another gateway, only to the
 * one that claimed it; a claim that comes after the message was requeued
 * and leased elsewhere is lost.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createGateway } from '../../credentials.js';
import { DIALECTS } from '../../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../../testing.js';

/** POSTs to /gateway/v1 with `token`. */
async function as(s: TestServer, token: string, url: string, body: unknown): Promise<any> {
  const res = await s.app.inject({ method: 'POST', url: `/gateway/v1${url}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  assert.equal(res.statusCode, 200, res.body);
  return JSON.parse(res.body);
}

const outcomes = (r: { results: Array<{ message_id: string; outcome: string; status?: string }> }) => r.results.map((x) => [x.message_id, x.outcome, x.status]);

for (const dialect of DIALECTS) {
  describe(`gateway claims on ${dialect}`, () => {
    test('a claimed message survives its lease lapsing: not requeued, not leased to another gateway, leased again to its claimer', async () => {
      let clock = Date.now();
      const s = await createTestServer({ dialect, transport: capturingTransport(), now: () => clock });
      try {
        const a = s.gatewayToken;
        const b = (await createGateway(s.store, 'gw-b')).token;
        const send = async (to: string) => (await s.api('POST', '/v1/messages', { to, channel: 'sms', text: 'claim me' })).body.id as string;
        const status = async (id: string) => (await s.api('GET', `/v1/messages/${id}`)).body.status as string;
        const leaseIds = async (token: string) => ((await as(s, token, '/lease', { max: 10, wait_ms: 0 })).messages as Array<{ id: string }>).map((m) => m.id).sort();

        const claimed = await send('+6281500000001');
        const unclaimed = await send('+6281500000002');
        assert.deepEqual(await leaseIds(a), [claimed, unclaimed].sort());

        // Outcomes: A's own dispatched message is claimed (again on a repeat);
        // another gateway's claim and an unknown id are lost.
        assert.deepEqual(outcomes(await as(s, a, '/claims', { message_ids: [claimed, 'msg_nope'] })), [
          [claimed, 'claimed', 'dispatched'],
          ['msg_nope', 'lost', undefined],
        ]);
        assert.deepEqual(outcomes(await as(s, a, '/claims', { message_ids: [claimed] })), [[claimed, 'claimed', 'dispatched']]);
        assert.deepEqual(outcomes(await as(s, b, '/claims', { message_ids: [unclaimed] })), [[unclaimed, 'lost', undefined]]);

        // A falls silent; both leases lapse.
        clock += (s.config.leaseSeconds + 1) * 1000;
        await s.services.sweep();
        assert.equal(await status(claimed), 'dispatched', 'a claimed message is not requeued');
        assert.equal(await status(unclaimed), 'queued', 'an unclaimed one is');

        // B gets only the unclaimed one; A's late claim of it is lost once B holds it.
        assert.deepEqual(await leaseIds(b), [unclaimed]);
        assert.deepEqual(outcomes(await as(s, b, '/claims', { message_ids: [unclaimed] })), [[unclaimed, 'claimed', 'dispatched']]);
        assert.deepEqual(outcomes(await as(s, a, '/claims', { message_ids: [unclaimed] })), [[unclaimed, 'lost', undefined]]);
        const late = await as(s, a, '/reports', { reports: [{ message_id: unclaimed, status: 'spooled', at: new Date(clock).toISOString() }] });
        assert.equal(late.results[0].outcome, 'unknown', "A's late spooled report is refused");

        // The claimed one goes back to A alone, with a new lease.
        clock += (s.config.leaseSeconds + 1) * 1000;
        await s.services.sweep();
        assert.deepEqual(await leaseIds(b), [unclaimed], 'B gets back what it claimed itself, never what A claimed');
        const again = (await as(s, a, '/lease', { max: 10, wait_ms: 0 })).messages as Array<{ id: string; lease_until: string }>;
        assert.deepEqual(again.map((m) => m.id), [claimed]);
        assert.equal(Date.parse(again[0]!.lease_until), clock + s.config.leaseSeconds * 1000);
        assert.deepEqual(await leaseIds(a), [], 'leased again once per lapse, not on every poll');
        const events = (await s.api('GET', `/v1/messages/${claimed}`)).body.events as Array<{ detail?: string }>;
        assert.match(events.at(-1)!.detail!, /leased again to gateway .*which claimed it/);

        // Reports end the claim as they end any lease.
        const spooled = await as(s, a, '/reports', { reports: [{ message_id: claimed, status: 'spooled', at: new Date(clock).toISOString() }] });
        assert.equal(spooled.results[0].outcome, 'applied');
        assert.deepEqual(outcomes(await as(s, a, '/claims', { message_ids: [claimed] })), [[claimed, 'lost', 'spooled']]);
      } finally {
        await s.close();
      }
    });

    test('a lapsed lease requeued but not yet leased elsewhere is claimed back; an older agent that never claims still reports spooled', async () => {
      let clock = Date.now();
      const s = await createTestServer({ dialect, transport: capturingTransport(), now: () => clock });
      try {
        const a = s.gatewayToken;
        const b = (await createGateway(s.store, 'gw-b')).token;
        const back = (await s.api('POST', '/v1/messages', { to: '+6281500000003', channel: 'sms', text: 'back' })).body.id as string;
        const old = (await s.api('POST', '/v1/messages', { to: '+6281500000004', channel: 'sms', text: 'old agent' })).body.id as string;
        assert.equal((await as(s, a, '/lease', { max: 10, wait_ms: 0 })).messages.length, 2);
        clock += (s.config.leaseSeconds + 1) * 1000;
        await s.services.sweep();
        // Requeued, nobody leased it since: A may still take it (nobody else holds it).
        assert.deepEqual(outcomes(await as(s, a, '/claims', { message_ids: [back] })), [[back, 'claimed', 'dispatched']]);
        const events = (await s.api('GET', `/v1/messages/${back}`)).body.events as Array<{ status: string; detail?: string }>;
        assert.deepEqual([events.at(-1)!.status, events.at(-1)!.detail], ['dispatched', `claimed by gateway ${s.gatewayId} after its lease lapsed`]);
        assert.deepEqual(((await as(s, b, '/lease', { max: 10, wait_ms: 0 })).messages as Array<{ id: string }>).map((m) => m.id), [old]);

        // An agent that never claims: its spooled report from its own lease applies as before.
        const c = await createGateway(s.store, 'gw-c');
        const fresh = (await s.api('POST', '/v1/messages', { to: '+6281500000005', channel: 'sms', text: 'no claim' })).body.id as string;
        assert.deepEqual(((await as(s, c.token, '/lease', { max: 10, wait_ms: 0 })).messages as Array<{ id: string }>).map((m) => m.id), [fresh]);
        const r = await as(s, c.token, '/reports', { reports: [{ message_id: fresh, status: 'spooled', at: new Date(clock).toISOString() }] });
        assert.equal(r.results[0].outcome, 'applied');
      } finally {
        await s.close();
      }
    });

    test('an OTP whose verification ended after the lease is lost at its claim, and canceled', async () => {
      const s = await createTestServer({ dialect, transport: capturingTransport() });
      try {
        const v = (await s.api('POST', '/v1/verifications', { to: '+6281500000006', channel: 'sms' })).body;
        const [sms] = (await s.gw('/lease', { max: 10, wait_ms: 0 })).body.messages as Array<{ id: string }>;
        assert.ok(sms);
        assert.equal((await s.api('POST', `/v1/verifications/${v.id}/cancel`)).status, 200);
        assert.deepEqual(outcomes((await s.gw('/claims', { message_ids: [sms.id] })).body), [[sms.id, 'lost', 'canceled']]);
      } finally {
        await s.close();
      }
    });

    test('a claims request is validated: 1 to 100 ids', async () => {
      const s = await createTestServer({ dialect, transport: capturingTransport() });
      try {
        assert.equal((await s.gw('/claims', { message_ids: [] })).status, 400);
        assert.equal((await s.gw('/claims', { message_ids: Array.from({ length: 101 }, (_, i) => `msg_${i}`) })).status, 400);
        assert.equal((await s.gw('/claims', { message_ids: ['x'], extra: 1 })).status, 400);
      } finally {
        await s.close();
      }
    });
  });
}
