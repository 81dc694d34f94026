/**
 * Every stored change announces itself here, inside the transaction that
 * stored it (a transactional outbox):
 * - the webhook event is enqueued in that same transaction, so a crash
 *   between the change and its event cannot lose the event, and a change
 *   that rolls back sends nothing;
 * - the in-process signals (the bus: metrics, wake-ups of waiting gateways
 *   and workers, and later the dashboard's live view) fire only after the
 *   commit, so nobody hears of a change that was not stored;
 * - other server instances sharing PostgreSQL hear of a queued SMS through
 *   a notification sent in the same transaction, delivered at its commit
 *   (store/postgres/notify.ts).
 *
 * Message state changes reach this module only through the messages
 * service (`messages.insert`, `messages.transition`, `messages.lease`),
 * the one path for them.
 */
import { iso } from '../protocol/time.js';
import type { ServerContext } from './context.js';
import type { GatewayRow, InboundRow, MessageRow, MessageStatus, Tx, VerificationRow } from './store/index.js';
import type { WebhookService } from './webhooks/service.js';

/** Message states that become webhook events. */
const EVENT_STATES = new Set<MessageStatus>(['queued', 'spooled', 'sent', 'delivered', 'failed', 'expired', 'canceled']);

export type Outbox = ReturnType<typeof createOutbox>;

export function createOutbox(ctx: ServerContext, webhooks: WebhookService) {
  const { bus } = ctx;
  return {
    /** A message was created or changed state. */
    async messageChanged(tx: Tx, m: MessageRow, detail: string | null): Promise<void> {
      if (EVENT_STATES.has(m.status)) {
        await webhooks.enqueue(tx, `message.${m.status}`, {
          id: m.id,
          to: m.to,
          channel: m.channel,
          status: m.status,
          at: iso(m.updated_at),
          ...(detail ? { detail } : {}),
          ...(m.verification_id ? { verification_id: m.verification_id } : {}),
        }, m.api_key_id);
      }
      // Gateways long-poll whichever instance their connection reached: the
      // others hear of a queued SMS at this commit (store/postgres/notify.ts).
      // Email needs no such wake-up: this instance's worker is woken below.
      // Each SMS wakes one waiting poll for its route (channels/gateway/waiters.ts);
      // the id keeps PostgreSQL from folding two SMS of one transaction into one notification.
      if (m.status === 'queued' && m.channel === 'sms') await tx.notifyInstances(['queue:sms', m.route ?? null, m.id]);
      tx.afterCommit(() => {
        ctx.metrics.messageTransitions.inc({ channel: m.channel, status: m.status });
        bus.emit('message:changed', m, detail);
        if (m.status === 'queued') {
          if (m.channel === 'sms') bus.emit('queue:sms', { route: m.route ?? null });
          else bus.emit('queue:email');
        }
      });
    },

    /** A verification left `pending`. */
    async verificationEnded(tx: Tx, v: VerificationRow): Promise<void> {
      if (v.status === 'approved' || v.status === 'failed') {
        await webhooks.enqueue(tx, `verification.${v.status}`, { id: v.id, to: v.to, channel: v.channel, status: v.status, at: iso(v.ended_at ?? ctx.now()) }, v.api_key_id);
      }
      tx.afterCommit(() => bus.emit('verification:ended', v));
    },

    /** A gateway went online or offline. */
    async gatewayState(tx: Tx, g: GatewayRow): Promise<void> {
      await webhooks.enqueue(tx, `gateway.${g.state}`, { id: g.id, name: g.name, state: g.state, last_seen_at: g.last_seen_at ? iso(g.last_seen_at) : null }, null);
      tx.afterCommit(() => bus.emit('gateway:state', g));
    },

    /** The reliability monitor took a gateway out of rotation (`gateway.unhealthy`) or put it back (`gateway.healthy`). */
    async gatewayHealth(tx: Tx, g: GatewayRow): Promise<void> {
      const healthy = g.rotation === 'in';
      await webhooks.enqueue(tx, healthy ? 'gateway.healthy' : 'gateway.unhealthy', {
        id: g.id,
        name: g.name,
        state: g.state === 'offline' ? 'offline' : 'online',
        last_seen_at: g.last_seen_at ? iso(g.last_seen_at) : null,
        rotation: healthy ? 'in' : 'out',
        ...(g.rotation_reason ? { reason: g.rotation_reason } : {}),
      }, null);
      tx.afterCommit(() => bus.emit('gateway:rotation', g));
    },

    /** An inbound SMS was stored: its event goes to the key it answers (and keys with the `inbound` scope). */
    async inbound(tx: Tx, i: InboundRow): Promise<void> {
      await webhooks.enqueue(tx, 'message.received', { id: i.id, from: i.from, text: i.text, received_at: iso(i.received_at), gateway: i.gateway_id }, i.api_key_id);
      tx.afterCommit(() => bus.emit('inbound', i));
    },
  };
}
