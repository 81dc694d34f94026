/**
 * The server side of the SMS channel: gateways lease queued SMS by
 * long-poll, report what gammu did with them, upload inbound SMS and send
 * heartbeats. See docs/gateway-protocol.md.
 *
 * Guarantees kept here:
 * - a message is leased to one gateway at a time, until `lease_until`;
 * - a lease that lapses before the gateway claimed the message (or reported
 *   it `spooled`) returns the message to the queue; once claimed it is never
 *   handed to another gateway, only leased again to the one that claimed it
 *   (which may have written it to its outbox before it could report);
 * - nothing is handed out after its expiry, and an OTP whose verification
 *   ended is canceled instead of sent;
 * - every report is idempotent;
 * - a gateway leases only SMS on the routes the router gives it
 *   (routing/router.ts); a lapsed lease goes back to the queue routed away
 *   from the gateway that fell silent, when another gateway may take it;
 * - a gateway whose SIM budget is spent (limits.ts) leases nothing more, or
 *   only messages to recipients it already counted; the rest waits for
 *   another gateway or the next window;
 * - a waiting long-poll ends with 401 once its gateway is revoked or its
 *   token rotated: at once when this server, another instance or the CLI
 *   on PostgreSQL made the change (the bus's `credentials:changed`), else at
 *   the next re-check (KIRIM_POLL_RECHECK_MS, every second by default);
 * - an inbound SMS is stored with its owner: the API key of the newest SMS
 *   sent to its sender through this gateway within KIRIM_INBOUND_OWNER_DAYS;
 * - an inbound SMS that answers a pending reverse OTP, whatever gateway
 *   received it, is evaluated once, in the transaction that stores it
 *   (verification/reverse.ts), and stored with its digits masked.
 */
import type { ClaimResult, InboundSms, LeasedMessage, Report, ReportResult } from '../../../protocol/gateway.js';
import { iso } from '../../../protocol/time.js';
import type { ServerContext } from '../../context.js';
import { normalizeSender } from '../../destinations.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Limits } from '../../limits.js';
import type { MessageService } from '../../messages/service.js';
import type { Outbox } from '../../outbox.js';
import type { Monitor } from '../../routing/monitor.js';
import type { Router } from '../../routing/router.js';
import type { GatewayRow, MessageStatus } from '../../store/index.js';
import { maskReply, type Reverse } from '../../verification/reverse.js';
import { createPollWaiters, type SmsWake } from './waiters.js';

/** From which states each reported state may be reached. `queued` covers a lease that lapsed while the gateway was writing. */
const REPORT_FROM: Record<Report['status'], MessageStatus[]> = {
  spooled: ['queued', 'dispatched'],
  sent: ['queued', 'dispatched', 'spooled'],
  delivered: ['queued', 'dispatched', 'spooled', 'sent'],
  failed: ['queued', 'dispatched', 'spooled', 'sent'],
  expired: ['queued', 'dispatched', 'spooled'],
};

export type GatewayService = ReturnType<typeof createGatewayService>;

/**
 * How rarely, at most, a waiting poll that no wake-up reached looks at the
 * queue again: while the queue stays empty its re-checks
 * (KIRIM_POLL_RECHECK_MS) look after 1, 2, 4 intervals, then every 8 s (or
 * every interval, when that is longer), and check its token every time. Wake-ups carry the work; the re-check is the net
 * for one that was missed, and a hundred idle gateways re-reading the
 * queue every second cost more than the traffic (bench/fanout.ts).
 */
const IDLE_LOOK_MAX_MS = 8_000;

