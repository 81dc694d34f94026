/**
 * The router: which gateways may take which SMS, decided apart from
 * leasing. A message gets its route when it is queued (decide.ts, from the
 * gateways' pins and eligibility as the store has them); a gateway's lease
 * reads only the routes it serves (`leaseRoutes`), straight off the route
 * index.
 *
 * Promises:
 * - a gateway is eligible while it is online (heard from within
 *   KIRIM_GATEWAY_OFFLINE_SECONDS), its modem is healthy (its own verdict,
 *   a signal, no error), its gammu outbox holds at most
 *   KIRIM_GATEWAY_MAX_OUTBOX files, its SIM budgets are not spent
 *   (limits.ts) and the reliability monitor has it in rotation
 *   (monitor.ts); `refresh` (a background loop on every server) records
 *   why one is not (`route_block`), so every server routes alike;
 * - when a gateway becomes ineligible, the queued SMS on its routes move
 *   to what the rules give now; when one becomes eligible again (or its
 *   pins change), the queued SMS it matches best come back to it. Both
 *   passes are idempotent, so several servers may run them at once;
 * - a gateway out of rotation leases only what is routed to it by id (the
 *   monitor's probe); an unpinned gateway held back for its health leases
 *   the unpinned share only while no other unpinned gateway is eligible;
 * - no SMS is lost to routing: with no eligible gateway it waits on the
 *   unpinned share (null) and moves when one comes back.
 */
import type { ServerContext } from '../context.js';
import { gatewayStatus } from '../gateway-status.js';
import type { Limits } from '../limits.js';
import type { GatewayRow, MessageRow, Repo } from '../store/index.js';
import type { Priority } from '../../protocol/api.js';
import { providerRoute, routeProvider, type RoutingRule } from '../channels/provider/config.js';
import { decideRoute, type Candidate } from './decide.js';
import { coveringPrefixes, matchLength, pinRoute, pinned, pinsOf } from './pins.js';
import { channelsFor, firstUsable, MODEM } from './rules.js';

/** What the router needs to know of the SMS providers (channels/provider). */
export interface ProviderStatus {
  /** Configured and not failing now. */
  usable(id: string): boolean;
  has(id: string): boolean;
}

/** Whether an eligible gateway would take an SMS to `to`: one pinned to it, or an unpinned one. */
function modemServes(to: string, cands: Candidate[]): boolean {
  return cands.some((g) => g.eligible && (!pinned(g.pins) || matchLength(g.pins, to) > 0));
}

export type Router = ReturnType<typeof createRouter>;

const BATCH = 500;
const NEVER_SEEN = 'never heard from';
const OFFLINE = 'offline: ';
/** A block that a gateway asking for work disproves: it is online now. */
const onlyAbsent = (block: string) => block === NEVER_SEEN || block.startsWith(OFFLINE);

const live = (rows: GatewayRow[]) => rows.filter((r) => r.revoked_at === null);
/**
 * The gateways as routing candidates. A block that only says the gateway
 * was absent ("never heard from", "offline") is disproved by a gateway
 * heard from since the last refresh: a gateway that just came online is
 * chosen at once, not a second later (a rule's `modem` entry would
 * otherwise pass to the next channel).
 */
const candidates = (rows: GatewayRow[], now: number, offlineSeconds: number): Candidate[] =>
  live(rows).map((r) => ({
    id: r.id,
    pins: pinsOf(r),
    eligible: r.rotation === 'in' && (r.route_block === null || (onlyAbsent(r.route_block) && r.last_seen_at !== null && now - r.last_seen_at < offlineSeconds * 1000)),
  }));

