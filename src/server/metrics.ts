/**
 * Prometheus metrics (prom-client) on a registry of the server's own, so
 * two servers in one test process do not collide.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GatewayStatus } from '../protocol/api.js';

type GatewayLabel = 'gateway' | 'gateway_id';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  verificationsStarted: Counter<'channel' | 'outcome'>;
  verificationChecks: Counter<'outcome'>;
  /** Starts and checks refused because the destination is cooling off after too many wrong codes. */
  guessLimitRefusals: Counter<'action'>;
  messageTransitions: Counter<'channel' | 'status'>;
  messagesByStatus: Gauge<'channel' | 'status'>;
  gatewaysOnline: Gauge;
  /** Per gateway, labelled by its name (and id, as names may repeat); refreshed at scrape time by {@link setGatewayGauges}. */
  gateway: {
    online: Gauge<GatewayLabel>;
    signal: Gauge<GatewayLabel>;
    spoolDepth: Gauge<GatewayLabel>;
    lastSeen: Gauge<GatewayLabel>;
    modemHealthy: Gauge<GatewayLabel>;
  };
  webhookDeliveries: Counter<'outcome'>;
  emailAttempts: Counter<'outcome'>;
  /** SMS hand-overs to a provider by outcome: accepted, rejected, retry, expired, unknown. */
  providerSends: Counter<'provider' | 'outcome'>;
  /** Delivery reports from providers by what they said. */
  providerReports: Counter<'provider' | 'status'>;
  backgroundErrors: Counter<'loop'>;
  storeUnavailable: Counter<'source'>;
  storeUp: Gauge;
  /** Requests refused 429 by a budget (limits.ts), by budget name. */
  budgetRefusals: Counter<'budget'>;
  /** Leases a gateway got less or nothing from because one of its SIM budgets was spent. */
  gatewayBudgetHolds: Counter<'gateway_id' | 'budget'>;
  /** Gateway long polls waiting on this instance for work (each woken by a queued SMS, a credential change or its re-check). */
  gatewayPollsWaiting: Gauge;
  gatewayLeaseAttempts: Counter<'outcome'>;
  /** PostgreSQL: 1 while this instance listens for the others' wake-ups (cluster.ts). */
  clusterListening: Gauge;
  /** PostgreSQL: times the listening connection was (re)opened and LISTEN held. */
  clusterListens: Counter;
  /** Requests to the identity-provider integration endpoints (src/server/integrations), by integration and outcome. */
  integrationRequests: Counter<'integration' | 'outcome'>;
}

