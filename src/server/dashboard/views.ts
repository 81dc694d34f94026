/**
 * How the dashboard shows stored rows: the JSON shapes of its contract
 * (MessageSummary, VerificationSummary, ...), shared by the read routes and
 * the live stream so both say the same thing.
 *
 * Promises: no view carries a code, a code's hash or ciphertext, a key's
 * hash or a webhook secret. OTP texts are stored with the code already
 * masked (`******`); here the mask is shown as `••••••`.
 */
import { iso } from '../../protocol/time.js';
import { scopesOf } from '../auth.js';
import type { ServerContext } from '../context.js';
import type { ApiKeyRow, GatewayRow, InboundRow, MessageEventRow, MessageRow, Store, VerificationRow, WebhookDeliveryRow, WebhookRow } from '../store/index.js';

const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** Id → name of gateways and API keys, read at most every few seconds (both tables are small and rarely change). */
export function createNames(ctx: ServerContext, ttlMs = 5_000) {
  let cached: { at: number; gateways: Map<string, string>; keys: Map<string, string> } | undefined;
  const load = async (store: Store) => {
    const [gws, keys] = await Promise.all([store.listGateways(), store.listApiKeys()]);
    return { at: ctx.now(), gateways: new Map(gws.map((g) => [g.id, g.name])), keys: new Map(keys.map((k) => [k.id, k.name])) };
  };
  return {
    async get(fresh = false) {
      if (fresh || !cached || ctx.now() - cached.at > ttlMs) cached = await load(ctx.store);
      return cached;
    },
  };
}
export type Names = Awaited<ReturnType<ReturnType<typeof createNames>['get']>>;

/** The text as the dashboard shows it: an OTP's masked code as bullets. */
export function maskedText(m: Pick<MessageRow, 'text' | 'verification_id'>): string {
  return m.verification_id ? m.text.replace(/\*{4,}/g, (s) => '•'.repeat(s.length)) : m.text;
}

const PREVIEW_CHARS = 80;

export function messageSummary(m: MessageRow, names: Names) {
  const text = maskedText(m);
  return {
    id: m.id,
    to: m.to,
    channel: m.channel,
    status: m.status,
    priority: m.priority,
    created_at: iso(m.created_at),
    updated_at: iso(m.updated_at),
    gateway: m.gateway_id ? { id: m.gateway_id, name: names.gateways.get(m.gateway_id) ?? '(removed)' } : null,
    segments: m.segments,
    encoding: m.encoding,
    verification_id: m.verification_id,
    text_preview: text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text,
  };
}

export function messageEvents(events: MessageEventRow[]) {
  return events.map((e) => ({ status: e.status, at: iso(e.at), detail: e.detail }));
}

export function messageDetail(m: MessageRow, events: MessageEventRow[], names: Names) {
  return {
    ...messageSummary(m, names),
    text: maskedText(m),
    subject: m.subject,
    expires_at: iso(m.expires_at),
    attempts: m.attempts,
    last_error: m.last_error,
    events: messageEvents(events),
  };
}

export function verificationSummary(v: VerificationRow, names: Names) {
  return {
    id: v.id,
    to: v.to,
    channel: v.channel,
    status: v.status,
    created_at: iso(v.created_at),
    expires_at: iso(v.expires_at),
    sends: v.sends,
    attempts_left: v.attempts_left,
    ended_at: isoOrNull(v.ended_at),
    api_key: { id: v.api_key_id, name: names.keys.get(v.api_key_id) ?? '(removed)' },
  };
}

export function inboundView(i: InboundRow, names: Names) {
  return { id: i.id, from: i.from, text: i.text, received_at: iso(i.received_at), gateway: { id: i.gateway_id, name: names.gateways.get(i.gateway_id) ?? '(removed)' } };
}

export function deliveryView(d: WebhookDeliveryRow) {
  return {
    id: d.id,
    type: d.type,
    state: d.state,
    attempts: d.attempts,
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
    last_error: d.last_error,
    response_status: d.response_status,
    latency_ms: d.latency_ms,
    response_excerpt: d.response_excerpt,
  };
}

export function webhookView(w: WebhookRow, deliveries: WebhookDeliveryRow[], names: Names) {
  return {
    id: w.id,
    url: w.url,
    events: JSON.parse(w.events) as string[],
    created_at: iso(w.created_at),
    disabled_at: isoOrNull(w.disabled_at),
    api_key: { id: w.api_key_id, name: names.keys.get(w.api_key_id) ?? '(removed)' },
    deliveries: deliveries.map(deliveryView),
  };
}

export function keyView(k: ApiKeyRow) {
  return { id: k.id, name: k.name, prefix: k.prefix, scopes: scopesOf(k), created_at: iso(k.created_at), revoked_at: isoOrNull(k.revoked_at), expires_at: isoOrNull(k.expires_at) };
}

export function gatewayBrief(g: GatewayRow) {
  return { id: g.id, name: g.name, state: g.state, last_seen_at: isoOrNull(g.last_seen_at) };
}
