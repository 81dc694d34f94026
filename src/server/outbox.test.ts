/**
 * The transactional outbox: a message's state change and its webhook event
 * are stored by the same transaction, so neither exists without the other,
 * and in-process signals follow only a commit. On both dialects.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { capturingTransport, createTestServer, type TestServer } from './testing.js';
import { DIALECTS } from './store/index.js';

for (const dialect of DIALECTS) {
  describe(`transactional outbox on ${dialect}`, () => {
    let s: TestServer;
    before(async () => {
      s = await createTestServer({ dialect, transport: capturingTransport() });
      const hook = await s.api('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['message.queued', 'message.canceled', 'message.failed', 'verification.failed'] });
      assert.equal(hook.status, 201);
    });
    after(() => s.close());

    const deliveries = async (id: string) =>
      (await s.store.db.selectFrom('webhook_deliveries').select(['type', 'payload']).execute())
        .filter((d) => (JSON.parse(d.payload) as { id: string }).id === id)
        .map((d) => d.type)
        .sort();

    test('the webhook event of a new message is stored by the request that created it', async () => {
      const r = await s.api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'halo' });
      assert.equal(r.status, 202);
      // No waiting: the answer came after the commit that holds both.
      assert.deepEqual(await deliveries(r.body.id), ['message.queued']);
    });

    test('a state change that rolls back leaves neither the change, its event, nor a signal', async () => {
      const r = await s.api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'undone' });
      const heard: string[] = [];
      const listen = (m: { id: string; status: string }) => heard.push(`${m.id}:${m.status}`);
      s.services.ctx.bus.on('message:changed', listen);
      try {
        await assert.rejects(
          s.store.transaction(async (tx) => {
            const changed = await s.services.messages.transition({ id: r.body.id, from: ['queued'], to: 'canceled', at: Date.now(), detail: 'test' }, tx);
            assert.equal(changed?.status, 'canceled');
            throw new Error('crash after the change, before the commit');
          }),
          /crash after the change/,
        );
        assert.deepEqual(heard, [], 'no signal for a change that was not stored');
        assert.equal((await s.store.getMessage(r.body.id))?.status, 'queued');
        assert.deepEqual(await deliveries(r.body.id), ['message.queued']);

        const done = await s.services.messages.transition({ id: r.body.id, from: ['queued'], to: 'canceled', at: Date.now(), detail: 'test' });
        assert.equal(done?.status, 'canceled');
        assert.deepEqual(heard, [`${r.body.id}:canceled`]);
        assert.deepEqual(await deliveries(r.body.id), ['message.canceled', 'message.queued']);
      } finally {
        s.services.ctx.bus.off('message:changed', listen);
      }
    });

    test("a verification fails in the same transaction as its last message, with its event", async () => {
      const v = await s.api('POST', '/v1/verifications', { to: '081234567891', channel: 'sms' });
      assert.equal(v.status, 201);
      const lease = await s.gw('/lease', { max: 10, wait_ms: 0 });
      const leased = (lease.body.messages as Array<{ id: string; to: string }>).find((m) => m.to === '+6281234567891');
      assert.ok(leased, 'the code was leased');
      const rep = await s.gw('/reports', { reports: [{ message_id: leased.id, status: 'failed', at: new Date().toISOString(), detail: 'modem refused' }] });
      assert.equal(rep.body.results[0].outcome, 'applied');
      // Read at once: both were committed by the report's transaction.
      assert.equal((await s.api('GET', `/v1/verifications/${v.body.id}`)).body.status, 'failed');
      assert.deepEqual(await deliveries(v.body.id), ['verification.failed']);
      assert.deepEqual(await deliveries(leased.id), ['message.failed', 'message.queued']);
    });
  });
}
