/**
 * Budgets against SMS pumping and floods, all in this one place, shared by
 * every server on the store.
 *
 * Promises kept here:
 * - every request that would queue a message (POST /v1/verifications, new
 *   or resend, and POST /v1/messages) is counted before anything is queued,
 *   per destination, per end-user IP (IPv4 address, IPv6 /64), per number
 *   prefix, per API key and per country; one budget spent answers 429
 *   `rate_limited`, naming the budget, with Retry-After = the end of its
 *   window (exact: windows are fixed — the hour, the UTC day, the UTC month);
 * - counters live in the store (`budget_counters`), incremented by one
 *   atomic upsert per request, so several servers share them and a restart
 *   keeps them; a refused request, a failed one and an idempotent replay
 *   give their count back, so only accepted work is counted;
 * - a gateway's SIM is budgeted when it leases: SMS per hour and per day,
 *   and distinct recipients per day and per month (carriers' hidden cap).
 *   A gateway over budget gets nothing more (or only messages to recipients
 *   it already counted); the messages wait, or go to another gateway.
 *
 * A fixed window lets up to twice a budget through around a window's edge
 * (the end of one, the start of the next); the day budgets bound that.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { BudgetSettings } from './config.js';
import type { ServerContext } from './context.js';
import { rateLimited } from './errors.js';
import type { CounterWindow, LeaseRecipients, MessageRow } from './store/index.js';

export type BudgetWindow = 'hour' | 'day' | 'month';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The fixed window holding `now`: [start, end). Days and months are UTC. */
export function windowAt(window: BudgetWindow, now: number): { start: number; end: number } {
  if (window === 'hour') {
    const start = Math.floor(now / HOUR) * HOUR;
    return { start, end: start + HOUR };
  }
  if (window === 'day') {
    const start = Math.floor(now / DAY) * DAY;
    return { start, end: start + DAY };
  }
  const d = new Date(now);
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

/**
 * The group an end-user address is counted in: an IPv4 address as it is,
 * an IPv6 address by its /64 (one subscriber usually holds a whole /64),
 * an IPv4-mapped IPv6 address as its IPv4 address. Undefined when `ip` is
 * not an address (the API schema refuses those before this point).
 */
export function ipGroup(ip: string): string | undefined {
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return undefined;
  let text = ip.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // A trailing dotted IPv4 part stands for the last two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const n = groups.map((g) => parseInt(g || '0', 16));
  // ::ffff:a.b.c.d is an IPv4 client seen through an IPv6 socket.
  if (n.slice(0, 5).every((g) => g === 0) && n[5] === 0xffff) return `${n[6]! >> 8}.${n[6]! & 255}.${n[7]! >> 8}.${n[7]! & 255}`;
  return `${n.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The country of an E.164 number (ISO code, or `+<calling code>` when the library cannot tell). */
export function countryOf(e164: string): string | undefined {
  const p = parsePhoneNumberFromString(e164);
  if (!p) return undefined;
  return p.country ?? `+${p.countryCallingCode}`;
}

/** A budget as configured: its name (in details, metrics and docs), env variable, limit (0 = off) and window. */
export interface BudgetRule {
  name: string;
  env: string;
  limit: number;
  window: BudgetWindow;
  /** What is counted, for the detail: "messages to this destination". */
  what: string;
}

export function requestRules(b: BudgetSettings): Record<'destinationHour' | 'destinationDay' | 'ipHour' | 'ipDay' | 'prefixHour' | 'keyHour' | 'keyDay' | 'countryHour', BudgetRule> {
  return {
    destinationHour: { name: 'destination_per_hour', env: 'KIRIM_BUDGET_DESTINATION_PER_HOUR', limit: b.destinationPerHour, window: 'hour', what: 'messages to this destination' },
    destinationDay: { name: 'destination_per_day', env: 'KIRIM_BUDGET_DESTINATION_PER_DAY', limit: b.destinationPerDay, window: 'day', what: 'messages to this destination' },
    ipHour: { name: 'ip_per_hour', env: 'KIRIM_BUDGET_IP_PER_HOUR', limit: b.ipPerHour, window: 'hour', what: 'verifications for this end-user IP (IPv6: its /64)' },
    ipDay: { name: 'ip_per_day', env: 'KIRIM_BUDGET_IP_PER_DAY', limit: b.ipPerDay, window: 'day', what: 'verifications for this end-user IP (IPv6: its /64)' },
    prefixHour: { name: 'prefix_per_hour', env: 'KIRIM_BUDGET_PREFIX_PER_HOUR', limit: b.prefixPerHour, window: 'hour', what: `SMS to numbers starting with these ${b.prefixDigits} digits` },
    keyHour: { name: 'key_per_hour', env: 'KIRIM_BUDGET_KEY_PER_HOUR', limit: b.keyPerHour, window: 'hour', what: 'messages for this API key' },
    keyDay: { name: 'key_per_day', env: 'KIRIM_BUDGET_KEY_PER_DAY', limit: b.keyPerDay, window: 'day', what: 'messages for this API key' },
    countryHour: { name: 'country_per_hour', env: 'KIRIM_BUDGET_COUNTRY_PER_HOUR', limit: b.countryPerHour, window: 'hour', what: 'SMS to this country' },
  };
}

export function gatewayRules(b: BudgetSettings): Record<'smsHour' | 'smsDay' | 'recipientsDay' | 'recipientsMonth', BudgetRule> {
  return {
    smsHour: { name: 'gateway_sms_per_hour', env: 'KIRIM_GATEWAY_SMS_PER_HOUR', limit: b.gatewaySmsPerHour, window: 'hour', what: 'SMS leased to this gateway' },
    smsDay: { name: 'gateway_sms_per_day', env: 'KIRIM_GATEWAY_SMS_PER_DAY', limit: b.gatewaySmsPerDay, window: 'day', what: 'SMS leased to this gateway' },
    recipientsDay: { name: 'gateway_recipients_per_day', env: 'KIRIM_GATEWAY_RECIPIENTS_PER_DAY', limit: b.gatewayRecipientsPerDay, window: 'day', what: 'distinct recipients of this gateway' },
    recipientsMonth: { name: 'gateway_recipients_per_month', env: 'KIRIM_GATEWAY_RECIPIENTS_PER_MONTH', limit: b.gatewayRecipientsPerMonth, window: 'month', what: 'distinct recipients of this gateway' },
  };
}

const WINDOW_WORD: Record<BudgetWindow, string> = { hour: 'hour', day: 'day (UTC)', month: 'month (UTC)' };

/** What a request is counted as. */
export interface BudgetRequest {
  apiKeyId: string;
  /** The canonical destination (E.164 or lower-cased address). */
  to: string;
  channel: 'sms' | 'email';
  /** The end user's address (POST /v1/verifications `ip`). */
  ip?: string;
  /**
   * False when nothing is sent (a reverse verification, docs/reverse-otp.md):
   * the budgets of SMS that go out (prefix, country) do not apply; the
   * destination, IP and key budgets still do.
   */
  sends?: boolean;
}

/** A request's counts, given back when it does not go through. */
export interface BudgetTicket {
  release(): Promise<void>;
}

/** What a gateway may lease now. */
export interface GatewayAllowance {
  /** At most this many SMS (0: the gateway is held). */
  max: number;
  recipients?: LeaseRecipients;
}

export interface Limits {
  /** Counts the request in every budget that applies, or throws 429 naming the spent budget(s). */
  take(req: BudgetRequest, now: number): Promise<BudgetTicket>;
  /** How much a gateway may lease now under its SIM budgets. */
  gatewayAllowance(gatewayId: string, wanted: number, now: number): Promise<GatewayAllowance>;
  /** Counts what a gateway was leased. */
  recordLease(gatewayId: string, rows: MessageRow[], now: number): Promise<void>;
  /** Removes counters of ended windows (sweeper). */
  sweep(now: number): Promise<number>;
}

type Counted = { rule: BudgetRule; key: CounterWindow; end: number };

function counted(rule: BudgetRule, subject: string, now: number): Counted {
  const { start, end } = windowAt(rule.window, now);
  return { rule, key: { bucket: `${rule.name}:${subject}`, window_start: start, expires_at: end }, end };
}

export function createLimits(ctx: Pick<ServerContext, 'store' | 'config' | 'metrics' | 'log'>): Limits {
  const { store, metrics, log } = ctx;
  const settings = ctx.config.budgets;
  const rules = requestRules(settings);
  const gw = gatewayRules(settings);
  /** Holds already logged on this server: `gateway\0budget\0window`. */
  const holdsLogged = new Set<string>();

  function applicable(req: BudgetRequest, now: number): Counted[] {
    const list: Array<[BudgetRule, string | undefined]> = [
      [rules.destinationHour, req.to],
      [rules.destinationDay, req.to],
      [rules.keyHour, req.apiKeyId],
      [rules.keyDay, req.apiKeyId],
    ];
    const group = req.ip !== undefined ? ipGroup(req.ip) : undefined;
    list.push([rules.ipHour, group], [rules.ipDay, group]);
    if (req.channel === 'sms' && req.sends !== false && req.to.startsWith('+')) {
      list.push([rules.prefixHour, req.to.slice(1, 1 + settings.prefixDigits)], [rules.countryHour, countryOf(req.to)]);
    }
    return list.filter(([rule, subject]) => rule.limit > 0 && subject !== undefined).map(([rule, subject]) => counted(rule, subject!, now));
  }

  function holdOnce(gatewayId: string, rule: BudgetRule, now: number, count: number) {
    const { start, end } = windowAt(rule.window, now);
    const key = `${gatewayId}\0${rule.name}\0${start}`;
    if (holdsLogged.has(key)) return;
    if (holdsLogged.size > 10_000) holdsLogged.clear();
    holdsLogged.add(key);
    metrics.gatewayBudgetHolds.inc({ gateway_id: gatewayId, budget: rule.name });
    log.warn(
      { gateway_id: gatewayId, budget: rule.name, count, limit: rule.limit, until: new Date(end).toISOString() },
      `gateway ${gatewayId} reached its ${rule.name} budget (${rule.env}=${rule.limit}); ${rule.what} wait for another gateway or until ${new Date(end).toISOString()}`,
    );
  }

  return {
    async take(req, now) {
      const list = applicable(req, now);
      const keys = list.map((c) => c.key);
      const counts = await store.addToCounters(keys, 1);
      const over = list.filter((c, i) => counts[i]! > c.rule.limit);
      const release = async () => {
        await store.takeBackFromCounters(keys, 1);
      };
      if (over.length > 0) {
        await release();
        for (const c of over) metrics.budgetRefusals.inc({ budget: c.rule.name });
        // Room again only when every spent budget has a new window.
        const until = Math.max(...over.map((c) => c.end));
        const named = over.map((c) => `${c.rule.name} (${c.rule.env}=${c.rule.limit}: at most ${c.rule.limit} ${c.rule.what} per ${WINDOW_WORD[c.rule.window]})`).join('; ');
        throw rateLimited(`budget spent: ${named}; try again after ${new Date(until).toISOString()}`, until - now);
      }
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          await release();
        },
      };
    },

    async gatewayAllowance(gatewayId, wanted, now) {
      const sms = [gw.smsHour, gw.smsDay].filter((r) => r.limit > 0).map((r) => counted(r, gatewayId, now));
      const recipients = [gw.recipientsDay, gw.recipientsMonth].filter((r) => r.limit > 0).map((r) => counted(r, gatewayId, now));
      const counts = await store.readCounters([...sms, ...recipients].map((c) => c.key));
      let max = wanted;
      sms.forEach((c, i) => {
        const left = c.rule.limit - counts[i]!;
        if (left <= 0) holdOnce(gatewayId, c.rule, now, counts[i]!);
        max = Math.min(max, Math.max(0, left));
      });
      if (recipients.length === 0 || max === 0) return { max };
      let newAllowed = Number.MAX_SAFE_INTEGER;
      recipients.forEach((c, i) => {
        const left = c.rule.limit - counts[sms.length + i]!;
        if (left <= 0) holdOnce(gatewayId, c.rule, now, counts[sms.length + i]!);
        newAllowed = Math.min(newAllowed, Math.max(0, left));
      });
      return { max, recipients: { newAllowed, knownIn: recipients.map((c) => ({ bucket: c.key.bucket, window_start: c.key.window_start })) } };
    },

    async recordLease(gatewayId, rows, now) {
      if (rows.length === 0) return;
      const sms = [gw.smsHour, gw.smsDay].filter((r) => r.limit > 0).map((r) => counted(r, gatewayId, now).key);
      await store.addToCounters(sms, rows.length);
      for (const rule of [gw.recipientsDay, gw.recipientsMonth]) {
        if (rule.limit <= 0) continue;
        const { key } = counted(rule, gatewayId, now);
        const fresh = await store.addBudgetMembers([...new Set(rows.map((r) => r.to))].map((member) => ({ ...key, member })));
        const n = fresh.filter(Boolean).length;
        if (n > 0) await store.addToCounters([key], n);
      }
    },

    sweep: (now) => store.deleteExpiredBudgets(now),
  };
}
