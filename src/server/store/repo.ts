/**
 * The store's operations written once with Kysely. The SQL is portable
 * between SQLite and PostgreSQL; the few places where the dialects differ
 * (row locking while leasing) branch on `dialect`.
 */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.js';
import { publish, type NotifyTarget } from './postgres/notify.js';
import type { ClusterSignal, Dialect, Page, Repo, Transition } from './types.js';

/** The store's operations without the transaction wrapper (index.ts adds it). */
export type Ops = Omit<Repo, 'transaction'>;

/**
 * `'pending'` as a literal, not a bound parameter: SQLite re-plans a
 * statement on every execution when a bound value could decide whether the
 * partial index `verifications_one_pending` applies (measured 4× slower).
 */
const PENDING = sql.lit<'pending'>('pending');
// A literal too, so SQLite's planner sees the partial index's condition (verifications_reverse_pending).
const REVERSE = sql.lit<'reverse'>('reverse');

/** Builds the repository over a connection or a transaction; `notify` (PostgreSQL) is where announcements to other instances go. */
export function createRepo(db: Kysely<Database>, dialect: Dialect, notify?: NotifyTarget): Ops {
  const announce = async (signal: ClusterSignal) => {
    if (notify) await publish(db, notify, signal);
  };
  return {
    notifyInstances: announce,

    async insertApiKey(row) {
      await db.insertInto('api_keys').values(row).execute();
    },
    async findApiKeyByHash(hash) {
      return db.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
    },
    async getAppSettings(apiKeyId) {
      return db.selectFrom('app_settings').selectAll().where('api_key_id', '=', apiKeyId).executeTakeFirst();
    },
    async putAppSettings(row) {
      const { api_key_id: _id, ...rest } = row;
      await db.insertInto('app_settings').values(row).onConflict((oc) => oc.column('api_key_id').doUpdateSet(rest)).execute();
    },
    async insertIntegration(row) {
      await db.insertInto('integrations').values(row).execute();
    },
    async getIntegration(id) {
      return db.selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async listIntegrations() {
      return db.selectFrom('integrations').selectAll().orderBy('created_at').execute();
    },
    async revokeIntegration(id, at) {
      const r = await db.updateTable('integrations').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async insertGateway(row) {
      await db.insertInto('gateways').values(row).execute();
    },
    async findGatewayByHash(hash) {
      return db.selectFrom('gateways').selectAll().where('token_hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
    },
    async getGateway(id) {
      return db.selectFrom('gateways').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async listGateways() {
      return db.selectFrom('gateways').selectAll().orderBy('created_at').execute();
    },
    async revokeGateway(id, at) {
      await db.updateTable('gateways').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
      const row = await db.selectFrom('gateways').selectAll().where('id', '=', id).executeTakeFirst();
      // Open long polls of this gateway on every instance end at once.
      if (row) await announce(['credentials:changed', 'gateway', id]);
      return row;
    },
    async rotateGatewayToken(id, tokenHash, prefix) {
      const row = await db.updateTable('gateways').set({ token_hash: tokenHash, prefix }).where('id', '=', id).where('revoked_at', 'is', null).returningAll().executeTakeFirst();
      if (row) await announce(['credentials:changed', 'gateway', id]);
      return row;
    },
    async updateGateway(id, set) {
      await db.updateTable('gateways').set(set).where('id', '=', id).execute();
    },
    async markGatewayOnline(id, set) {
      return db.updateTable('gateways').set({ ...set, state: 'online' }).where('id', '=', id).where('state', '!=', 'online').returningAll().executeTakeFirst();
    },
    async markSilentGatewaysOffline(cutoff) {
      return db
        .updateTable('gateways')
        .set({ state: 'offline' })
        .where('state', '=', 'online')
        .where('last_seen_at', '<', cutoff)
        .returningAll()
        .execute();
    },

    async insertVerification(row) {
      await db.insertInto('verifications').values(row).execute();
    },
    async getVerification(id, apiKeyId) {
      let q = db.selectFrom('verifications').selectAll().where('id', '=', id);
      if (apiKeyId !== undefined) q = q.where('api_key_id', '=', apiKeyId);
      return q.executeTakeFirst();
    },
    async findPendingVerification(apiKeyId, to, channel) {
      return db
        .selectFrom('verifications')
        .selectAll()
        .where('api_key_id', '=', apiKeyId)
        .where('to', '=', to)
        .where('channel', '=', channel)
        .where('status', '=', PENDING)
        .executeTakeFirst();
    },
    async findLatestVerification(apiKeyId, to) {
      return db
        .selectFrom('verifications')
        .selectAll()
        .where('api_key_id', '=', apiKeyId)
        .where('to', '=', to)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
    },
    async updatePendingVerification(id, set, expect = {}) {
      let q = db.updateTable('verifications').set(set).where('id', '=', id).where('status', '=', PENDING);
      if (expect.attemptsLeft !== undefined) q = q.where('attempts_left', '=', expect.attemptsLeft);
      if (expect.sends !== undefined) q = q.where('sends', '=', expect.sends);
      if (expect.hop !== undefined) q = q.where('hop', '=', expect.hop);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async listFallbackPending(limit) {
      return db.selectFrom('verifications').selectAll().where('status', '=', PENDING).where('fallback', 'is not', null).orderBy('created_at').limit(limit).execute();
    },
    async getGuessFailures(to) {
      return db.selectFrom('guess_failures').selectAll().where('to', '=', to).executeTakeFirst();
    },
    async insertGuessFailures(row) {
      const r = await db
        .insertInto('guess_failures')
        .values(row)
        .onConflict((oc) => oc.column('to').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async updateGuessFailures(to, expectFailures, set) {
      const r = await db.updateTable('guess_failures').set(set).where('to', '=', to).where('failures', '=', expectFailures).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async deleteGuessFailures(to) {
      await db.deleteFrom('guess_failures').where('to', '=', to).execute();
    },
    async listPendingReverse(to, limit) {
      return db
        .selectFrom('verifications')
        .selectAll()
        .where('to', '=', to)
        .where('status', '=', PENDING)
        .where('method', '=', REVERSE)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
    },
    async listExpiredPendingVerifications(now, limit) {
      return db
        .selectFrom('verifications')
        .selectAll()
        .where('status', '=', PENDING)
        .where('expires_at', '<=', now)
        .limit(limit)
        .execute();
    },

    async insertMessage(row, detail = null) {
      await db.insertInto('messages').values(row).execute();
      await db.insertInto('message_events').values({ message_id: row.id, status: row.status, at: row.created_at, detail }).execute();
    },
    async getMessage(id, apiKeyId) {
      let q = db.selectFrom('messages').selectAll().where('id', '=', id);
      if (apiKeyId !== undefined) q = q.where('api_key_id', '=', apiKeyId);
      return q.executeTakeFirst();
    },
    async listMessages({ apiKeyId, status, limit, cursor }) {
      let q = db.selectFrom('messages').selectAll().where('api_key_id', '=', apiKeyId);
      if (status) q = q.where('status', '=', status);
      // Ids sort by creation time, so the id is the cursor.
      if (cursor) q = q.where('id', '<', cursor);
      const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
      return page(rows, limit, (r) => r.id);
    },
    async listMessageEvents(messageId) {
      return db.selectFrom('message_events').selectAll().where('message_id', '=', messageId).orderBy('id').execute();
    },
    async transition(t: Transition) {
      let q = db
        .updateTable('messages')
        .set({ ...t.set, status: t.to, updated_at: t.at })
        .where('id', '=', t.id)
        .where('status', 'in', t.from);
      if (t.gatewayId !== undefined) q = q.where('gateway_id', '=', t.gatewayId);
      if (t.unclaimed) q = q.where('claimed_at', 'is', null);
      if (t.leaseUntil !== undefined) q = q.where('lease_until', '=', t.leaseUntil);
      if (t.attempts !== undefined) q = q.where('attempts', '=', t.attempts);
      const r = await q.executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await db.insertInto('message_events').values({ message_id: t.id, status: t.to, at: t.at, detail: t.detail ?? null }).execute();
      return true;
    },
    async messagesOfVerification(verificationId) {
      return db.selectFrom('messages').selectAll().where('verification_id', '=', verificationId).orderBy('id').execute();
    },
    async leaseSms({ gatewayId, max, now, leaseUntil, recipients, routes: wanted, due = false }) {
      if (max <= 0) return [];
      // Fair share: OTPs (messages of a verification) first, then round
      // robin across API keys — each key's n-th waiting message ranks in
      // turn n — then priority and age. One key's flood cannot push another
      // key's code to the back of the queue.
      const gated = recipients !== undefined && recipients.newAllowed < max && recipients.knownIn.length > 0;
      // A few new recipients allowed: read more candidates than `max` and choose below.
      const limit = gated && recipients.newAllowed > 0 ? Math.min(max * 4, 400) : max;
      const queued = <Q extends SelectQueryBuilder<Database, 'messages', object>>(q: Q): Q => {
        let out = q.where('channel', '=', 'sms').where('status', '=', 'queued').where('expires_at', '>', now);
        if (due) out = out.where('next_attempt_at', '<=', now);
        // With no new recipient allowed, only messages to known recipients may go.
        if (gated && recipients.newAllowed <= 0) {
          for (const w of recipients.knownIn) {
            out = out.where('to', 'in', db.selectFrom('budget_members').select('member').where('bucket', '=', w.bucket).where('window_start', '=', w.window_start));
          }
        }
        return out as Q;
      };
      // Only each (route, key)'s first `limit` OTPs and first `limit` others
      // can be among the first `limit` in the fair order: read just those,
      // off the (channel, status, route, api_key_id, priority_rank,
      // created_at) index, in one statement, instead of ranking the whole
      // queue. The keys with work on a route come off the same index by a
      // skip-scan: one index probe per key, whatever the depth of the queue.
      // Absent: any route but a provider's (those are only its worker's).
      const routes = wanted ?? [null, ...(await queuedRoutes(db)).filter((r) => !r.startsWith('provider:'))];
      const pairs = await queuedKeys(db, routes);
      if (pairs.length === 0) return [];
      const parts = pairs.flatMap(([route, key]) =>
        [true, false].map((otp) => {
          let q = queued(db.selectFrom('messages').select(['id', 'to', 'api_key_id', 'verification_id', 'priority_rank', 'created_at']));
          q = route === null ? q.where('route', 'is', null) : q.where('route', '=', route);
          q = key === null ? q.where('api_key_id', 'is', null) : q.where('api_key_id', '=', key);
          q = otp ? q.where('verification_id', 'is not', null) : q.where('verification_id', 'is', null);
          // Why `route` leads the order, though one route is read: PostgreSQL
          // takes `route = x` as a constant but not `route is null`, so
          // without it the unpinned share's order looked unserved by the
          // route indexes and the planner walked the whole queue on
          // `messages_queue` (0.5 s at 1M queued) or sorted all of a key's
          // rows; with it, an index probe at any depth (bench/queue-depth.ts).
          // (No id in this order: it would defeat the index; ties are broken below.)
          return db.selectFrom(q.orderBy('route').orderBy('priority_rank').orderBy('created_at').limit(limit).as('p')).selectAll();
        }),
      );
      let union = parts[0]!;
      for (const p of parts.slice(1)) union = union.unionAll(p);
      const candidates = await union.execute();
      const byOrder = (x: { priority_rank: number; created_at: number; id: string }, y: typeof x) =>
        x.priority_rank - y.priority_rank || Number(x.created_at) - Number(y.created_at) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
      const partitions = new Map<string, typeof candidates>();
      for (const c of candidates) {
        const k = `${c.verification_id === null ? 1 : 0}\0${c.api_key_id ?? ''}`;
        partitions.set(k, [...(partitions.get(k) ?? []), c]);
      }
      const ranked = [...partitions.values()].flatMap((list) =>
        list.sort(byOrder).map((c, i) => ({ ...c, otpLast: c.verification_id === null ? 1 : 0, turn: i + 1 })),
      );
      ranked.sort((x, y) => x.otpLast - y.otpLast || x.turn - y.turn || byOrder(x, y));
      let picked = ranked.slice(0, limit * 2);
      if (dialect === 'postgres' && picked.length > 0) {
        // Several servers may lease at once: SKIP LOCKED hands each row to
        // one of them; a row another server holds is passed over.
        const locked = await db
          .selectFrom('messages')
          .select('id')
          .where('id', 'in', picked.map((c) => c.id))
          .where('status', '=', 'queued')
          .forUpdate()
          .skipLocked()
          .execute();
        const free = new Set(locked.map((r) => r.id));
        picked = picked.filter((c) => free.has(c.id));
      }
      picked = picked.slice(0, limit);
      let ids = picked.map((r) => r.id);
      if (gated && recipients.newAllowed > 0) {
        // Walk in queue order: known recipients pass, new ones while the allowance lasts.
        const tos = [...new Set(picked.map((r) => r.to))];
        const knownEverywhere = new Set(tos);
        for (const w of recipients.knownIn) {
          const known = new Set(
            tos.length === 0 ? [] : (await db.selectFrom('budget_members').select('member').where('bucket', '=', w.bucket).where('window_start', '=', w.window_start).where('member', 'in', tos).execute()).map((r) => r.member),
          );
          for (const t of tos) if (!known.has(t)) knownEverywhere.delete(t);
        }
        let allowance = recipients.newAllowed;
        ids = [];
        for (const r of picked) {
          if (ids.length >= max) break;
          if (knownEverywhere.has(r.to)) ids.push(r.id);
          else if (allowance > 0) {
            allowance--;
            knownEverywhere.add(r.to);
            ids.push(r.id);
          }
        }
      }
      if (ids.length === 0) return [];
      const rows = await db
        .updateTable('messages')
        .set({ status: 'dispatched', gateway_id: gatewayId, lease_until: leaseUntil, updated_at: now })
        .where('id', 'in', ids)
        .where('status', '=', 'queued')
        .returningAll()
        .execute();
      if (rows.length > 0) {
        await db
          .insertInto('message_events')
          .values(rows.map((r) => ({ message_id: r.id, status: 'dispatched' as const, at: now, detail: `leased to ${gatewayId.startsWith('provider:') ? '' : 'gateway '}${gatewayId}` })))
          .execute();
      }
      const order = new Map(ids.map((id, i) => [id, i]));
      return rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    },
    async claimSms({ id, gatewayId, now, leaseUntil }) {
      const mine = () => db.updateTable('messages').where('id', '=', id).where('channel', '=', 'sms').where('gateway_id', '=', gatewayId).where('expires_at', '>', now);
      // Each statement is one compare-and-set on the row: a lease to another
      // gateway (which sets gateway_id) and a claim can never both succeed.
      const first = await mine().set({ claimed_at: now, lease_until: leaseUntil }).where('status', '=', 'dispatched').where('claimed_at', 'is', null).returningAll().executeTakeFirst();
      if (first) return { row: first, requeued: false };
      const back = await mine()
        .set({ status: 'dispatched', claimed_at: now, lease_until: leaseUntil, updated_at: now })
        .where('status', '=', 'queued')
        .returningAll()
        .executeTakeFirst();
      if (back) {
        await db.insertInto('message_events').values({ message_id: id, status: 'dispatched', at: now, detail: `claimed by gateway ${gatewayId} after its lease lapsed` }).execute();
        return { row: back, requeued: true };
      }
      const again = await db.selectFrom('messages').selectAll().where('id', '=', id).where('channel', '=', 'sms').where('gateway_id', '=', gatewayId).where('status', '=', 'dispatched').where('claimed_at', 'is not', null).where('expires_at', '>', now).executeTakeFirst();
      return again ? { row: again, requeued: false } : undefined;
    },
    async leaseClaimedAgain({ gatewayId, max, now, leaseUntil }) {
      if (max <= 0) return [];
      const due = await db
        .selectFrom('messages')
        .select('id')
        .where('gateway_id', '=', gatewayId)
        .where('status', '=', 'dispatched')
        .where('claimed_at', 'is not', null)
        .where('lease_until', '<', now)
        .where('expires_at', '>', now)
        .orderBy('priority_rank')
        .orderBy('created_at')
        .limit(max)
        .execute();
      const ids = due.map((r) => r.id);
      if (ids.length === 0) return [];
      const rows = await db
        .updateTable('messages')
        .set({ lease_until: leaseUntil, updated_at: now })
        .where('id', 'in', ids)
        .where('gateway_id', '=', gatewayId)
        .where('status', '=', 'dispatched')
        .where('claimed_at', 'is not', null)
        .where('lease_until', '<', now)
        .returningAll()
        .execute();
      if (rows.length > 0) {
        await db
          .insertInto('message_events')
          .values(rows.map((r) => ({ message_id: r.id, status: 'dispatched' as const, at: now, detail: `leased again to gateway ${gatewayId}, which claimed it` })))
          .execute();
      }
      const order = new Map(ids.map((id, i) => [id, i]));
      return rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    },
    async listLapsedLeases(now, limit) {
      return db
        .selectFrom('messages')
        .selectAll()
        .where('status', '=', 'dispatched')
        .where('lease_until', '<', now)
        // A claimed message may already be in its gateway's outbox: it stays there.
        .where('claimed_at', 'is', null)
        .limit(limit)
        .execute();
    },
    async listProviderHandovers(gatewayId, now, limit) {
      return db
        .selectFrom('messages')
        .selectAll()
        .where('status', '=', 'spooled')
        .where('gateway_id', '=', gatewayId)
        .where((eb) => eb.or([eb('lease_until', '<', now), eb.and([eb('lease_until', 'is', null), eb('expires_at', '<=', now)])]))
        .limit(limit)
        .execute();
    },
    async countQueuedByRoute() {
      const rows = await db
        .selectFrom('messages')
        .select(['route', sql<number>`count(*)`.as('n')])
        .where('channel', '=', 'sms')
        .where('status', '=', 'queued')
        .groupBy('route')
        .execute();
      return rows.map((r) => ({ route: r.route, count: Number(r.n) }));
    },
    async listQueuedRoutes() {
      return queuedRoutes(db);
    },
    async listQueuedOnRoute(route, limit, after) {
      let q = db.selectFrom('messages').select(['id', 'to', 'route', 'verification_id']).where('channel', '=', 'sms').where('status', '=', 'queued');
      q = route === null ? q.where('route', 'is', null) : q.where('route', '=', route);
      if (after !== undefined) q = q.where('id', '>', after).orderBy('id');
      return q.limit(limit).execute();
    },
    async listQueuedToPrefixes(prefixes, limit, after) {
      if (prefixes.length === 0) return [];
      let q = db
        .selectFrom('messages')
        .select(['id', 'to', 'route', 'verification_id'])
        .where('channel', '=', 'sms')
        .where('status', '=', 'queued')
        // Prefixes are digits after a '+' (routing/pins.ts checks them): nothing to escape.
        .where((eb) => eb.or(prefixes.map((p) => eb('to', 'like', `${p}%`))));
      if (after !== undefined) q = q.where('id', '>', after);
      return q.orderBy('id').limit(limit).execute();
    },
    async setQueuedRoute(ids, from, to) {
      if (ids.length === 0) return 0;
      let q = db.updateTable('messages').set({ route: to }).where('id', 'in', ids).where('status', '=', 'queued');
      q = from === null ? q.where('route', 'is', null) : q.where('route', '=', from);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    async countRoutedInFlight(route) {
      const r = await db
        .selectFrom('messages')
        .select(sql<number>`count(*)`.as('n'))
        .where('channel', '=', 'sms')
        .where('status', 'in', ['queued', 'dispatched', 'spooled'])
        .where('route', '=', route)
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },
    async countGatewayOutcomes(gatewayId, since) {
      const rows = await db
        .selectFrom('message_events as e')
        .innerJoin('messages as m', 'm.id', 'e.message_id')
        .select(['e.status', sql<number>`count(distinct e.message_id)`.as('n')])
        .where('e.at', '>=', since)
        .where('e.status', 'in', ['sent', 'failed'])
        .where('m.gateway_id', '=', gatewayId)
        .groupBy('e.status')
        .execute();
      const n = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
      return { sent: n('sent'), failed: n('failed') };
    },
    async setGatewayRotation(id, from, set) {
      return db.updateTable('gateways').set(set).where('id', '=', id).where('rotation', '=', from).where('revoked_at', 'is', null).returningAll().executeTakeFirst();
    },
    async setGatewayRouteBlock(id, from, to) {
      let q = db.updateTable('gateways').set({ route_block: to }).where('id', '=', id);
      q = from === null ? q.where('route_block', 'is', null) : q.where('route_block', '=', from);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async listExpiredUnsent(now, limit) {
      return db
        .selectFrom('messages')
        .selectAll()
        .where('status', 'in', ['queued', 'dispatched'])
        .where('expires_at', '<=', now)
        .limit(limit)
        .execute();
    },
    async listDueEmails(now, limit) {
      return db
        .selectFrom('messages')
        .selectAll()
        .where('channel', '=', 'email')
        .where('status', '=', 'queued')
        .where('next_attempt_at', '<=', now)
        .orderBy('priority_rank')
        .orderBy('created_at')
        .limit(limit)
        .execute();
    },
    async countMessagesByStatus() {
      const rows = await db
        .selectFrom('messages')
        .select(['channel', 'status', sql<number>`count(*)`.as('count')])
        .groupBy(['channel', 'status'])
        .execute();
      return rows.map((r) => ({ channel: r.channel, status: r.status, count: Number(r.count) }));
    },

    async getIdempotency(apiKeyId, key) {
      return db.selectFrom('idempotency_keys').selectAll().where('api_key_id', '=', apiKeyId).where('key', '=', key).executeTakeFirst();
    },
    async insertIdempotency(row) {
      await db.insertInto('idempotency_keys').values(row).execute();
    },
    async deleteExpiredIdempotency(apiKeyId, key, cutoff) {
      await db.deleteFrom('idempotency_keys').where('api_key_id', '=', apiKeyId).where('key', '=', key).where('created_at', '<', cutoff).execute();
    },
    async completeIdempotency(apiKeyId, key, set) {
      await db.updateTable('idempotency_keys').set(set).where('api_key_id', '=', apiKeyId).where('key', '=', key).execute();
    },
    async deleteIdempotencyBefore(cutoff) {
      const r = await db.deleteFrom('idempotency_keys').where('created_at', '<', cutoff).executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    async insertInbound(row) {
      const r = await db
        .insertInto('inbound_sms')
        .values(row)
        .onConflict((oc) => oc.columns(['gateway_id', 'key']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async findInboundOwner({ from, gatewayId, since }) {
      const row = await db
        .selectFrom('messages')
        .select('api_key_id')
        .where('to', '=', from)
        .where('channel', '=', 'sms')
        .where('gateway_id', '=', gatewayId)
        .where('api_key_id', 'is not', null)
        .where('created_at', '>=', since)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row?.api_key_id ?? undefined;
    },
    async listInbound({ limit, cursor, from, since, until, apiKeyId }) {
      let q = db.selectFrom('inbound_sms').selectAll();
      if (apiKeyId !== undefined) q = q.where('api_key_id', '=', apiKeyId);
      if (cursor) q = q.where('id', '<', cursor);
      if (from !== undefined) q = q.where('from', '=', from);
      if (since !== undefined) q = q.where('received_at', '>=', since);
      if (until !== undefined) q = q.where('received_at', '<', until);
      const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
      return page(rows, limit, (r) => r.id);
    },

    async insertWebhook(row) {
      await db.insertInto('webhooks').values(row).execute();
    },
    async listWebhooks(apiKeyId) {
      let q = db.selectFrom('webhooks').selectAll().where('disabled_at', 'is', null);
      if (apiKeyId !== undefined) q = q.where('api_key_id', '=', apiKeyId);
      return q.orderBy('created_at').execute();
    },
    async listWebhookSubscriptions(now) {
      const rows = await db
        .selectFrom('webhooks')
        .innerJoin('api_keys', 'api_keys.id', 'webhooks.api_key_id')
        .selectAll('webhooks')
        .select('api_keys.scopes as key_scopes')
        .where('webhooks.disabled_at', 'is', null)
        .where('api_keys.revoked_at', 'is', null)
        .where((eb) => eb.or([eb('api_keys.expires_at', 'is', null), eb('api_keys.expires_at', '>', now)]))
        .orderBy('webhooks.created_at')
        .execute();
      return rows;
    },
    async getWebhook(id, apiKeyId) {
      let q = db.selectFrom('webhooks').selectAll().where('id', '=', id);
      if (apiKeyId !== undefined) q = q.where('api_key_id', '=', apiKeyId);
      return q.executeTakeFirst();
    },
    async disableWebhook(id, at) {
      await db.updateTable('webhooks').set({ disabled_at: at }).where('id', '=', id).execute();
    },
    async resealWebhookSecret(id, expect, secretEnc) {
      const r = await db.updateTable('webhooks').set({ secret_enc: secretEnc }).where('id', '=', id).where('secret_enc', '=', expect).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async insertWebhookDelivery(row) {
      await db.insertInto('webhook_deliveries').values(row).execute();
    },
    async getWebhookDelivery(id) {
      return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async listDueWebhookDeliveries(now, limit) {
      return db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('state', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute();
    },
    async claimWebhookDelivery(id, expectNextAttemptAt, until) {
      const r = await db
        .updateTable('webhook_deliveries')
        .set({ next_attempt_at: until })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where('next_attempt_at', '=', expectNextAttemptAt)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async updateWebhookDelivery(id, set) {
      await db.updateTable('webhook_deliveries').set(set).where('id', '=', id).execute();
    },

    async insertOperator(row) {
      await db.insertInto('operators').values(row).execute();
    },
    async findOperatorByUsername(username) {
      return db.selectFrom('operators').selectAll().where('username', '=', username).executeTakeFirst();
    },
    async listOperators() {
      return db.selectFrom('operators').selectAll().orderBy('username').execute();
    },
    async deleteOperator(username) {
      const op = await db.selectFrom('operators').select('id').where('username', '=', username).executeTakeFirst();
      if (!op) return false;
      await db.deleteFrom('operator_sessions').where('operator_id', '=', op.id).execute();
      await db.deleteFrom('operators').where('id', '=', op.id).execute();
      return true;
    },
    async insertOperatorSession(row) {
      await db.insertInto('operator_sessions').values(row).execute();
    },
    async findOperatorSession(id) {
      const session = await db.selectFrom('operator_sessions').selectAll().where('id', '=', id).executeTakeFirst();
      if (!session) return undefined;
      const operator = await db.selectFrom('operators').selectAll().where('id', '=', session.operator_id).where('disabled_at', 'is', null).executeTakeFirst();
      return operator ? { session, operator } : undefined;
    },
    async touchOperatorSession(id, at) {
      await db.updateTable('operator_sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
    },
    async deleteOperatorSession(id) {
      await db.deleteFrom('operator_sessions').where('id', '=', id).execute();
    },
    async deleteStaleOperatorSessions(now, idleCutoff) {
      const r = await db
        .deleteFrom('operator_sessions')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<', idleCutoff)]))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    async recordLoginFailure(keys, at) {
      if (keys.length) await db.insertInto('login_attempts').values(keys.map((key) => ({ key, at }))).execute();
    },
    async loginFailures(key, since) {
      const r = await db
        .selectFrom('login_attempts')
        .select([sql<number>`count(*)`.as('count'), sql<number | null>`min(at)`.as('oldest')])
        .where('key', '=', key)
        .where('at', '>=', since)
        .executeTakeFirst();
      return { count: Number(r?.count ?? 0), oldest: r?.oldest == null ? null : Number(r.oldest) };
    },
    async clearLoginFailures(key) {
      await db.deleteFrom('login_attempts').where('key', '=', key).execute();
    },
    async deleteLoginFailuresBefore(cutoff) {
      const r = await db.deleteFrom('login_attempts').where('at', '<', cutoff).executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    async insertGatewayHeartbeat(gatewayId, at) {
      await db.insertInto('gateway_heartbeats').values({ gateway_id: gatewayId, at }).execute();
    },
    async listGatewayHeartbeats(since) {
      return db.selectFrom('gateway_heartbeats').select(['gateway_id', 'at']).where('at', '>=', since).orderBy('gateway_id').orderBy('at').execute();
    },
    async deleteGatewayHeartbeatsBefore(cutoff) {
      const r = await db.deleteFrom('gateway_heartbeats').where('at', '<', cutoff).executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    async searchMessages({ q, status, channel, gatewayId, limit, cursor }) {
      let query = db.selectFrom('messages').selectAll();
      if (q) query = query.where(idOrDestination(q));
      if (status) query = query.where('status', '=', status);
      if (channel) query = query.where('channel', '=', channel);
      if (gatewayId) query = query.where('gateway_id', '=', gatewayId);
      if (cursor) query = query.where('id', '<', cursor);
      const rows = await query.orderBy('id', 'desc').limit(limit + 1).execute();
      return page(rows, limit, (r) => r.id);
    },
    async searchVerifications({ q, status, channel, limit, cursor }) {
      let query = db.selectFrom('verifications').selectAll();
      if (q) query = query.where(idOrDestination(q));
      if (status) query = query.where('status', '=', status);
      if (channel) query = query.where('channel', '=', channel);
      if (cursor) query = query.where('id', '<', cursor);
      const rows = await query.orderBy('id', 'desc').limit(limit + 1).execute();
      return page(rows, limit, (r) => r.id);
    },
    async countEventsPerMinute(since) {
      // Integer division in both dialects (integer / bigint columns).
      const minute = sql<number>`(at / 60000)`;
      const rows = await db
        .selectFrom('message_events')
        .select([minute.as('minute'), 'status', sql<number>`count(*)`.as('count')])
        .where('at', '>=', since)
        .groupBy([minute, 'status'])
        .execute();
      return rows.map((r) => ({ minute: Number(r.minute) * 60000, status: r.status, count: Number(r.count) }));
    },
    async stageDurations(status, since, limit) {
      const rows = await db
        .selectFrom('message_events as e')
        .innerJoin('messages as m', 'm.id', 'e.message_id')
        .select(sql<number>`e.at - m.created_at`.as('ms'))
        .where('e.status', '=', status)
        .where('e.at', '>=', since)
        .orderBy('e.at', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => Number(r.ms));
    },
    async funnelRows(since) {
      const rows = await db
        .selectFrom('verifications as v')
        .leftJoin('messages as m', 'm.verification_id', 'v.id')
        .leftJoin('message_events as e', (j) => j.onRef('e.message_id', '=', 'm.id').on('e.status', 'in', ['sent', 'delivered']))
        .select(['v.id', 'v.channel', 'v.to', 'v.status', 'm.gateway_id', 'e.status as reached'])
        .where('v.created_at', '>=', since)
        .execute();
      return rows.map((r) => ({ ...r, gateway_id: r.gateway_id ?? null, reached: r.reached ?? null }));
    },
    async countMessagesByGateway() {
      const rows = await db
        .selectFrom('messages')
        .select(['gateway_id', 'status', sql<number>`count(*)`.as('count')])
        .where('gateway_id', 'is not', null)
        .groupBy(['gateway_id', 'status'])
        .execute();
      return rows.map((r) => ({ gateway_id: r.gateway_id!, status: r.status, count: Number(r.count) }));
    },
    async countQueuedSms() {
      const r = await db.selectFrom('messages').select(sql<number>`count(*)`.as('n')).where('channel', '=', 'sms').where('status', '=', 'queued').executeTakeFirst();
      return Number(r?.n ?? 0);
    },
    async countInboundByGateway() {
      const rows = await db.selectFrom('inbound_sms').select(['gateway_id', sql<number>`count(*)`.as('count')]).groupBy('gateway_id').execute();
      return rows.map((r) => ({ gateway_id: r.gateway_id, count: Number(r.count) }));
    },
    async listApiKeys() {
      return db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute();
    },
    async getApiKey(id) {
      return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async rotateApiKey(id, keyHash, prefix) {
      const row = await db.updateTable('api_keys').set({ key_hash: keyHash, prefix }).where('id', '=', id).where('revoked_at', 'is', null).returningAll().executeTakeFirst();
      // Every instance drops what it cached about keys (webhook subscriptions).
      if (row) await announce(['credentials:changed', 'api_key', id]);
      return row;
    },
    async revokeApiKey(id, at) {
      await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      if (row) await announce(['credentials:changed', 'api_key', id]);
      return row;
    },
    async listAllWebhooks() {
      return db.selectFrom('webhooks').selectAll().orderBy('created_at').orderBy('id').execute();
    },
    async listWebhookDeliveries(webhookId, limit) {
      return db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).orderBy('id', 'desc').limit(limit).execute();
    },

    async addToCounters(rows, by) {
      if (rows.length === 0) return [];
      // One statement, rows in bucket order: concurrent callers lock the
      // same rows in the same order (no deadlock on PostgreSQL).
      const sorted = [...rows].sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : a.window_start - b.window_start));
      const out = await db
        .insertInto('budget_counters')
        .values(sorted.map((r) => ({ bucket: r.bucket, window_start: r.window_start, count: by, expires_at: r.expires_at })))
        .onConflict((oc) => oc.columns(['bucket', 'window_start']).doUpdateSet({ count: sql<number>`budget_counters.count + excluded.count` }))
        .returning(['bucket', 'window_start', 'count'])
        .execute();
      const counts = new Map(out.map((r) => [`${r.bucket}\0${Number(r.window_start)}`, Number(r.count)]));
      return rows.map((r) => counts.get(`${r.bucket}\0${r.window_start}`) ?? 0);
    },
    async takeBackFromCounters(rows, by) {
      for (const r of rows) {
        await db
          .updateTable('budget_counters')
          .set({ count: sql<number>`count - ${by}` })
          .where('bucket', '=', r.bucket)
          .where('window_start', '=', r.window_start)
          .execute();
      }
    },
    async readCounters(rows) {
      if (rows.length === 0) return [];
      const found = await db
        .selectFrom('budget_counters')
        .select(['bucket', 'window_start', 'count'])
        .where((eb) => eb.or(rows.map((r) => eb.and([eb('bucket', '=', r.bucket), eb('window_start', '=', r.window_start)]))))
        .execute();
      const counts = new Map(found.map((r) => [`${r.bucket}\0${Number(r.window_start)}`, Number(r.count)]));
      return rows.map((r) => counts.get(`${r.bucket}\0${r.window_start}`) ?? 0);
    },
    async addBudgetMembers(rows) {
      if (rows.length === 0) return [];
      const inserted = await db
        .insertInto('budget_members')
        .values(rows)
        .onConflict((oc) => oc.columns(['bucket', 'window_start', 'member']).doNothing())
        .returning(['bucket', 'window_start', 'member'])
        .execute();
      const fresh = new Set(inserted.map((r) => `${r.bucket}\0${Number(r.window_start)}\0${r.member}`));
      return rows.map((r) => fresh.has(`${r.bucket}\0${r.window_start}\0${r.member}`));
    },
    async deleteExpiredBudgets(now) {
      const a = await db.deleteFrom('budget_counters').where('expires_at', '<=', now).executeTakeFirst();
      const b = await db.deleteFrom('budget_members').where('expires_at', '<=', now).executeTakeFirst();
      return Number(a.numDeletedRows) + Number(b.numDeletedRows);
    },

    async getSetting(key) {
      const r = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
      return r?.value;
    },
    async setSettingIfAbsent(key, value) {
      await db
        .insertInto('settings')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const r = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
      return r.value;
    },
  };
}

const QUEUED_SMS = sql`channel = 'sms' and status = 'queued'`;

/**
 * The (route, API key) pairs with queued SMS, for each of `routes` (key null
 * for messages of no key), by a skip-scan of the route index: each step asks the index for
 * the next key above the last, so the cost grows with the keys, not with
 * the queue (a plain DISTINCT reads every queued row's entry). `route`
 * leads the order for PostgreSQL, which does not take `route is null` as a
 * constant: ordered by the key alone, the probe could not use the index's
 * order and read the whole unpinned share (0.34 s at 1M queued).
 */
export async function queuedKeys(db: Kysely<Database>, routes: Array<string | null>): Promise<Array<[string | null, string | null]>> {
  if (routes.length === 0) return [];
  // One statement for every route (one round trip per lease, not two per
  // route): a recursive skip-scan per route, and a probe for its messages
  // of no key, told apart by the route's position.
  const onRoute = (route: string | null) => (route === null ? sql`route is null` : sql`route = ${route}`);
  const ctes = routes.map(
    (route, i) => sql`${sql.raw(`k${i}`)}(k) as (
      select (select api_key_id from messages where ${QUEUED_SMS} and ${onRoute(route)} and api_key_id is not null order by route, api_key_id limit 1)
      union all
      select (select api_key_id from messages where ${QUEUED_SMS} and ${onRoute(route)} and api_key_id > ${sql.raw(`k${i}`)}.k order by route, api_key_id limit 1) from ${sql.raw(`k${i}`)} where ${sql.raw(`k${i}`)}.k is not null
    )`,
  );
  const selects = routes.flatMap((route, i) => [
    sql`select ${sql.lit(i)} as i, k from ${sql.raw(`k${i}`)} where k is not null`,
    sql`select ${sql.lit(i)} as i, null as k from (select 1 as one from messages where ${QUEUED_SMS} and ${onRoute(route)} and api_key_id is null limit 1) ${sql.raw(`n${i}`)}`,
  ]);
  const r = await sql<{ i: number; k: string | null }>`with recursive ${sql.join(ctes, sql`, `)} ${sql.join(selects, sql` union all `)}`.execute(db);
  // In route order, each route's keys in key order and its keyless messages last, as before.
  const rows = [...r.rows].sort((a, b) => Number(a.i) - Number(b.i) || (a.k === null ? 1 : b.k === null ? -1 : a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return rows.map((x) => [routes[Number(x.i)]!, x.k]);
}

/** The routes (besides null) queued SMS have, by the same skip-scan. */
async function queuedRoutes(db: Kysely<Database>): Promise<string[]> {
  const r = await sql<{ r: string }>`
    with recursive routes(r) as (
      select (select route from messages where ${QUEUED_SMS} and route is not null order by route limit 1)
      union all
      select (select route from messages where ${QUEUED_SMS} and route > routes.r order by route limit 1) from routes where routes.r is not null
    )
    select r from routes where r is not null`.execute(db);
  return r.rows.map((x) => x.r);
}

/** `q` as a LIKE pattern part: its own % and _ match only themselves (escape character `\\`). */
function likeEscape(q: string): string {
  return q.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** An id starting with `q` or a destination containing it (SQLite has no default LIKE escape, so it is named). */
function idOrDestination(q: string) {
  const prefix = `${likeEscape(q.toLowerCase())}%`;
  const inside = `%${likeEscape(q)}%`;
  return sql<boolean>`(${sql.ref('id')} like ${prefix} escape '\\' or ${sql.ref('to')} like ${inside} escape '\\')`;
}

function page<T>(rows: T[], limit: number, cursorOf: (r: T) => string): Page<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, nextCursor: cursorOf(items[items.length - 1]!) };
}

