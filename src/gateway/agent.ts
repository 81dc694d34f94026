/**
 * `kirim gateway`: the edge agent beside gammu-smsd (files backend). This
 * class wires its parts together and runs their loops: claims.ts +
 * spooler.ts (leased messages claimed, then → outbox files, once per id,
 * and crash recovery), log-feed.ts +
 * send-tracker.ts (gammu's log; which file a failure belongs to),
 * outbox-watch.ts (sent/ and error/, expiry at the edge, files that block
 * the queue), delivery-reports.ts, inbound.ts, heartbeat.ts. Every report
 * is journaled first (journal.ts) and retried until the server has it;
 * everything that changes the journal or the outbox runs under one lock.
 * docs/gateway.md describes the behaviour in prose.
 */
import { promises as fs, mkdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_HEARTBEAT_SECONDS, type LeasedMessage } from '../protocol/gateway.js';
import { Backoff, sleep, wakeableSleep } from './backoff.js';
import { Claims } from './claims.js';
import { GatewayClient, logServerError } from './client.js';
import { gammuDaemonState } from './daemon.js';
import { DeliveryReports } from './delivery-reports.js';
import type { GammuLogEvent } from './gammu-log.js';
import { Heartbeat } from './heartbeat.js';
import { Inbound } from './inbound.js';
import { Journal, type MessageRecord } from './journal.js';
import { GammuLogFeed } from './log-feed.js';
import { createLogger, type Logger } from './logger.js';
import { OutboxWatch } from './outbox-watch.js';
import { SendTracker } from './send-tracker.js';
import { readSmsdConfig, spoolDirs, defaultStateDir, type SpoolDirs } from './smsdrc.js';
import { outboxQueue } from './spool.js';
import { Spooler } from './spooler.js';

/** The agent's version, sent in heartbeats. */
export const GATEWAY_VERSION = '0.1.0';

/** Unsent messages an agent holds by default: a modem sends one at a time, a few keep it busy. */
export const DEFAULT_SPOOL_TARGET = 3;

export interface GatewayAgentOptions {
  /** Base URL of `kirim server`. */
  server: string;
  token: string;
  /** Path of the gammu-smsd config file. */
  smsdrc: string;
  /** Local state folder; default `kirim-gateway/` beside the outbox. */
  stateDir?: string;
  logger?: Logger;
  /** Failed send attempts of one file before it is moved to error/ (`--max-attempts`). */
  maxAttempts: number;
  /** Seconds the head of the outbox may sit untouched while the modem is healthy (`--stuck-seconds`). */
  stuckSeconds: number;
  /**
   * Seconds before its expiry a message is no longer handed to gammu
   * (`--expiry-margin`): not written, and withdrawn from the outbox if gammu
   * has not taken it. gammu needs a moment from taking a file to the modem's
   * answer, so a file taken at the last instant would arrive after the expiry.
   */
  expiryMarginSeconds?: number;
  /** Safety-net rescan of the spool folders. */
  rescanMs?: number;
  /** How often gammu's log is read. */
  logPollMs?: number;
  /** Inbox files must be this old before they are read (gammu writes them in place). */
  inboxSettleMs?: number;
  /** After withdrawing a file, how long to watch gammu's log for a send that raced us. */
  raceSettleMs?: number;
  /**
   * Most messages this agent holds unsent (claimed, being written, or in
   * gammu's outbox) (`--spool-target`); it leases only up to this, so the
   * work waits at the server where an idle modem's agent can take it.
   */
  spoolTarget?: number;
  leaseWaitMs?: number;
  /** Until the server says otherwise. */
  heartbeatSeconds?: number;
  monitorCommand?: string;
  monitorTimeoutMs?: number;
  /** Working directory of gammu-smsd, for relative paths in its config. */
  gammuCwd?: string;
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

/** The edge agent. `start()` then, on a signal, `stop()`. */
export class GatewayAgent {
  readonly dirs: SpoolDirs;
  readonly stateDir: string;
  readonly logfile: string | undefined;
  private readonly journal: Journal;
  private readonly client: GatewayClient;
  private readonly log: Logger;
  private readonly feed: GammuLogFeed;
  private readonly tracker: SendTracker;
  private readonly reports: DeliveryReports;
  private readonly spooler: Spooler;
  private readonly claims: Claims;
  private readonly outbox: OutboxWatch;
  private readonly inbound: Inbound;
  private readonly heartbeat: Heartbeat;
  private readonly t: { rescanMs: number; logPollMs: number; spoolTarget: number; leaseWaitMs: number; backoffBaseMs: number; backoffCapMs: number };
  private readonly abort = new AbortController();
  private stopping = false;
  private loops: Promise<void>[] = [];
  private watchers: FSWatcher[] = [];
  private spoolDirty = true;
  /** Serialises everything that changes the journal or the outbox. */
  private lock: Promise<unknown> = Promise.resolve();
  private wakeReports: () => void = () => {};
  private wakeTick: () => void = () => {};
  private wakeLease: () => void = () => {};

