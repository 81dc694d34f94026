/**
 * The gateways page: each gateway's state now (gateway-status.ts, the same
 * reading as `kirim gateways list`), its counters, what waits for it, and
 * its pins and whether the router sends it work (out of rotation and why),
 * its heartbeat timeline of the last hour with the gaps marked: holes
 * longer than three heartbeat intervals, including the one since the last
 * heartbeat when it is still open.
 */
import { iso } from '../../protocol/time.js';
import type { ServerContext } from '../context.js';
import { describeRouting, gatewayStatus } from '../gateway-status.js';
import { describePins, pinRoute, pinsOf } from '../routing/pins.js';

const TIMELINE_MS = 3600_000;

export async function gatewaysView(ctx: ServerContext) {
  const { store, config } = ctx;
  const now = ctx.now();
  const since = now - TIMELINE_MS;
  const [rows, byStatus, inbound, queued, beats] = await Promise.all([
    store.listGateways(),
    store.countMessagesByGateway(),
    store.countInboundByGateway(),
    store.countQueuedByRoute(),
    store.listGatewayHeartbeats(since),
  ]);
  const gapMs = 3 * config.heartbeatSeconds * 1000;
  return {
    data: rows
      .filter((g) => g.revoked_at === null)
      .map((g) => {
        const status = gatewayStatus(g, now, config.gatewayOfflineSeconds);
        let health: unknown = null;
        try {
          health = g.health ? JSON.parse(g.health) : null;
        } catch {
          health = null;
        }
        const count = (...statuses: string[]) => byStatus.filter((r) => r.gateway_id === g.id && statuses.includes(r.status)).reduce((n, r) => n + r.count, 0);
        const times = beats.filter((b) => b.gateway_id === g.id).map((b) => b.at);
        const gaps: Array<{ from: string; to: string; seconds: number }> = [];
        for (let i = 1; i <= times.length; i++) {
          const from = times[i - 1]!;
          const to = i < times.length ? times[i]! : now;
          if (to - from > gapMs) gaps.push({ from: iso(from), to: iso(to), seconds: Math.round((to - from) / 1000) });
        }
        return {
          id: g.id,
          name: g.name,
          state: status.state,
          last_seen_at: status.last_seen_at,
          signal: status.modem?.signal_percent ?? null,
          spool_depth: status.spool?.outbox ?? null,
          health,
          // sent: messages that reached the network (sent or since delivered).
          counters: { sent: count('sent', 'delivered'), delivered: count('delivered'), failed: count('failed'), inbound: inbound.find((r) => r.gateway_id === g.id)?.count ?? 0 },
          // What its routes hold (routing/router.ts): SMS routed to it by id,
          // to its pins, or (unpinned) the unpinned share.
          waiting: queued.filter((q) => q.route === g.id || q.route === pinRoute(pinsOf(g))).reduce((n, q) => n + q.count, 0),
          pins: describePins(status.pins),
          // The SIM's own number, which reverse OTP shows (docs/reverse-otp.md).
          number: status.number,
          routing: describeRouting(status),
          in_rotation: status.routing.rotation === 'in',
          eligible: status.routing.eligible,
          leased: count('dispatched'),
          heartbeats: times.map((at) => ({ at: iso(at) })),
          gaps,
        };
      }),
  };
}
