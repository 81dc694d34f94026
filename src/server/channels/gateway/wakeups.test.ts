/**
 * A queued SMS wakes one waiting gateway poll, not all of them
 * (waiters.ts): with twenty gateways long-polling, one SMS costs one lease
 * query, counted by kirim_gateway_lease_attempts_total.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createGateway } from '../../credentials.js';
import { DIALECTS } from '../../store/index.js';
import { capturingTransport, createTestServer } from '../../testing.js';
import { waitFor } from '../../../../test/support/process.js';

const POLLS = 20;

for (const dialect of DIALECTS) {
  describe(`gateway wake-ups on ${dialect}`, () => {
    test('one queued SMS wakes one of twenty waiting polls: one lease query, the others keep waiting', async () => {
      // Re-checks every 10 min: only a wake-up can end a wait in this test.
      const s = await createTestServer({ dialect, transport: capturingTransport(), env: { KIRIM_POLL_RECHECK_MS: '600000' } });
      try {
        const metrics = s.services.ctx.metrics;
        const count = async (outcome: string) => (await metrics.gatewayLeaseAttempts.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
        const waiting = async () => (await metrics.gatewayPollsWaiting.get()).values[0]?.value ?? 0;
        const tokens = [s.gatewayToken];
        for (let i = 1; i < POLLS; i++) tokens.push((await createGateway(s.store, `gw-${i}`)).token);
        const polls = tokens.map((token) =>
          s.app
            .inject({ method: 'POST', url: '/gateway/v1/lease', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ max: 10, wait_ms: 30_000 }) })
            .then((r) => ({ token, status: r.statusCode, ids: (JSON.parse(r.body).messages ?? []).map((m: { id: string }) => m.id) as string[] })),
        );
        await waitFor(async () => (await waiting()) === POLLS, { what: 'every poll to wait' });
        assert.equal(await count('empty'), POLLS);

        const id = (await s.api('POST', '/v1/messages', { to: '+6281500000001', channel: 'sms', text: 'one for one gateway' })).body.id as string;
        const first = await Promise.race(polls);
        assert.equal(first.status, 200);
        assert.deepEqual(first.ids, [id]);
        assert.equal(await count('leased'), 1);
        assert.equal(await waiting(), POLLS - 1, 'the other polls still wait');
        assert.equal(await count('empty'), POLLS, 'no other poll ran a lease query for it');

        // Every other poll still answers when the server closes.
        await s.app.close();
        const rest = (await Promise.all(polls)).filter((p) => p.token !== first.token);
        assert.deepEqual(rest.map((p) => p.ids.length), Array(POLLS - 1).fill(0));
      } finally {
        await s.close();
      }
    });
  });
}
