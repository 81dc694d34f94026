/**
 * The overview's numbers, computed from what the store records (message
 * events and verifications), for a window of the last N minutes:
 * - per minute, how many messages entered each state;
 * - time from creation to `sent` and to `delivered` (p50/p90/p99, over the
 *   events in the window, at most the newest 10 000);
 * - the verification funnel started → sent → delivered → approved by
 *   channel, by country calling code (or "email") and by gateway.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { MessageStatus } from '../../protocol/enums.js';
import { iso } from '../../protocol/time.js';
import type { Store } from '../store/index.js';
import type { Names } from './views.js';

const MAX_DURATIONS = 10_000;

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50_ms: percentile(sorted, 50), p90_ms: percentile(sorted, 90), p99_ms: percentile(sorted, 99) };
}

/** `+62` for an Indonesian number, `email` for an address, `(unknown)` otherwise. */
export function countryKey(to: string, channel: string): string {
  if (channel === 'email') return 'email';
  const n = parsePhoneNumberFromString(to);
  return n ? `+${n.countryCallingCode}` : '(unknown)';
}

interface FunnelRow {
  key: string;
  started: number;
  sent: number;
  delivered: number;
  approved: number;
}

export async function overview(store: Store, names: Names, now: number, minutes: number) {
  const since = now - minutes * 60_000;
  const firstMinute = Math.floor(since / 60_000) * 60_000;
  const [perMinute, toSent, toDelivered, funnel] = await Promise.all([
    store.countEventsPerMinute(firstMinute),
    store.stageDurations('sent', since, MAX_DURATIONS),
    store.stageDurations('delivered', since, MAX_DURATIONS),
    store.funnelRows(since),
  ]);

  const zero = () => Object.fromEntries(MessageStatus.options.map((s) => [s, 0])) as Record<MessageStatus, number>;
  const minutesMap = new Map<number, Record<MessageStatus, number>>();
  for (let m = firstMinute; m <= now; m += 60_000) minutesMap.set(m, zero());
  for (const r of perMinute) {
    const counts = minutesMap.get(r.minute);
    if (counts) counts[r.status] += r.count;
  }

  // One verification: what any of its messages reached, and through which gateway.
  const byVerification = new Map<string, { channel: string; to: string; approved: boolean; sent: boolean; delivered: boolean; gateway: string | null }>();
  for (const r of funnel) {
    const v = byVerification.get(r.id) ?? { channel: r.channel, to: r.to, approved: r.status === 'approved', sent: false, delivered: false, gateway: null };
    if (r.reached === 'sent' || r.reached === 'delivered') v.sent = true;
    if (r.reached === 'delivered') v.delivered = true;
    if (r.gateway_id) v.gateway = r.gateway_id;
    byVerification.set(r.id, v);
  }
  const group = (keyOf: (v: NonNullable<ReturnType<typeof byVerification.get>>) => string): FunnelRow[] => {
    const rows = new Map<string, FunnelRow>();
    for (const v of byVerification.values()) {
      const key = keyOf(v);
      const row = rows.get(key) ?? { key, started: 0, sent: 0, delivered: 0, approved: 0 };
      row.started++;
      if (v.sent) row.sent++;
      if (v.delivered) row.delivered++;
      if (v.approved) row.approved++;
      rows.set(key, row);
    }
    return [...rows.values()].sort((a, b) => b.started - a.started || a.key.localeCompare(b.key));
  };

  return {
    window_minutes: minutes,
    per_minute: [...minutesMap.entries()].map(([minute, counts]) => ({ minute: iso(minute), counts })),
    time_to_sent: stats(toSent),
    time_to_delivered: stats(toDelivered),
    funnel: {
      by_channel: group((v) => v.channel),
      by_country: group((v) => countryKey(v.to, v.channel)),
      by_gateway: group((v) => (v.gateway ? (names.gateways.get(v.gateway) ?? v.gateway) : '(none)')),
    },
  };
}