/** Creates the metric set; `collect` refreshes gauges that are read from the store at scrape time. */
export function createMetrics({ defaults = true }: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  // prom-client's default names already start with process_ or nodejs_, so
  // the prefix is only ours: kirim_process_cpu_seconds_total, kirim_nodejs_heap_size_used_bytes.
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'kirim_' });
  const r = [registry];
  return {
    registry,
    httpDuration: new Histogram({
      name: 'kirim_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30],
      registers: r,
    }),
    verificationsStarted: new Counter({ name: 'kirim_verifications_started_total', help: 'Verification starts by outcome (created, resent, rate_limited)', labelNames: ['channel', 'outcome'], registers: r }),
    verificationChecks: new Counter({ name: 'kirim_verification_checks_total', help: 'Verification checks by outcome', labelNames: ['outcome'], registers: r }),
    guessLimitRefusals: new Counter({ name: 'kirim_guess_limit_refusals_total', help: 'Verification starts and checks refused (429) while their destination cools off after too many wrong codes', labelNames: ['action'], registers: r }),
    messageTransitions: new Counter({ name: 'kirim_message_transitions_total', help: 'Message state changes', labelNames: ['channel', 'status'], registers: r }),
    messagesByStatus: new Gauge({ name: 'kirim_messages', help: 'Messages in the store by channel and status', labelNames: ['channel', 'status'], registers: r }),
    gatewaysOnline: new Gauge({ name: 'kirim_gateways_online', help: 'Gateways currently online', registers: r }),
    gateway: {
      online: new Gauge({ name: 'kirim_gateway_online', help: '1 when the gateway was heard from within KIRIM_GATEWAY_OFFLINE_SECONDS, else 0', labelNames: ['gateway', 'gateway_id'], registers: r }),
      signal: new Gauge({ name: 'kirim_gateway_signal_percent', help: 'Modem signal strength in its last heartbeat', labelNames: ['gateway', 'gateway_id'], registers: r }),
      spoolDepth: new Gauge({ name: 'kirim_gateway_spool_depth', help: "Files waiting in the gateway's gammu outbox in its last heartbeat", labelNames: ['gateway', 'gateway_id'], registers: r }),
      lastSeen: new Gauge({ name: 'kirim_gateway_last_seen_timestamp_seconds', help: 'When the gateway was last heard from (Unix time)', labelNames: ['gateway', 'gateway_id'], registers: r }),
      modemHealthy: new Gauge({ name: 'kirim_gateway_modem_healthy', help: '1 when the last heartbeat reports a working modem with a signal and no error, else 0', labelNames: ['gateway', 'gateway_id'], registers: r }),
    },
    webhookDeliveries: new Counter({ name: 'kirim_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome', labelNames: ['outcome'], registers: r }),
    providerSends: new Counter({ name: 'kirim_provider_sends_total', help: 'SMS hand-overs to a provider by outcome (accepted, rejected, retry, expired, unknown)', labelNames: ['provider', 'outcome'], registers: r }),
    providerReports: new Counter({ name: 'kirim_provider_reports_total', help: 'Delivery reports received from providers, by status (delivered, failed, sent, ignored)', labelNames: ['provider', 'status'], registers: r }),
    emailAttempts: new Counter({ name: 'kirim_email_attempts_total', help: 'Email send attempts by outcome', labelNames: ['outcome'], registers: r }),
    backgroundErrors: new Counter({ name: 'kirim_background_errors_total', help: 'Failed runs of background loops (email, webhooks, sweepers...)', labelNames: ['loop'], registers: r }),
    storeUp: new Gauge({ name: 'kirim_store_up', help: '1 when the last scrape could read the store, 0 while it does not answer', registers: r }),
    storeUnavailable: new Counter({ name: 'kirim_store_unavailable_total', help: 'Requests answered 503 store_unavailable because the database did not answer', labelNames: ['source'], registers: r }),
    budgetRefusals: new Counter({ name: 'kirim_budget_refusals_total', help: 'Requests refused 429 rate_limited by a budget, by budget', labelNames: ['budget'], registers: r }),
    gatewayBudgetHolds: new Counter({ name: 'kirim_gateway_budget_holds_total', help: "Leases held back because one of the gateway SIM's budgets was spent, by gateway and budget", labelNames: ['gateway_id', 'budget'], registers: r }),
    gatewayLeaseAttempts: new Counter({ name: 'kirim_gateway_lease_attempts_total', help: 'Lease queries run for gateway polls, by outcome (leased: found SMS; empty: found none)', labelNames: ['outcome'], registers: r }),
    gatewayPollsWaiting: new Gauge({ name: 'kirim_gateway_polls_waiting', help: 'Gateway long polls waiting on this instance for a message (or their token to change)', registers: r }),
    clusterListening: new Gauge({ name: 'kirim_cluster_listening', help: "1 while this instance listens for the other instances' wake-ups (PostgreSQL LISTEN), else 0", registers: r }),
    clusterListens: new Counter({ name: 'kirim_cluster_listens_total', help: 'Times the listening connection for wake-ups from other instances was opened (1 + reconnections)', registers: r }),
    integrationRequests: new Counter({ name: 'kirim_integration_requests_total', help: 'Requests to the integration endpoints (send, authentik, supabase) by outcome (queued, replayed, or the error code)', labelNames: ['integration', 'outcome'], registers: r }),
  };
}

/** Sets the gateway gauges from the statuses computed at scrape time; gateways gone since the last scrape disappear. */
export function setGatewayGauges(m: Metrics, statuses: GatewayStatus[]): void {
  for (const g of Object.values(m.gateway)) g.reset();
  m.gatewaysOnline.set(statuses.filter((s) => s.state === 'online').length);
  for (const s of statuses) {
    const l = { gateway: s.name, gateway_id: s.id };
    m.gateway.online.set(l, s.state === 'online' ? 1 : 0);
    if (s.last_seen_at) m.gateway.lastSeen.set(l, Date.parse(s.last_seen_at) / 1000);
    if (s.modem) m.gateway.modemHealthy.set(l, s.modem.healthy ? 1 : 0);
    if (s.modem?.signal_percent !== undefined) m.gateway.signal.set(l, s.modem.signal_percent);
    if (s.spool) m.gateway.spoolDepth.set(l, s.spool.outbox);
  }
}
