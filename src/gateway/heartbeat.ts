/**
 * The agent's heartbeat and its view of the modem. Promises:
 * - every `heartbeat_seconds` (the server's value once it answered) the
 *   server gets the modem's health and the spool depth; a failed heartbeat
 *   is retried with backoff and never stops the loop;
 * - {@link Heartbeat.modem} is the health read last (healthy until the
 *   first reading); each change is logged once, quietly during start-up;
 * - a gammu-smsd that is not running is unhealthy whatever
 *   gammu-smsd-monitor says (after a SIGKILL it repeats the dead daemon's
 *   last state), with the reason, and none of the stale figures;
 * - {@link Heartbeat.healthyNow} is true only while the last reading was
 *   healthy and the daemon is alive at this moment (the stuck-file clock
 *   must not run for a daemon that died since the last heartbeat).
 */
import type { ModemHealth } from '../protocol/gateway.js';
import { Backoff, sleep } from './backoff.js';
import { logServerError, type GatewayClient } from './client.js';
import type { DaemonState } from './daemon.js';
import type { Logger } from './logger.js';
import { readModemHealth } from './monitor.js';
import type { SpoolDirs } from './smsdrc.js';
import { countFiles } from './spool.js';

export interface HeartbeatOptions {
  smsdrc: string;
  dirs: SpoolDirs;
  client: Pick<GatewayClient, 'heartbeat'>;
  log: Logger;
  version: string;
  /** Until the server says otherwise. */
  heartbeatSeconds: number;
  monitorCommand: string | undefined;
  monitorTimeoutMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Reports waiting in the journal. */
  pendingReports: () => number;
  /** Whether gammu-smsd is alive (daemon.ts). */
  daemonState: () => Promise<DaemonState>;
  signal: AbortSignal;
}

export class Heartbeat {
  readonly startedAt = new Date();
  private health: ModemHealth = { ok: true };
  private seconds: number;

  constructor(private readonly o: HeartbeatOptions) {
    this.seconds = o.heartbeatSeconds;
  }

  get modem(): ModemHealth {
    return this.health;
  }

  /** Reads the modem's health (logging a change) and returns it. */
  async check(): Promise<ModemHealth> {
    const { o } = this;
    let modem = await readModemHealth({
      smsdrc: o.smsdrc,
      timeoutMs: o.monitorTimeoutMs,
      ...(o.monitorCommand ? { command: o.monitorCommand } : {}),
    });
    // Asked after the monitor has exited (its own attach must not count), and
    // only when the monitor reads healthy: its own errors (not installed,
    // permission denied, …) say more than "not running".
    const daemon = modem.ok ? await o.daemonState() : undefined;
    if (daemon?.running === false) modem = { ok: false, error: daemon.reason };
    if (modem.ok !== this.health.ok || modem.error !== this.health.error) {
      // gammu-smsd reports no signal until its first status poll after
      // connecting: in the first half minute that is start-up, not a fault.
      const starting = Date.now() - this.startedAt.getTime() < 30_000;
      o.log[modem.ok || starting ? 'info' : 'warn']({ error: modem.error ?? null }, modem.ok ? 'modem healthy' : 'modem unhealthy');
    }
    this.health = modem;
    return modem;
  }

  /** True while the modem was healthy at the last reading and gammu-smsd is alive now. */
  async healthyNow(): Promise<boolean> {
    return this.health.ok && (await this.o.daemonState()).running !== false;
  }

  /** Beats until the signal aborts. */
  async run(): Promise<void> {
    const { o } = this;
    const backoff = new Backoff(o.backoffBaseMs, o.backoffCapMs);
    while (!o.signal.aborted) {
      let wait = this.seconds * 1000;
      try {
        const modem = await this.check();
        const [outbox, sent, error, inbox] = await Promise.all([countFiles(o.dirs.outbox), countFiles(o.dirs.sent), countFiles(o.dirs.error), countFiles(o.dirs.inbox)]);
        const res = await o.client.heartbeat(
          {
            version: o.version,
            started_at: this.startedAt.toISOString(),
            modem,
            spool: { outbox, sent, error, inbox, pending_reports: o.pendingReports() },
          },
          o.signal,
        );
        this.seconds = res.heartbeat_seconds;
        wait = res.heartbeat_seconds * 1000;
        backoff.reset();
      } catch (err) {
        if (o.signal.aborted) break;
        wait = Math.min(wait, backoff.next());
        logServerError(o.log, err, 'heartbeat', wait, backoff.failures);
      }
      await sleep(wait, o.signal);
    }
  }
}
