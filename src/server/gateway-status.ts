/**
 * What a gateway's state is at the moment someone asks: `kirim gateways
 * list`, GET /v1/gateways and the per-gateway metrics all use this one
 * function, so they cannot disagree.
 *
 * Promises:
 * - online/offline comes from the last-seen time and the offline setting
 *   at `now`, never from the stored flag alone (that flag is only as fresh
 *   as the last sweep of a running server, and goes stale when none runs);
 * - modem health comes from the last heartbeat, and "healthy" requires the
 *   gateway's own verdict, a signal above zero and no reported error;
 * - a heartbeat that does not parse is reported as unknown health, never
 *   as healthy;
 * - pins and routing (eligible, rotation) are as the router last recorded
 *   them (routing/router.ts refreshes them every second on a running server).
 */
import type { GatewayStatus } from '../protocol/api.js';
import { HeartbeatRequest } from '../protocol/gateway.js';
import { iso } from '../protocol/time.js';
import { describePins, pinsOf } from './routing/pins.js';
import type { GatewayRow } from './store/index.js';

/** The state of `row` at `now` (epoch ms), with `offlineSeconds` of silence making it offline. */
export function gatewayStatus(row: GatewayRow, now: number, offlineSeconds: number): GatewayStatus {
  const seen = row.last_seen_at;
  const state = seen === null ? 'new' : now - seen <= offlineSeconds * 1000 ? 'online' : 'offline';
  const base: GatewayStatus = {
    id: row.id,
    name: row.name,
    state,
    last_seen_at: seen === null ? null : iso(seen),
    seconds_since_seen: seen === null ? null : Math.max(0, Math.floor((now - seen) / 1000)),
    modem: null,
    spool: null,
    number: row.number ?? null,
    pins: pinsOf(row),
    routing: {
      eligible: row.route_block === null && row.rotation === 'in',
      ...(row.route_block !== null ? { reason: row.route_block } : row.rotation !== 'in' ? { reason: 'out of rotation' } : {}),
      rotation: row.rotation,
      ...(row.rotation_since !== null && row.rotation !== 'in' ? { rotation_since: iso(row.rotation_since) } : {}),
      ...(row.rotation_reason !== null && row.rotation !== 'in' ? { rotation_reason: row.rotation_reason } : {}),
    },
  };
  if (!row.health) return base;
  let beat: HeartbeatRequest;
  try {
    const parsed = HeartbeatRequest.safeParse(JSON.parse(row.health));
    if (!parsed.success) return { ...base, modem: { healthy: false, problems: ['the last heartbeat could not be read'] } };
    beat = parsed.data;
  } catch {
    return { ...base, modem: { healthy: false, problems: ['the last heartbeat could not be read'] } };
  }
  const m = beat.modem;
  const problems: string[] = [];
  if (m.signal_percent === 0) problems.push('no signal');
  if (m.error) problems.push(m.error);
  if (!m.ok && problems.length === 0) problems.push('the gateway reports the modem unhealthy');
  return {
    ...base,
    modem: {
      healthy: m.ok && problems.length === 0,
      problems,
      ...pick(m, ['signal_percent', 'battery_percent', 'network', 'error', 'sent', 'received', 'failed']),
    },
    spool: { ...beat.spool },
    version: beat.version,
    started_at: beat.started_at,
  };
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** Live gateways (not revoked), their status at `now`, oldest first. */
export function gatewayStatuses(rows: GatewayRow[], now: number, offlineSeconds: number): GatewayStatus[] {
  return rows.filter((r) => r.revoked_at === null).map((r) => gatewayStatus(r, now, offlineSeconds));
}

/**
 * The status as columns for people: state, last seen (with how long ago),
 * modem health, spool. E.g. `online`, `last seen 2026-05-01T08:00:00.000Z
 * (12 s ago)`, `modem healthy: signal 72 %, Telkomsel`, `outbox 0`.
 */
export function describeGateway(g: GatewayStatus): string[] {
  const when = g.last_seen_at === null ? 'never seen' : `last seen ${g.last_seen_at} (${ago(g.seconds_since_seen ?? 0)})`;
  let modem: string;
  if (!g.modem) modem = 'modem unknown (no heartbeat yet)';
  else {
    const facts = [g.modem.signal_percent !== undefined ? `signal ${g.modem.signal_percent} %` : '', g.modem.network ?? ''].filter(Boolean).join(', ');
    modem = g.modem.healthy ? `modem healthy${facts ? `: ${facts}` : ''}` : `modem unhealthy: ${g.modem.problems.join('; ')}${facts ? ` (${facts})` : ''}`;
  }
  const spool = g.spool
    ? [`outbox ${g.spool.outbox}`, g.spool.error ? `error ${g.spool.error}` : '', g.spool.pending_reports ? `${g.spool.pending_reports} reports pending` : ''].filter(Boolean).join(', ')
    : 'spool unknown';
  return [g.state, when, modem, spool, `pins: ${describePins(g.pins)}`, describeRouting(g), `number: ${g.number ?? 'not set'}`];
}

/** `in rotation`, `out of rotation: failure rate 80 % over 10 sends`, `no new SMS: offline: silent for 50 s`. */
export function describeRouting(g: GatewayStatus): string {
  const r = g.routing;
  if (r.rotation === 'out') return `out of rotation: ${r.rotation_reason ?? 'unreliable'}`;
  if (r.rotation === 'probe') return `out of rotation, probing: ${r.rotation_reason ?? 'unreliable'}`;
  return r.eligible ? 'in rotation' : `in rotation, no new SMS: ${r.reason}`;
}

function ago(seconds: number): string {
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} days ago`;
}