export function createRouter(ctx: ServerContext, limits: Pick<Limits, 'gatewayAllowance'>) {
  const { store, config, log } = ctx;
  const rules: RoutingRule[] = config.providers?.rules ?? [];
  /** Set once the provider channel exists (it is built after the router). */
  let providers: ProviderStatus | undefined;
  const providerServes = (id: string) => providers?.has(id) ?? false;
  /**
   * What this server last saw of each gateway (pins and eligibility): a
   * change starts a pass that brings its SMS back, and the next refresh
   * runs it once more for SMS queued meanwhile by a server that still had
   * the old view.
   */
  const seen = new Map<string, { state: string; passes: number }>();
  /**
   * The gateways as last read, for routing new SMS without a read per
   * message; at most a second old, and replaced by every refresh. An SMS
   * routed on a view gone stale meanwhile is moved by the next refresh.
   */
  let view: { rows: GatewayRow[]; at: number } | undefined;
  const VIEW_MS = 1000;
  async function gateways(repo: Repo = store): Promise<GatewayRow[]> {
    if (view && performance.now() - view.at < VIEW_MS) return view.rows;
    const rows = await repo.listGateways();
    view = { rows, at: performance.now() };
    return rows;
  }

  /** Why `row` may not take new work now; null when it may. */
  async function block(row: GatewayRow, now: number): Promise<string | null> {
    if (row.rotation === 'out') return `out of rotation: ${row.rotation_reason ?? 'unreliable'}`;
    if (row.rotation === 'probe') return `out of rotation, probing: ${row.rotation_reason ?? 'unreliable'}`;
    const s = gatewayStatus(row, now, config.gatewayOfflineSeconds);
    if (s.state === 'new') return NEVER_SEEN;
    if (s.state === 'offline') return `${OFFLINE}silent for ${s.seconds_since_seen} s`;
    if (s.modem && !s.modem.healthy) return `modem unhealthy: ${s.modem.problems.join('; ')}`;
    if (s.spool && s.spool.outbox > config.gatewayMaxOutbox) return `gammu outbox holds ${s.spool.outbox} files (KIRIM_GATEWAY_MAX_OUTBOX=${config.gatewayMaxOutbox})`;
    if ((await limits.gatewayAllowance(row.id, 1, now)).max <= 0) return 'SIM budget spent (see kirim gateways list and the log)';
    return null;
  }

  /** Moves `rows` to the route `decide` gives each; returns how many moved. */
  async function move(rows: Array<Pick<MessageRow, 'id' | 'to' | 'route'>>, decide: (to: string) => string | null): Promise<number> {
    const groups = new Map<string, { from: string | null; to: string | null; ids: string[] }>();
    for (const r of rows) {
      const to = decide(r.to);
      if (to === r.route) continue;
      const k = `${r.route ?? ''}\0${to ?? ''}`;
      const g = groups.get(k) ?? { from: r.route, to, ids: [] };
      g.ids.push(r.id);
      groups.set(k, g);
    }
    let n = 0;
    for (const g of groups.values()) n += await store.setQueuedRoute(g.ids, g.from, g.to);
    return n;
  }

  /** Routes that no eligible gateway (or probing one) serves: their SMS must move. */
  async function rerouteDead(rows: GatewayRow[]): Promise<number> {
    const served = new Set<string>();
    for (const r of live(rows)) {
      if (r.rotation !== 'in') {
        if (r.rotation === 'probe') served.add(r.id);
        continue;
      }
      if (r.route_block !== null) continue;
      served.add(r.id);
      const route = pinRoute(pinsOf(r));
      if (route !== null) served.add(route);
    }
    const cands = candidates(rows, ctx.now(), config.gatewayOfflineSeconds);
    let moved = 0;
    for (const route of await store.listQueuedRoutes()) {
      if (served.has(route)) continue;
      // A provider's SMS stay with it (it retries); only a provider no longer configured gives its SMS back to the modems.
      const provider = routeProvider(route);
      if (provider !== undefined && providerServes(provider)) continue;
      // Each batch leaves the dead route, so the next read finds the rest.
      for (;;) {
        const batch = await store.listQueuedOnRoute(route, BATCH);
        const n = await move(batch, (to) => decideRoute(to, cands));
        moved += n;
        if (batch.length < BATCH || n === 0) break;
      }
    }
    return moved;
  }

  /** Brings back to `gw` the queued SMS it now matches best. */
  async function rerouteToward(gw: GatewayRow, rows: GatewayRow[]): Promise<number> {
    const cands = candidates(rows, ctx.now(), config.gatewayOfflineSeconds);
    const prefixes = coveringPrefixes(pinsOf(gw));
    let moved = 0;
    for (let after: string | undefined; ; ) {
      const batch = await store.listQueuedToPrefixes(prefixes, BATCH, after);
      if (batch.length === 0) break;
      after = batch[batch.length - 1]!.id;
      // A message sent to one gateway by id (away from a silent one) keeps it.
      // A provider's SMS stay with it too.
      moved += await move(batch.filter((m) => m.route === null || !(m.route.startsWith('gw_') || m.route.startsWith('provider:'))), (to) => decideRoute(to, cands));
    }
    return moved;
  }

  return {
    /** Tells the router which providers exist and which are failing. */
    useProviders(p: ProviderStatus): void {
      providers = p;
    },

    /** The channels an SMS to `to` may take, best first (routing rules; `["modem"]` without them). */
    channelsFor(to: string, priority: Priority): string[] {
      return channelsFor(rules, to, priority);
    },

    /**
     * The route of a new SMS to `to` (`repo`: the transaction it is queued
     * in): the first usable channel of its rule — a gateway route for
     * `modem`, `provider:<id>` for a provider.
     */
    async routeFor(to: string, repo: Repo = store, priority: Priority = 'normal'): Promise<string | null> {
      const channels = channelsFor(rules, to, priority);
      const cands = candidates(await gateways(repo), ctx.now(), config.gatewayOfflineSeconds);
      if (channels.length === 1 && channels[0] === MODEM) return decideRoute(to, cands);
      const chosen = firstUsable(channels, (c) => (c === MODEM ? modemServes(to, cands) : (providers?.usable(c) ?? false)));
      return chosen === MODEM ? decideRoute(to, cands) : providerRoute(chosen);
    },

    /** The route of a new SMS to `to` that must go through the modem gateways, whatever the rules say (a verification's fallback). */
    async modemRouteFor(to: string, repo: Repo = store): Promise<string | null> {
      return decideRoute(to, candidates(await gateways(repo), ctx.now(), config.gatewayOfflineSeconds));
    },

    /** Forgets the cached view of the gateways (after a change made on this server). */
    forget(): void {
      view = undefined;
    },

    /** The route of a lapsed SMS being requeued: away from the gateway that fell silent when another may take it. */
    async routeAway(m: Pick<MessageRow, 'to' | 'gateway_id' | 'route'>): Promise<string | null> {
      // A provider's lapsed lease (the server stopped before its hand-over) stays with that provider.
      if (routeProvider(m.route) !== undefined && providerServes(routeProvider(m.route)!)) return m.route;
      const rows = await store.listGateways();
      return decideRoute(m.to, candidates(rows, ctx.now(), config.gatewayOfflineSeconds), m.gateway_id ?? undefined);
    },

    /** The routes gateway `id` may lease from now (leaseSms `routes`), from a view of the gateways at most a second old. */
    async leaseRoutes(id: string): Promise<Array<string | null>> {
      // The cached view (at most a second old; dropped by `forget` after a
      // change made here): every poll reading every gateway row cost more
      // than the lease itself with a hundred gateways (bench/fanout.ts).
      let rows = live(await gateways());
      if (!rows.some((r) => r.id === id)) {
        // A gateway created since the view was read: read them again.
        view = undefined;
        rows = live(await gateways());
      }
      const me = rows.find((r) => r.id === id);
      if (!me || me.rotation !== 'in') return [id];
      const route = pinRoute(pinsOf(me));
      if (route !== null) return [id, route];
      const held = me.route_block !== null && !onlyAbsent(me.route_block);
      const another = rows.some((o) => o.id !== id && o.rotation === 'in' && o.route_block === null && !pinned(pinsOf(o)));
      return held && another ? [id] : [id, null];
    },

    /**
     * Re-evaluates every gateway's eligibility, records changes, and moves
     * queued SMS off routes nobody serves and back to gateways that became
     * eligible (a background loop; also after a gateway's state changes).
     */
    async refresh(): Promise<{ moved: number }> {
      const now = ctx.now();
      const rows = await store.listGateways();
      view = undefined;
      for (const row of live(rows)) {
        const b = await block(row, now);
        if (b === row.route_block) continue;
        if (await store.setGatewayRouteBlock(row.id, row.route_block, b)) {
          if (b === null) log.info({ gateway_id: row.id }, `gateway ${row.id} (${row.name}) is eligible for new SMS again`);
          else log.warn({ gateway_id: row.id, reason: b }, `gateway ${row.id} (${row.name}) gets no new SMS: ${b}`);
        }
        row.route_block = b;
      }
      let moved = await rerouteDead(rows);
      for (const row of live(rows)) {
        const state = `${pinRoute(pinsOf(row)) ?? ''}\0${row.rotation}\0${row.route_block ?? ''}`;
        const last = seen.get(row.id);
        const passes = last?.state === state ? last.passes - 1 : 2;
        seen.set(row.id, { state, passes: Math.max(0, passes) });
        if (passes <= 0) continue;
        if (row.rotation === 'in' && row.route_block === null && pinned(pinsOf(row))) moved += await rerouteToward(row, rows);
      }
      if (moved > 0) {
        log.info({ moved }, `routing: ${moved} queued SMS moved to another route`);
        ctx.bus.emit('queue:sms');
      }
      return { moved };
    },
  };
}