  constructor(options: GatewayAgentOptions) {
    const { server, token, smsdrc, stateDir, logger = createLogger(), maxAttempts, stuckSeconds, gammuCwd, expiryMarginSeconds = 0 } = options;
    const { rescanMs = 5000, logPollMs = 500, inboxSettleMs = 2000, raceSettleMs = 1500, spoolTarget = DEFAULT_SPOOL_TARGET, leaseWaitMs = 25_000 } = options;
    const { heartbeatSeconds = DEFAULT_HEARTBEAT_SECONDS, monitorCommand, monitorTimeoutMs = 5000, backoffBaseMs = 500, backoffCapMs = 30_000 } = options;
    const config = readSmsdConfig(smsdrc, gammuCwd ? { cwd: gammuCwd } : {});
    this.dirs = spoolDirs(config);
    this.stateDir = stateDir ?? defaultStateDir(this.dirs);
    this.logfile = config.logfile === 'syslog' ? undefined : config.logfile;
    this.log = logger;
    this.t = { rescanMs, logPollMs, spoolTarget, leaseWaitMs, backoffBaseMs, backoffCapMs };
    const { dirs, log, signal } = { dirs: this.dirs, log: logger, signal: this.abort.signal };
    const backoff = { backoffBaseMs, backoffCapMs };
    const journal = (this.journal = new Journal(this.stateDir));
    const client = (this.client = new GatewayClient({ server, token, version: GATEWAY_VERSION }));
    this.feed = new GammuLogFeed(this.logfile, journal);
    this.tracker = new SendTracker(maxAttempts);
    this.reports = new DeliveryReports(journal, log);
    this.spooler = new Spooler(dirs, this.stateDir, journal, log, expiryMarginSeconds * 1000);
    const daemonState = () => gammuDaemonState(smsdrc);
    const pendingReports = () => journal.pendingCount();
    this.heartbeat = new Heartbeat({ smsdrc, dirs, client, log, version: GATEWAY_VERSION, heartbeatSeconds, monitorCommand, monitorTimeoutMs, ...backoff, pendingReports, daemonState, signal });
    const [healthy, hasLog, readLog] = [() => this.heartbeat.healthyNow(), () => this.feed.available, () => this.drainLog()];
    const gammuRunning = async () => (await daemonState()).running;
    this.outbox = new OutboxWatch({ dirs, stateDir: this.stateDir, journal, tracker: this.tracker, log, stuckSeconds, expiryMarginMs: expiryMarginSeconds * 1000, raceSettleMs, healthy, gammuRunning, hasLog, readLog });
    const serialize = <T>(fn: () => Promise<T>) => this.serialize(fn);
    this.claims = new Claims({ client, spooler: this.spooler, log, serialize, ...backoff, signal });
    const inbox = { inbox: dirs.inbox, archive: join(this.stateDir, 'inbox-archive') };
    this.inbound = new Inbound({ ...inbox, client, reports: this.reports, log, settleMs: inboxSettleMs, ...backoff, serialize, drainLog: () => this.drainLog(), signal });
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }

