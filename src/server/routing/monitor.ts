/**
 * The reliability monitor: a circuit breaker per gateway, over what its
 * reports say.
 *
 * Promises:
 * - when a gateway's failed sends reach KIRIM_GATEWAY_FAILURE_RATE of its
 *   reports (sent or failed) over the last KIRIM_GATEWAY_FAILURE_WINDOW_SECONDS,
 *   with at least KIRIM_GATEWAY_FAILURE_MIN_SAMPLES of them, it is taken out
 *   of rotation: the router sends it no new SMS and moves its queued ones
 *   elsewhere. It is said once: a `gateway.unhealthy` webhook event (in the
 *   transaction that took it out), a log line, and the reason on the
 *   gateway (`kirim gateways list`, GET /v1/gateways, the dashboard:
 *   "out of rotation: failure rate 80 % over 10 sends");
 * - after KIRIM_GATEWAY_COOLOFF_SECONDS it is half-open: one queued SMS it
 *   could take (a plain message rather than a code, when there is one) is
 *   routed to it by id, as a probe. Sent: it is back in rotation
 *   (`gateway.healthy`), counting its failures afresh. Failed: out again for
 *   another cool-off;
 * - the last gateway in rotation is not taken out (nothing would go out at
 *   all; its failures may be the numbers'): that is logged once instead;
 * - every change is a compare-and-set on the gateway's row, so with several
 *   servers exactly one makes it and sends its event.
 */
import type { ServerContext } from '../context.js';
import type { Outbox } from '../outbox.js';
import type { GatewayRow } from '../store/index.js';
import type { Router } from './router.js';
import { decideRoute } from './decide.js';
import { coveringPrefixes, matchLength, pinRoute, pinned, pinsOf } from './pins.js';

export type Monitor = ReturnType<typeof createMonitor>;

export function createMonitor(ctx: ServerContext, outbox: Outbox, router: Pick<Router, 'forget'>) {
  const { store, log } = ctx;
  const settings = ctx.config.monitor;
  /** Gateways already logged as unreliable but kept, being the last in rotation (logged once). */
  const alone = new Set<string>();

  async function takeOut(row: GatewayRow, reason: string, now: number): Promise<boolean> {
    const out = await store.transaction(async (tx) => {
      const changed = await tx.setGatewayRotation(row.id, row.rotation, { rotation: 'out', rotation_since: now, rotation_reason: reason });
      if (changed && row.rotation === 'in') await outbox.gatewayHealth(tx, changed);
      return changed;
    });
    if (!out) return false;
    router.forget();
    log.warn({ gateway_id: row.id, reason }, `gateway ${row.id} (${row.name}) taken out of rotation: ${reason}; a probe SMS goes through after ${settings.cooloffSeconds} s`);
    return true;
  }

  /** Routes one queued SMS the probing gateway could take to it by id; false when there is none. */
  async function placeProbe(row: GatewayRow): Promise<boolean> {
    const pins = pinsOf(row);
    const all = await store.listGateways();
    const cands = all.filter((g) => g.revoked_at === null).map((g) => ({ id: g.id, pins: pinsOf(g), eligible: g.id === row.id || (g.route_block === null && g.rotation === 'in') }));
    const waiting = pinned(pins)
      ? (await store.listQueuedToPrefixes(coveringPrefixes(pins), 50)).filter((m) => matchLength(pins, m.to) > 0)
      : await store.listQueuedOnRoute(null, 50);
    // A code that fails costs a user their sign-in: probe with a plain message when there is one.
    const plain = waiting.filter((m) => m.verification_id === null);
    for (const m of [...plain, ...waiting.filter((x) => x.verification_id !== null)]) {
      // Only an SMS the probing gateway would win were it eligible (pins: the most specific match).
      if (pinned(pins) && decideRoute(m.to, cands) !== pinRoute(pins)) continue;
      if ((await store.setQueuedRoute([m.id], m.route, row.id)) === 1) {
        log.info({ gateway_id: row.id, message_id: m.id }, `gateway ${row.id} (${row.name}) probing: SMS ${m.id} routed to it`);
        ctx.bus.emit('queue:sms');
        return true;
      }
    }
    return false;
  }

  return {
    /** A report on one of `gatewayId`'s SMS was applied (sent or failed). */
    async observe(gatewayId: string, outcome: 'sent' | 'failed'): Promise<void> {
      const now = ctx.now();
      const row = await store.getGateway(gatewayId);
      if (!row || row.revoked_at !== null) return;
      if (row.rotation === 'probe') {
        if (outcome === 'sent') {
          const back = await store.transaction(async (tx) => {
            const changed = await tx.setGatewayRotation(row.id, 'probe', { rotation: 'in', rotation_since: now, rotation_reason: null });
            if (changed) await outbox.gatewayHealth(tx, changed);
            return changed;
          });
          if (back) {
            router.forget();
            log.info({ gateway_id: row.id }, `gateway ${row.id} (${row.name}) back in rotation: its probe SMS was sent`);
          }
        } else {
          const cause = (row.rotation_reason ?? 'unreliable').replace(/ \(its probe SMS failed too\)$/, '');
          await takeOut(row, `${cause} (its probe SMS failed too)`, now);
        }
        return;
      }
      if (row.rotation !== 'in' || outcome !== 'failed') return;
      // Failures from before it was put back do not count again.
      const since = Math.max(now - settings.windowSeconds * 1000, row.rotation_since ?? 0);
      const { sent, failed } = await store.countGatewayOutcomes(row.id, since);
      const samples = sent + failed;
      if (samples < settings.minSamples || failed / samples < settings.failureRate) return;
      const reason = `failure rate ${Math.round((failed / samples) * 100)} % over ${samples} sends`;
      // The last gateway in rotation stays: out of rotation nothing at all
      // would go out, and its failures may be the numbers', not the modem's.
      const others = (await store.listGateways()).some((o) => o.id !== row.id && o.revoked_at === null && o.rotation === 'in' && o.route_block === null);
      if (!others) {
        if (!alone.has(row.id)) log.warn({ gateway_id: row.id, reason }, `gateway ${row.id} (${row.name}) is unreliable (${reason}) but no other gateway is in rotation; it stays`);
        alone.add(row.id);
        return;
      }
      alone.delete(row.id);
      await takeOut(row, reason, now);
    },

    /** Cool-offs that ended become probes; probing gateways with nothing in flight get a probe SMS (a background loop). */
    async tick(): Promise<void> {
      const now = ctx.now();
      for (const row of await store.listGateways()) {
        if (row.revoked_at !== null) continue;
        if (row.rotation === 'out' && (row.rotation_since ?? 0) + settings.cooloffSeconds * 1000 <= now) {
          const probing = await store.setGatewayRotation(row.id, 'out', { rotation: 'probe', rotation_since: now, rotation_reason: row.rotation_reason });
          if (probing) log.info({ gateway_id: row.id }, `gateway ${row.id} (${row.name}) cooled off; one probe SMS goes to it`);
          if (probing) row.rotation = 'probe';
        }
        if (row.rotation === 'probe' && (await store.countRoutedInFlight(row.id)) === 0) await placeProbe(row);
      }
    },
  };
}
