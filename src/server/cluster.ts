/**
 * Wake-ups from the other server instances sharing this PostgreSQL
 * database, replayed on this instance's bus (context.ts), so a gateway
 * long-polling here hears of a message queued through another instance,
 * or of its token revoked there, as soon as the change commits. The
 * transport is the store's (store/postgres/notify.ts); SQLite has one
 * instance and nothing to hear.
 *
 * While the listening connection is down, announcements are lost; every
 * time it listens again, waiting polls and workers are woken once to catch
 * up (a woken poll also re-checks its token), and the poll's own re-check
 * (KIRIM_POLL_RECHECK_MS) stays the safety net.
 */
import type { ServerContext } from './context.js';
import type { Listener } from './store/index.js';

export interface ClusterWakeups {
  start(): void;
  stop(): Promise<void>;
}

export function createClusterWakeups(ctx: ServerContext): ClusterWakeups {
  let listener: Listener | undefined;
  /** Wakes everything that waits for an announcement, as if each had been made. */
  const catchUp = () => {
    ctx.bus.emit('queue:sms');
    ctx.bus.emit('queue:email');
    // Any key may have changed: cached webhook subscriptions are dropped.
    ctx.bus.emit('credentials:changed', 'api_key', '*');
  };
  return {
    start() {
      if (listener) return;
      listener = ctx.store.listen({
        onSignal: (signal) => {
          if (signal[0] === 'credentials:changed') ctx.bus.emit(signal[0], signal[1], signal[2]);
          else if (signal[0] === 'queue:sms' && signal.length === 3) ctx.bus.emit('queue:sms', { route: signal[1] });
          else ctx.bus.emit(signal[0]);
        },
        onListening: ({ reconnect, gapMs }) => {
          ctx.metrics.clusterListening.set(1);
          ctx.metrics.clusterListens.inc();
          if (reconnect) ctx.log.info({ outage_ms: gapMs }, 'listening again for wake-ups from other instances');
          catchUp();
        },
        onLost: (err) => {
          ctx.metrics.clusterListening.set(0);
          ctx.log.warn({ err }, 'lost the connection that hears other instances; reconnecting (polls re-check on their own meanwhile)');
        },
      });
    },
    async stop() {
      await listener?.close();
      listener = undefined;
      ctx.metrics.clusterListening.set(0);
    },
  };
}
