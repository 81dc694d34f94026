/**
 * Gateway reports through the gateway HTTP protocol: a gateway may only
 * report on messages it holds. Another gateway's report, whatever state it
 * claims, answers `unknown` and leaves the message's status and history as
 * they were.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createGateway } from '../../credentials.js';
import { DIALECTS } from '../../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../../testing.js';

const STATES = ['spooled', 'sent', 'delivered', 'failed', 'expired'] as const;

/** POSTs reports to /gateway/v1/reports with `token`; returns the outcomes. */
async function report(s: TestServer, token: string, id: string, status: string): Promise<Array<{ message_id: string; outcome: string }>> {
  const res = await s.app.inject({
    method: 'POST',
    url: '/gateway/v1/reports',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ reports: [{ message_id: id, status, at: new Date().toISOString(), ...(status === 'failed' ? { detail: 'not mine' } : {}) }] }),
  });
  assert.equal(res.statusCode, 200, res.body);
  return JSON.parse(res.body).results;
}

for (const dialect of DIALECTS) {
  describe(`gateway reports on ${dialect}`, () => {
    test('a gateway reporting on a message it does not hold gets unknown and changes nothing', async () => {
      const s = await createTestServer({ dialect, transport: capturingTransport() });
      try {
        const second = await createGateway(s.store, 'second-gw');
        const send = async (to: string) => (await s.api('POST', '/v1/messages', { to, channel: 'sms', text: 'for the first gateway' })).body.id as string;
        const message = async (id: string) => (await s.api('GET', `/v1/messages/${id}`)).body;

        const leased = await send('+6281500000002'); // leased to the first gateway
        const sent = await send('+6281500000003'); // sent by the first gateway
        const lease = await s.gw('/lease', { max: 10, wait_ms: 0 });
        assert.deepEqual(lease.body.messages.map((m: { id: string }) => m.id).sort(), [leased, sent].sort());
        const waiting = await send('+6281500000001'); // queued, held by nobody
        for (const st of ['spooled', 'sent']) {
          assert.equal((await s.gw('/reports', { reports: [{ message_id: sent, status: st, at: new Date().toISOString() }] })).body.results[0].outcome, 'applied');
        }

        for (const [id, state] of [[waiting, 'queued'], [leased, 'dispatched'], [sent, 'sent']] as const) {
          const before = await message(id);
          assert.equal(before.status, state);
          for (const status of STATES) {
            const results = await report(s, second.token, id, status);
            assert.deepEqual(results.map((r) => [r.message_id, r.outcome]), [[id, 'unknown']], `second gateway reporting ${status} on a ${state} message`);
            assert.deepEqual(await message(id), before, `a ${status} report on a ${state} message changed nothing`);
          }
        }

        // The holder's own reports still apply.
        assert.equal((await report(s, s.gatewayToken, leased, 'spooled'))[0]!.outcome, 'applied');
        assert.equal((await message(leased)).status, 'spooled');
      } finally {
        await s.close();
      }
    });
  });
}