  /** Opens the journal, recovers from a crash, and starts every loop. */
  async start(): Promise<void> {
    for (const d of ['', 'inbox-archive', 'expired', 'withdrawn']) mkdirSync(join(this.stateDir, d), { recursive: true });
    for (const [name, dir] of Object.entries(this.dirs)) {
      try {
        await fs.access(dir);
      } catch {
        throw new Error(`spool folder ${name} (${dir}) does not exist`);
      }
    }
    this.journal.open();
    await this.feed.start();
    if (!this.feed.available) this.log.warn('gammu-smsd has no log file: stuck files are found by time only and delivery reports by their text');
    await this.serialize(() => this.spooler.recover());
    // Node's own inotify watch, not a watcher library: three flat folders
    // on Linux, any event only means "look again", and the periodic rescan
    // is the safety net; a library would cost the Pi ~2 MB for nothing more.
    for (const dir of [this.dirs.sent, this.dirs.error, this.dirs.inbox]) {
      const w = watch(dir, { persistent: false }, () => {
        this.spoolDirty = true;
        this.wakeTick();
      });
      w.on('error', (err) => this.log.warn({ err, dir }, 'file watcher error (the periodic rescan continues)'));
      this.watchers.push(w);
    }
    this.log.info(
      { outbox: this.dirs.outbox, stateDir: this.stateDir, logfile: this.logfile ?? null, pendingReports: this.journal.pendingCount() },
      'gateway started',
    );
    this.loops = [this.leaseLoop(), this.reportLoop(), this.tickLoop(), this.heartbeat.run()];
  }

  /** Stops cleanly: the current write finishes, the journal is flushed. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.abort.abort();
    this.wakeReports();
    this.wakeTick();
    this.wakeLease();
    await Promise.allSettled(this.loops);
    await this.lock.catch(() => {});
    for (const w of this.watchers) w.close();
    this.feed.save();
    this.journal.close();
    this.client.close();
    this.log.info('gateway stopped');
  }

  /** For tests and diagnostics: the journal record of a message. */
  messageState(id: string): MessageRecord | undefined {
    return this.journal.get(id);
  }

  private async leaseLoop(): Promise<void> {
    const backoff = new Backoff(this.t.backoffBaseMs, this.t.backoffCapMs);
    while (!this.stopping) {
      // Exact: the journal knows every message this agent claimed that has
      // not left the outbox; files in the outbox would miss those being
      // claimed or written, and count foreign ones.
      const room = this.t.spoolTarget - this.unsentCount();
      if (room <= 0) {
        // Enough to keep the modem busy: leave the rest at the server for
        // other modems until one of ours leaves the outbox (the tick wakes
        // us after every scan; the timeout is only a safety net).
        await wakeableSleep(this.t.rescanMs, (wake) => (this.wakeLease = wake));
        continue;
      }
      let messages: LeasedMessage[];
      let validUntil: number;
      try {
        const res = await this.client.lease({ max: room, wait_ms: this.t.leaseWaitMs }, this.abort.signal);
        messages = res.messages;
        // The leases' end on this clock: the server's clock may differ from the Pi's.
        const offset = Date.now() - Date.parse(res.server_time);
        validUntil = Math.min(...messages.map((m) => Date.parse(m.lease_until) + offset));
        backoff.reset();
      } catch (err) {
        if (this.stopping) break;
        const delay = backoff.next();
        logServerError(this.log, err, 'lease', delay, backoff.failures);
        await sleep(delay, this.abort.signal);
        continue;
      }
      if (messages.length) await this.claims.handle(messages, validUntil);
      if (messages.length) this.wakeReports();
    }
  }

  /** Messages claimed or being claimed here that gammu has not sent or failed yet. */
  private unsentCount(): number {
    return this.journal.inState('claiming', 'writing', 'spooled').length;
  }