export function createGatewayService(ctx: ServerContext, messages: MessageService, outbox: Outbox, limits: Limits, router: Router, monitor: Monitor, reverse?: Pick<Reverse, 'read' | 'settle'>) {
  const { store, bus, config } = ctx;
  // A queued SMS wakes one waiting poll that leases its route (waiters.ts).
  const waiters = createPollWaiters(ctx.metrics);
  bus.on('queue:sms', (wake) => waiters.wake(wake));

  async function seen(gw: GatewayRow, now: number, health?: string) {
    const set = { last_seen_at: now, state: 'online' as const, ...(health ? { health } : {}) };
    if (gw.state === 'online') {
      await store.updateGateway(gw.id, set);
      return;
    }
    await store.transaction(async (tx) => {
      // Compare-and-set: of two requests that find it offline at once (on
      // two instances, say), one announces it online.
      const row = await tx.markGatewayOnline(gw.id, set);
      if (row) {
        await outbox.gatewayState(tx, row);
        // New SMS may be routed to it now: drop the router's cached view.
        tx.afterCommit(() => router.forget());
      }
      else await tx.updateGateway(gw.id, set);
    });
    gw.state = 'online';
  }

  /** Throws 401 when the gateway was revoked or its token rotated since the request was authenticated. */
  async function stillValid(gw: GatewayRow): Promise<void> {
    const now = await store.getGateway(gw.id);
    if (!now || now.revoked_at !== null) throw new ApiError(401, 'unauthorized', 'this gateway was revoked');
    if (now.token_hash !== gw.token_hash) throw new ApiError(401, 'unauthorized', 'this gateway token was replaced (kirim gateways rotate); use the new token');
  }

  /**
   * Leases what is waiting now; filters out what may no longer be sent.
   * Also says which routes the gateway leases and whether its SIM budget
   * holds it back.
   */
  async function leaseNow(gw: GatewayRow, max: number): Promise<{ out: LeasedMessage[]; routes: Array<string | null>; held: boolean }> {
    const now = ctx.now();
    const leaseUntil = now + config.leaseSeconds * 1000;
    // Claimed messages whose lease lapsed come first: no other gateway may
    // take them, and they were counted against the budgets when first leased.
    const rows = await messages.leaseClaimed({ gatewayId: gw.id, max, now, leaseUntil });
    const allowance = await limits.gatewayAllowance(gw.id, max - rows.length, now);
    // Only what the router sent its way (routing/router.ts).
    const routes = await router.leaseRoutes(gw.id);
    if (allowance.max > 0) {
      const fresh = await messages.lease({
        gatewayId: gw.id,
        max: allowance.max,
        now,
        leaseUntil,
        routes,
        ...(allowance.recipients ? { recipients: allowance.recipients } : {}),
      });
      await limits.recordLease(gw.id, fresh, now);
      rows.push(...fresh);
    }
    const out: LeasedMessage[] = [];
    for (const row of rows) {
      const d = await messages.deliverable(row);
      if ('drop' in d) {
        await messages.transition({ id: row.id, from: ['dispatched'], to: d.drop, at: now, detail: d.detail });
        continue;
      }
      out.push({
        id: row.id,
        to: row.to,
        text: d.text,
        priority: row.priority,
        created_at: iso(row.created_at),
        expires_at: iso(row.expires_at),
        lease_until: iso(row.lease_until!),
        delivery_report: true,
      });
    }
    return { out, routes, held: allowance.max <= 0 };
  }

  return {
    /**
     * Long-poll: answers as soon as something is leased, or after `waitMs`.
     * `closed()` tells when the gateway hung up, so nothing is leased to a
     * connection that can no longer receive it.
     */
    async lease(gw: GatewayRow, { max, waitMs }: { max: number; waitMs: number }, closed: () => boolean): Promise<LeasedMessage[]> {
      const deadline = ctx.now() + waitMs;
      await seen(gw, ctx.now());
      /** The wake-up that started this round; handed on when this poll cannot use it. */
      let wake: SmsWake | null = null;
      const relay = () => {
        if (wake) waiters.relay(wake);
        wake = null;
      };
      /** What the last look at the queue gave: the routes to wait on, and the wake-ups it may have missed. */
      let routes: Array<string | null> = [];
      let since = 0;
      /** A re-check with no wake-up looks at the queue less often while it stays empty (see IDLE_LOOK_MAX_MS). */
      let lookEvery = config.pollRecheckMs;
      let lastLook = -Infinity;
      let timedOut = false;
      for (let first = true; ; first = false) {
        if (closed() || ctx.closing) {
          relay();
          return [];
        }
        // The request was authenticated when it arrived; a poll that waited
        // checks again that its token still holds before leasing anything
        // (at every re-check: one read by id).
        if (!first) {
          try {
            await stillValid(gw);
          } catch (err) {
            relay();
            throw err;
          }
        }
        if (!timedOut || ctx.now() - lastLook >= lookEvery) {
          since = waiters.mark();
          let leased: Awaited<ReturnType<typeof leaseNow>>;
          try {
            leased = await leaseNow(gw, max);
          } catch (err) {
            relay(); // the store failed: another poll may fare better
            throw err;
          }
          lastLook = ctx.now();
          ctx.metrics.gatewayLeaseAttempts.inc({ outcome: leased.out.length > 0 ? 'leased' : 'empty' });
          if (leased.out.length > 0) return leased.out;
          routes = leased.routes;
          // Its SIM budget is spent: another gateway may take the SMS.
          if (leased.held) relay();
          lookEvery = timedOut ? Math.min(lookEvery * 2, Math.max(config.pollRecheckMs, IDLE_LOOK_MAX_MS)) : config.pollRecheckMs;
        }
        wake = null;
        const left = deadline - ctx.now();
        if (left <= 0) return [];
        // Wake on an SMS on one of its routes or a change to this gateway's
        // credentials (made here, or announced by another instance or the
        // CLI on PostgreSQL: cluster.ts), or re-check every
        // KIRIM_POLL_RECHECK_MS (what no wake-up announced: a revocation by
        // the CLI on SQLite, a missed one, a route that changed).
        const changed = new AbortController();
        const onChange = (kind: string, id: string) => {
          if (kind === 'gateway' && id === gw.id) changed.abort();
        };
        bus.on('credentials:changed', onChange);
        try {
          const end = await waiters.wait({ gatewayId: gw.id, routes, ms: Math.min(left, config.pollRecheckMs), since, signal: changed.signal });
          wake = 'woken' in end ? end.woken : null;
          timedOut = 'timeout' in end;
        } finally {
          bus.off('credentials:changed', onChange);
        }
      }
    },

    /**
     * Applies a gateway's reports, all in one transaction: one commit per
     * request rather than one per message (each commit waits for its
     * flush; bench/kannel.ts). A failure fails the request as a whole, and
     * the agent sends it again: every report is idempotent.
     */
    async report(gw: GatewayRow, reports: Report[]): Promise<ReportResult[]> {
      const now = ctx.now();
      await seen(gw, now);
      const observed: Array<'sent' | 'failed'> = [];
      const results = await store.transaction(async (tx) => {
        observed.length = 0;
        const out: ReportResult[] = [];
        for (const r of reports) {
          const row = await tx.getMessage(r.message_id);
          if (!row || row.channel !== 'sms' || row.gateway_id !== gw.id) {
            out.push({ message_id: r.message_id, outcome: 'unknown' });
            continue;
          }
          if (row.status === r.status) {
            out.push({ message_id: r.message_id, outcome: 'duplicate', status: row.status });
            continue;
          }
          const at = Math.min(Date.parse(r.at), now);
          const detail = r.detail ?? (r.status === 'spooled' ? 'written to the gammu outbox' : r.status === 'sent' ? 'sent by the modem' : null);
          const changed = await messages.transition({
            id: row.id,
            from: REPORT_FROM[r.status],
            to: r.status,
            at,
            detail: r.parts && r.status === 'sent' ? `${detail ?? 'sent'} (${r.parts} part${r.parts === 1 ? '' : 's'})` : detail,
            gatewayId: gw.id,
            set: { lease_until: null },
          }, tx);
          const current = changed ?? (await tx.getMessage(row.id));
          out.push({ message_id: r.message_id, outcome: changed ? 'applied' : 'stale', status: current?.status });
          if (changed && (r.status === 'sent' || r.status === 'failed')) observed.push(r.status);
        }
        return out;
      });
      // The reliability monitor counts what the modem did (routing/monitor.ts), once it is stored.
      for (const status of observed) await monitor.observe(gw.id, status);
      return results;
    },

    /**
     * Claims leased messages for the gateway about to write them to its
     * outbox: `claimed` only while the message is still this gateway's
     * (see the store's claimSms), else `lost`. An OTP whose verification
     * ended meanwhile is canceled instead of claimed. One transaction for
     * the whole request, as for reports; a repeated claim is `claimed`
     * again, so the agent may resend a failed request.
     */
    async claim(gw: GatewayRow, ids: string[]): Promise<ClaimResult[]> {
      const now = ctx.now();
      await seen(gw, now);
      return store.transaction(async (tx) => {
        const results: ClaimResult[] = [];
        for (const id of ids) {
          const row = await messages.claim({ id, gatewayId: gw.id, now, leaseUntil: now + config.leaseSeconds * 1000 }, tx);
          if (row) {
            const d = await messages.deliverable(row, tx);
            if (!('drop' in d)) {
              results.push({ message_id: id, outcome: 'claimed', status: row.status });
              continue;
            }
            await messages.transition({ id, from: ['dispatched'], to: d.drop, at: now, detail: d.detail, gatewayId: gw.id }, tx);
          }
          const current = await tx.getMessage(id);
          const known = current && current.channel === 'sms' && current.gateway_id === gw.id;
          results.push({ message_id: id, outcome: 'lost', ...(known ? { status: current.status } : {}) });
        }
        return results;
      });
    },

    async inbound(gw: GatewayRow, sms: InboundSms[]): Promise<{ accepted: number; duplicates: number }> {
      const now = ctx.now();
      await seen(gw, now);
      let accepted = 0;
      for (const s of sms) {
        const from = normalizeSender(s.from, config.defaultRegion);
        const receivedAt = Math.min(Date.parse(s.received_at), now);
        // Whose reply is it: the key that last texted this sender from this gateway's SIM.
        const owner = await store.findInboundOwner({ from, gatewayId: gw.id, since: receivedAt - config.inboundOwnerDays * 86_400_000 });
        const stored = await store.transaction(async (tx) => {
          // A reply to a reverse OTP is evaluated in the transaction that stores it, so a repeated upload (not stored again) is not evaluated again.
          const reply = await reverse?.read(tx, from, s.text, now);
          const row = { id: newId('in', now), gateway_id: gw.id, key: s.key, from, text: reply ? maskReply(s.text) : s.text, parts: s.parts, received_at: receivedAt, created_at: now, api_key_id: owner ?? null };
          if (!(await tx.insertInbound(row))) return false;
          await outbox.inbound(tx, row);
          if (reply) await reverse!.settle(tx, reply, now);
          return true;
        });
        if (stored) accepted++;
      }
      return { accepted, duplicates: sms.length - accepted };
    },

    async heartbeat(gw: GatewayRow, body: unknown): Promise<void> {
      const now = ctx.now();
      const health = JSON.stringify(body);
      await seen(gw, now, health);
      // The dashboard's heartbeat timeline (kept 24 h, see services.ts).
      await store.insertGatewayHeartbeat(gw.id, now);
      ctx.bus.emit('gateway:heartbeat', { ...gw, last_seen_at: now, state: 'online', health });
    },

    /**
     * Requeues SMS whose lease lapsed before the gateway claimed them or
     * reported them spooled (a sweeper loop). A claim racing this loses or
     * wins as a whole: the requeue only applies to a still unclaimed row.
     */
    async requeueLapsed(): Promise<number> {
      const now = ctx.now();
      let n = 0;
      for (const m of await store.listLapsedLeases(now, 500)) {
        // Away from the silent gateway when another one may take it (routing/decide.ts).
        const route = await router.routeAway(m);
        // `leaseUntil`: another instance's sweeper may have requeued it and a gateway leased it anew since the list was read.
        const ok = await messages.transition({ id: m.id, from: ['dispatched'], to: 'queued', at: now, detail: `lease lapsed before the gateway claimed it; requeued${route === m.route ? '' : ` (route: ${route ?? 'any unpinned gateway'})`}`, set: { lease_until: null, route }, unclaimed: true, ...(m.lease_until !== null ? { leaseUntil: m.lease_until } : {}) });
        if (ok) n++;
      }
      return n;
    },

    /** Marks gateways not heard from within KIRIM_GATEWAY_OFFLINE_SECONDS offline (a sweeper loop). */
    async markSilentOffline(): Promise<number> {
      const now = ctx.now();
      return store.transaction(async (tx) => {
        const gone = await tx.markSilentGatewaysOffline(now - config.gatewayOfflineSeconds * 1000);
        for (const gw of gone) await outbox.gatewayState(tx, gw);
        return gone.length;
      });
    },
  };
}
