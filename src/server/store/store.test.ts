/**
 * The store contract: every dialect must pass the same suite.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { newId } from '../ids.js';
import { messageRow, openTestStore } from './testing.js';
import { DIALECTS, isUniqueViolation, type Store, type VerificationRow } from './types.js';

const message = messageRow;

function verification(over: Partial<VerificationRow> = {}): VerificationRow {
  const now = Date.now();
  return {
    id: newId('ver'),
    api_key_id: 'key_a',
    channel: 'sms',
    to: '+6281234567890',
    status: 'pending',
    locale: 'id',
    code_hash: 'h',
    code_enc: 'e',
    ip: null,
    created_at: now,
    expires_at: now + 600_000,
    sends: 1,
    max_sends: 5,
    attempts_left: 5,
    next_resend_at: now + 30_000,
    ended_at: null,
    method: 'send',
    fallback: null,
    hop: 0,
    hop_since: null,
    ...over,
  };
}

for (const dialect of DIALECTS) {
  describe(`store contract: ${dialect}`, () => {
    let store: Store;
    before(async () => {
      store = await openTestStore(dialect);
    });
    after(async () => {
      await store.close();
    });

    test('ping answers', async () => {
      await store.ping();
    });

    test('api keys are found by hash unless revoked', async () => {
      const now = Date.now();
      await store.insertApiKey({ id: 'key_1', name: 'app', key_hash: 'hash-1', prefix: 'kk_ab', created_at: now, revoked_at: null });
      await store.insertApiKey({ id: 'key_2', name: 'old', key_hash: 'hash-2', prefix: 'kk_cd', created_at: now, revoked_at: now });
      assert.equal((await store.findApiKeyByHash('hash-1'))?.id, 'key_1');
      assert.equal(await store.findApiKeyByHash('hash-2'), undefined);
      assert.equal(await store.findApiKeyByHash('nope'), undefined);
    });

    test('gateways: lookup, heartbeat state, silent ones go offline', async () => {
      const now = Date.now();
      await store.insertGateway({ id: 'gw_1', name: 'pi', token_hash: 'tok-1', prefix: 'kg_x', created_at: now, revoked_at: null, last_seen_at: null, state: 'new', health: null });
      assert.equal((await store.findGatewayByHash('tok-1'))?.name, 'pi');
      await store.updateGateway('gw_1', { state: 'online', last_seen_at: now - 60_000 });
      const off = await store.markSilentGatewaysOffline(now - 30_000);
      assert.deepEqual(off.map((g) => g.id), ['gw_1']);
      assert.equal((await store.getGateway('gw_1'))?.state, 'offline');
      assert.deepEqual(await store.markSilentGatewaysOffline(now - 30_000), []);
    });

    test('only one pending verification per key, destination and channel', async () => {
      const v1 = verification({ to: '+6281111111111' });
      await store.insertVerification(v1);
      await assert.rejects(store.insertVerification(verification({ to: '+6281111111111' })), (e) => isUniqueViolation(e));
      // Another channel or a finished one does not conflict.
      await store.insertVerification(verification({ to: '+6281111111111', channel: 'email' }));
      assert.ok(await store.updatePendingVerification(v1.id, { status: 'approved', code_enc: null }));
      await store.insertVerification(verification({ to: '+6281111111111' }));
      assert.equal((await store.findPendingVerification('key_a', '+6281111111111', 'sms'))?.status, 'pending');
    });

    test('pending verifications update by compare-and-set', async () => {
      const v = verification({ to: '+6282222222222' });
      await store.insertVerification(v);
      assert.equal(await store.updatePendingVerification(v.id, { attempts_left: 4 }, { attemptsLeft: 4 }), false);
      assert.equal(await store.updatePendingVerification(v.id, { attempts_left: 4 }, { attemptsLeft: 5 }), true);
      assert.equal(await store.updatePendingVerification(v.id, { status: 'approved' }), true);
      // Approval happens once.
      assert.equal(await store.updatePendingVerification(v.id, { status: 'approved' }), false);
      assert.equal((await store.getVerification(v.id, 'key_a'))?.attempts_left, 4);
      assert.equal(await store.getVerification(v.id, 'key_other'), undefined);
    });

    test('expired pending verifications are listed', async () => {
      const v = verification({ to: '+6283333333333', expires_at: Date.now() - 1 });
      await store.insertVerification(v);
      const list = await store.listExpiredPendingVerifications(Date.now(), 100);
      assert.ok(list.some((x) => x.id === v.id));
    });

    test('pending reverse verifications are found by destination, any key, oldest first, bounded', async () => {
      const to = '+6284444444444';
      const a = verification({ to, method: 'reverse', created_at: 1 });
      const b = verification({ to, method: 'reverse', api_key_id: 'key_b', created_at: 2 });
      await store.insertVerification(b);
      await store.insertVerification(a);
      await store.insertVerification(verification({ to, channel: 'email', method: 'send' }));
      await store.insertVerification(verification({ to: '+6284444444445', method: 'reverse' }));
      await store.insertVerification(verification({ to, method: 'reverse', api_key_id: 'key_c', status: 'approved' }));
      assert.deepEqual((await store.listPendingReverse(to, 10)).map((v) => v.id), [a.id, b.id]);
      assert.deepEqual((await store.listPendingReverse(to, 1)).map((v) => v.id), [a.id]);
      assert.equal((await store.getVerification(a.id))?.method, 'reverse');
      assert.deepEqual(await store.listPendingReverse('+6284444444446', 10), []);
    });

    test('an inbound SMS finds its pending reverse verifications through their own index', async () => {
      // The statement listPendingReverse runs, with its literals; the planner is
      // kept off a full scan so the test shows the index can serve it.
      const plan = await store.db.connection().execute(async (db) => {
        const query = sql`select * from verifications where "to" = ${'+6284444444444'} and status = 'pending' and method = 'reverse' order by created_at, id limit 20`;
        if (dialect === 'sqlite') return (await sql<{ detail: string }>`explain query plan ${query}`.execute(db)).rows.map((r) => r.detail).join('\n');
        await sql`set enable_seqscan = off`.execute(db);
        try {
          return (await sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(db)).rows.map((r) => r['QUERY PLAN']).join('\n');
        } finally {
          await sql`reset enable_seqscan`.execute(db);
        }
      });
      assert.match(plan, /verifications_reverse_pending/, plan);
    });

    test('messages keep their event history and change state by compare-and-set', async () => {
      const m = message();
      await store.insertMessage(m, 'accepted');
      const t0 = Date.now();
      assert.equal(await store.transition({ id: m.id, from: ['sent'], to: 'delivered', at: t0 }), false);
      assert.equal(await store.transition({ id: m.id, from: ['queued'], to: 'canceled', at: t0, detail: 'by test' }), true);
      assert.equal(await store.transition({ id: m.id, from: ['queued'], to: 'canceled', at: t0 }), false);
      const events = await store.listMessageEvents(m.id);
      assert.deepEqual(events.map((e) => [e.status, e.detail]), [['queued', 'accepted'], ['canceled', 'by test']]);
      assert.equal((await store.getMessage(m.id))?.status, 'canceled');
      assert.equal(await store.getMessage(m.id, 'someone-else'), undefined);
    });

    test('leasing hands out queued SMS by priority then age, each once', async () => {
      const base = Date.now() - 10_000;
      const low = message({ api_key_id: 'key_lease', priority: 'low', priority_rank: 2, created_at: base });
      const normal = message({ api_key_id: 'key_lease', created_at: base + 1 });
      const high = message({ api_key_id: 'key_lease', priority: 'high', priority_rank: 0, created_at: base + 2 });
      const expired = message({ api_key_id: 'key_lease', created_at: base + 3, expires_at: base });
      const email = message({ api_key_id: 'key_lease', channel: 'email', to: 'a@b.c', created_at: base + 4 });
      for (const m of [low, normal, high, expired, email]) await store.insertMessage(m);
      const now = Date.now();
      const [a, b] = await Promise.all([
        store.leaseSms({ gatewayId: 'gw_a', max: 10, now, leaseUntil: now + 30_000 }),
        store.leaseSms({ gatewayId: 'gw_b', max: 10, now, leaseUntil: now + 30_000 }),
      ]);
      const leased = [...a, ...b];
      const ours = leased.filter((m) => m.api_key_id === 'key_lease');
      assert.equal(ours.length, 3, 'three leasable messages, each leased once');
      assert.equal(new Set(ours.map((m) => m.id)).size, 3);
      const order = (a.length >= b.length ? a : b).filter((m) => m.api_key_id === 'key_lease').map((m) => m.id);
      assert.deepEqual(order, [high.id, normal.id, low.id]);
      assert.ok(ours.every((m) => m.status === 'dispatched' && m.lease_until === now + 30_000));
      // A report from another gateway cannot move the message.
      const holder = ours[0]!.gateway_id!;
      const other = holder === 'gw_a' ? 'gw_b' : 'gw_a';
      assert.equal(await store.transition({ id: ours[0]!.id, from: ['dispatched'], to: 'spooled', at: now, gatewayId: other }), false);
      assert.equal(await store.transition({ id: ours[0]!.id, from: ['dispatched'], to: 'spooled', at: now, gatewayId: holder }), true);
      const lapsed = await store.listLapsedLeases(now + 60_000, 100);
      assert.deepEqual(new Set(lapsed.filter((m) => m.api_key_id === 'key_lease').map((m) => m.id)), new Set([ours[1]!.id, ours[2]!.id]));
      const exp = await store.listExpiredUnsent(Date.now(), 100);
      assert.ok(exp.some((m) => m.id === expired.id));
      assert.ok((await store.listDueEmails(Date.now(), 10)).some((m) => m.id === email.id));
    });

    test('message lists page newest first with a cursor', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const m = message({ api_key_id: 'key_page', status: i % 2 ? 'sent' : 'queued' });
        ids.push(m.id);
        await store.insertMessage(m);
      }
      const p1 = await store.listMessages({ apiKeyId: 'key_page', limit: 2 });
      assert.deepEqual(p1.items.map((m) => m.id), [ids[4], ids[3]]);
      const p2 = await store.listMessages({ apiKeyId: 'key_page', limit: 2, cursor: p1.nextCursor! });
      assert.deepEqual(p2.items.map((m) => m.id), [ids[2], ids[1]]);
      const p3 = await store.listMessages({ apiKeyId: 'key_page', limit: 2, cursor: p2.nextCursor! });
      assert.deepEqual(p3.items.map((m) => m.id), [ids[0]]);
      assert.equal(p3.nextCursor, undefined);
      const sent = await store.listMessages({ apiKeyId: 'key_page', status: 'sent', limit: 10 });
      assert.deepEqual(sent.items.map((m) => m.id), [ids[3], ids[1]]);
    });

    test('a transaction that throws leaves nothing behind', async () => {
      const m = message({ api_key_id: 'key_tx' });
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertMessage(m);
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.getMessage(m.id), undefined);
      assert.deepEqual(await store.listMessageEvents(m.id), []);
    });

    test('a nested transaction is a savepoint: its rollback keeps the outer work, and after-commit hooks fire only for what committed', async () => {
      const kept = message({ api_key_id: 'key_nest' });
      const undone = message({ api_key_id: 'key_nest' });
      const fired: string[] = [];
      await store.transaction(async (tx) => {
        await tx.insertMessage(kept);
        tx.afterCommit(() => fired.push('outer'));
        await assert.rejects(
          tx.transaction(async (inner) => {
            await inner.insertMessage(undone);
            inner.afterCommit(() => fired.push('inner-rolled-back'));
            throw new Error('inner boom');
          }),
          /inner boom/,
        );
        await tx.transaction(async (inner) => {
          inner.afterCommit(() => fired.push('inner-kept'));
        });
        assert.deepEqual(fired, [], 'nothing fires before the commit');
      });
      assert.deepEqual(fired, ['outer', 'inner-kept']);
      assert.ok(await store.getMessage(kept.id));
      assert.equal(await store.getMessage(undone.id), undefined);
    });

    test('after-commit hooks of a transaction that rolls back never fire', async () => {
      const fired: string[] = [];
      await assert.rejects(
        store.transaction(async (tx) => {
          tx.afterCommit(() => fired.push('x'));
          throw new Error('boom');
        }),
      );
      assert.deepEqual(fired, []);
    });

    test('a unique violation inside a savepoint can be retried in the same transaction', async () => {
      const row = { api_key_id: 'key_sp', key: 'k', fingerprint: 'f', status_code: 0, body: '', created_at: Date.now() };
      await store.insertIdempotency(row);
      const m = message({ api_key_id: 'key_sp' });
      await store.transaction(async (tx) => {
        await assert.rejects(tx.transaction((inner) => inner.insertIdempotency(row)), (e) => isUniqueViolation(e));
        // PostgreSQL aborts a whole transaction after an error, unless it was inside a savepoint.
        await tx.insertMessage(m);
      });
      assert.ok(await store.getMessage(m.id));
    });

    test('idempotency keys are unique per api key', async () => {
      // Dated long ago, so the count below is this test's own rows whatever other tests stored.
      const row = { api_key_id: 'key_a', key: 'k1', fingerprint: 'f', status_code: 201, body: '{}', created_at: 1_000 };
      await store.insertIdempotency(row);
      await assert.rejects(store.insertIdempotency(row), (e) => isUniqueViolation(e));
      await store.insertIdempotency({ ...row, api_key_id: 'key_b' });
      assert.equal((await store.getIdempotency('key_a', 'k1'))?.status_code, 201);
      assert.equal(await store.deleteIdempotencyBefore(2_000), 2);
    });

    test('inbound SMS are stored once per gateway key', async () => {
      const row = { id: newId('in'), gateway_id: 'gw_1', key: 'IN1', from: '+62811', text: 'halo', parts: 1, received_at: Date.now(), created_at: Date.now() };
      assert.equal(await store.insertInbound(row), true);
      assert.equal(await store.insertInbound({ ...row, id: newId('in') }), false);
      const list = await store.listInbound({ limit: 10 });
      assert.equal(list.items.filter((r) => r.key === 'IN1').length, 1);
    });

    test('webhook deliveries are claimed by one worker', async () => {
      const now = Date.now();
      await store.insertWebhook({ id: 'wh_1', api_key_id: 'key_a', url: 'http://127.0.0.1/x', events: '["message.sent"]', secret_enc: 's', created_at: now, disabled_at: null });
      await store.insertWebhookDelivery({ id: 'whd_1', webhook_id: 'wh_1', type: 'message.sent', payload: '{}', state: 'pending', attempts: 0, next_attempt_at: now, last_error: null, created_at: now, updated_at: now });
      const due = await store.listDueWebhookDeliveries(now, 10);
      assert.deepEqual(due.map((d) => d.id), ['whd_1']);
      const [c1, c2] = await Promise.all([
        store.claimWebhookDelivery('whd_1', now, now + 60_000),
        store.claimWebhookDelivery('whd_1', now, now + 60_000),
      ]);
      assert.equal(Number(c1) + Number(c2), 1);
      assert.deepEqual(await store.listDueWebhookDeliveries(now, 10), []);
      assert.equal((await store.listWebhooks('key_a')).length, 1);
      await store.disableWebhook('wh_1', now);
      assert.equal((await store.listWebhooks('key_a')).length, 0);
    });

    test('settings: the first writer wins', async () => {
      assert.equal(await store.setSettingIfAbsent('secret', 'one'), 'one');
      assert.equal(await store.setSettingIfAbsent('secret', 'two'), 'one');
      assert.equal(await store.getSetting('secret'), 'one');
      assert.equal(await store.getSetting('missing'), undefined);
    });

    test("an API key's OTP settings: none, then saved, then replaced whole", async () => {
      assert.equal(await store.getAppSettings('key_settings'), undefined);
      const first = { api_key_id: 'key_settings', web_origin: 'https://toko.example', android_app_hash: 'FA+9qCX9VSu', default_locale: 'en' as const, templates: '{"sms":{"en":"{code}"}}', updated_at: 1_700_000_000_000 };
      await store.putAppSettings(first);
      assert.deepEqual(await store.getAppSettings('key_settings'), first);
      const second = { ...first, web_origin: null, android_app_hash: null, default_locale: null, templates: '{}', updated_at: 1_700_000_000_001 };
      await store.putAppSettings(second);
      assert.deepEqual(await store.getAppSettings('key_settings'), second);
      assert.equal(await store.getAppSettings('key_other'), undefined);
    });

    test('integrations: stored, read back, listed oldest first, revoked once', async () => {
      const row = { id: 'int_a', kind: 'supabase' as const, name: 'shop', api_key_id: 'key_a', secret_enc: 'sealed', settings: '{"ttl_seconds":60}', created_at: 1_700_000_000_000, revoked_at: null };
      await store.insertIntegration(row);
      await store.insertIntegration({ ...row, id: 'int_b', created_at: row.created_at + 1 });
      assert.deepEqual(await store.getIntegration('int_a'), row);
      assert.deepEqual((await store.listIntegrations()).map((r) => r.id), ['int_a', 'int_b']);
      assert.equal(await store.revokeIntegration('int_a', 1_700_000_000_500), true);
      assert.equal(await store.revokeIntegration('int_a', 1_700_000_000_900), false, 'already revoked');
      assert.equal((await store.getIntegration('int_a'))!.revoked_at, 1_700_000_000_500);
      assert.equal(await store.revokeIntegration('int_nope', 1), false);
      assert.equal(await store.getIntegration('int_nope'), undefined);
    });
  });
}