  private async reportLoop(): Promise<void> {
    const backoff = new Backoff(this.t.backoffBaseMs, this.t.backoffCapMs);
    while (!this.stopping) {
      const pending = this.journal.pendingReports().slice(0, 500);
      if (pending.length === 0) {
        await wakeableSleep(5000, (wake) => (this.wakeReports = wake));
        continue;
      }
      try {
        const { results } = await this.client.reports(
          pending.map((p) => p.report),
          this.abort.signal,
        );
        // Any outcome (applied, duplicate, stale, unknown) means the server has it.
        this.journal.ack(pending.map((p) => p.seq));
        backoff.reset();
        this.log.debug({ count: pending.length }, 'reports acknowledged');
        // Refused: the message moved on (canceled, expired, leased elsewhere); a file still in the outbox must not go.
        for (const r of results) {
          if (r.outcome !== 'stale' && r.outcome !== 'unknown') continue;
          await this.serialize(() => this.outbox.withdrawRefused(r.message_id, r.status)).catch((err) => this.log.error({ err, messageId: r.message_id }, 'cannot withdraw a refused file'));
        }
      } catch (err) {
        if (this.stopping) break;
        const delay = backoff.next();
        logServerError(this.log, err, 'reports', delay, backoff.failures);
        await sleep(delay, this.abort.signal);
      }
    }
  }

  /** gammu's log, sent/ and error/, the outbox and the inbox, every `logPollMs` or when a folder changes. */
  private async tickLoop(): Promise<void> {
    let lastRescan = 0;
    while (!this.stopping) {
      try {
        await this.serialize(() => this.drainLog());
        const now = Date.now();
        const full = now - lastRescan >= this.t.rescanMs;
        if (full) lastRescan = now;
        if (full || this.spoolDirty) {
          this.spoolDirty = false;
          await this.serialize(() => this.outbox.scan());
        }
        await this.serialize(() => this.outbox.sweep(now));
        if (this.inbound.due(now)) await this.inbound.process();
      } catch (err) {
        this.log.error({ err }, 'spool scan failed');
      }
      this.wakeReports();
      // A scan or sweep may have moved a message out of the outbox (sent, failed, expired, withdrawn).
      this.wakeLease();
      await wakeableSleep(this.t.logPollMs, (wake) => (this.wakeTick = wake));
    }
  }

  /** Reads new lines of gammu's log and applies them (call under the lock). */
  private drainLog(): Promise<GammuLogEvent[]> {
    return this.feed.drain((ev) => this.onLogEvent(ev));
  }

  private async onLogEvent(ev: GammuLogEvent): Promise<void> {
    switch (ev.kind) {
      case 'attempt':
        this.tracker.attempt(ev.file);
        break;
      case 'transmitted': {
        this.tracker.transmitted(ev.file, ev.total);
        this.spoolDirty = true;
        const m = this.journal.byFile(ev.file);
        if (m) this.journal.recordTransmitted(m.id, ev);
        break;
      }
      case 'send-status':
        this.tracker.sendStatus(ev.status);
        break;
      case 'send-error': {
        const charge = await this.tracker.sendError(ev.reason, () => outboxQueue(this.dirs.outbox));
        if (!charge) this.log.info({ reason: ev.reason }, 'gammu failed to send a file; which one is not certain, none is charged');
        else this.log.warn({ file: charge.file, attempts: charge.count, reason: charge.reason }, 'gammu failed to send a file');
        if (charge?.giveUp) await this.outbox.quarantine(charge.file, `${charge.reason}; gave up after ${charge.count} attempts`);
        break;
      }
      case 'outbox-error':
        this.tracker.outboxError(ev.file);
        break;
      case 'saved':
        this.inbound.noteSaved(ev.file, ev.report);
        break;
      case 'delivery-report':
        this.reports.apply({ status: ev.status, number: ev.number, reference: ev.reference });
        break;
      case 'started':
        this.tracker.started();
        break;
    }
  }
}
