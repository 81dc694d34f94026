/**
 * `kirim gateway`: the edge agent beside gammu-smsd (files backend).
 *
 * - Long-polls the server for messages and writes each into gammu's outbox
 *   atomically (see src/gammu/ and spool.ts), once per message id (journal.ts).
 * - Watches sent/ and error/ (file events plus a periodic rescan) and
 *   gammu's log, and reports `spooled`, `sent`, `failed`, `expired` and
 *   `delivered`; every report is journaled first and retried until the
 *   server acknowledges it.
 * - Moves a file that gammu keeps failing (gammu retries a `+CMS ERROR`
 *   forever and sends nothing behind it) to error/ after a few attempts.
 * - Withdraws files whose expiry passed before gammu took them.
 * - Forwards received SMS and archives them once the server has them.
 * - Sends heartbeats with the modem's health and the spool depth.
 *
 * docs/gateway.md describes the behaviour in prose.
 */
import { promises as fs, mkdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_HEARTBEAT_SECONDS, type LeasedMessage, type InboundSms, type Report } from '../protocol/gateway.js';
import { Backoff, sleep } from './backoff.js';
import { GatewayClient, HttpError } from './client.js';
import { LogTailer, parseGammuLogLine, type GammuLogEvent } from './gammu-log.js';
import { decodeInboxFile, groupInboxFiles, scanInbox, REPORT_WORDS, type InboxGroup } from './inbox.js';
import { Journal, type MessageRecord } from './journal.js';
import { createLogger, type Logger } from './logger.js';
import { readModemHealth } from './monitor.js';
import { buildOutboxName, isValidRecipient } from '../gammu/names.js';
import { writeFileAtomic } from '../gammu/atomic-write.js';
import { encodeOutboxText } from '../gammu/text.js';
import { readSmsdConfig, spoolDirs, defaultStateDir, type SpoolDirs } from './smsdrc.js';
import {
  countFiles,
  exists,
  moveFile,
  outboxQueue,
  pendingWithdrawals,
  removeStaleTemps,
  withdrawFromOutbox,
  WITHDRAWN_PREFIX,
} from './spool.js';

/** The agent's version, sent in heartbeats. */
export const GATEWAY_VERSION = '0.1.0';

export interface GatewayAgentOptions {
  /** Base URL of `kirim server`. */
  server: string;
  token: string;
  /** Path of the gammu-smsd config file. */
  smsdrc: string;
  /** Local state folder; default `kirim-gateway/` beside the outbox. */
  stateDir?: string;
  logger?: Logger;
  /** Failed send attempts of one file before it is moved to error/. */
  maxAttempts?: number;
  /** Seconds the head of the outbox may sit untouched while the modem is healthy. */
  stuckSeconds?: number;
  /** Safety-net rescan of the spool folders. */
  rescanMs?: number;
  /** How often gammu's log is read. */
  logPollMs?: number;
  /** Inbox files must be this old before they are read (gammu writes them in place). */
  inboxSettleMs?: number;
  /** After withdrawing a file, how long to watch gammu's log for a send that raced us. */
  raceSettleMs?: number;
  leaseMax?: number;
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

type Health = { ok: boolean; error?: string };

/** The edge agent. `start()` then, on a signal, `stop()`. */
export class GatewayAgent {
  readonly dirs: SpoolDirs;
  readonly stateDir: string;
  readonly logfile: string | undefined;
  private readonly smsdrc: string;
  private readonly journal: Journal;
  private readonly client: GatewayClient;
  private readonly log: Logger;
  private tailer: LogTailer | undefined;
  private spoolDirty = true;
  private readonly opts: Required<
    Pick<
      GatewayAgentOptions,
      | 'maxAttempts'
      | 'stuckSeconds'
      | 'rescanMs'
      | 'logPollMs'
      | 'inboxSettleMs'
      | 'raceSettleMs'
      | 'leaseMax'
      | 'leaseWaitMs'
      | 'monitorTimeoutMs'
      | 'backoffBaseMs'
      | 'backoffCapMs'
    >
  > & { monitorCommand: string | undefined };
  private heartbeatSeconds: number;
  private readonly abort = new AbortController();
  private stopping = false;
  private loops: Promise<void>[] = [];
  private watchers: FSWatcher[] = [];
  private readonly startedAt = new Date();
  private serial = 0;
  /** Serialises everything that changes the journal or the outbox. */
  private lock: Promise<unknown> = Promise.resolve();
  private wakeReports: () => void = () => {};
  private wakeTick: () => void = () => {};

  // What gammu's log told us.
  /** Files gammu has started on (attempt, transmitted part or failure). */
  private readonly taken = new Set<string>();
  /** The file being moved to error/ right now, if any. */
  private quarantining: string | undefined;
  /** Failed attempts per outbox file, with gammu's last reason. */
  private readonly failures = new Map<string, { count: number; reason: string }>();
  private lastAttempt: string | undefined;
  private lastSendStatus: number | undefined;
  /** Inbox files gammu logged, true when it called them delivery reports. */
  private readonly savedInbox = new Map<string, boolean>();
  private readonly outboxErrors = new Set<string>();

  private modem: Health = { ok: true };
  private head: { file: string; since: number } | undefined;
  private inboundBackoffUntil = 0;
  private readonly inboundBackoff: Backoff;

  constructor(options: GatewayAgentOptions) {
    const {
      server,
      token,
      smsdrc,
      stateDir,
      logger = createLogger(),
      maxAttempts = 3,
      stuckSeconds = 180,
      rescanMs = 5000,
      logPollMs = 500,
      inboxSettleMs = 2000,
      raceSettleMs = 1500,
      leaseMax = 10,
      leaseWaitMs = 25_000,
      heartbeatSeconds = DEFAULT_HEARTBEAT_SECONDS,
      monitorCommand,
      monitorTimeoutMs = 5000,
      gammuCwd,
      backoffBaseMs = 500,
      backoffCapMs = 30_000,
    } = options;
    const config = readSmsdConfig(smsdrc, gammuCwd ? { cwd: gammuCwd } : {});
    this.smsdrc = smsdrc;
    this.dirs = spoolDirs(config);
    this.stateDir = stateDir ?? defaultStateDir(this.dirs);
    this.logfile = config.logfile === 'syslog' ? undefined : config.logfile;
    this.log = logger;
    this.opts = {
      maxAttempts,
      stuckSeconds,
      rescanMs,
      logPollMs,
      inboxSettleMs,
      raceSettleMs,
      leaseMax,
      leaseWaitMs,
      monitorCommand,
      monitorTimeoutMs,
      backoffBaseMs,
      backoffCapMs,
    };
    this.heartbeatSeconds = heartbeatSeconds;
    this.journal = new Journal(this.stateDir);
    this.client = new GatewayClient({ server, token, version: GATEWAY_VERSION });
    this.inboundBackoff = new Backoff(backoffBaseMs, backoffCapMs);
  }

  private get signal(): AbortSignal {
    return this.abort.signal;
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
    if (this.logfile) {
      // Go on from where the last run stopped (Transmitted lines written
      // while the agent was down still count); else from the log's end.
      this.tailer = new LogTailer(this.logfile, this.journal.logPosition());
      await this.tailer.start();
    } else {
      this.log.warn('gammu-smsd has no log file: stuck files are found by time only and delivery reports by their text');
    }
    await this.serialize(() => this.recover());
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
    this.loops = [this.leaseLoop(), this.reportLoop(), this.tickLoop(), this.heartbeatLoop()];
  }

  /** Stops cleanly: the current write finishes, the journal is flushed. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.abort.abort();
    this.wakeReports();
    this.wakeTick();
    await Promise.allSettled(this.loops);
    await this.lock.catch(() => {});
    for (const w of this.watchers) w.close();
    this.saveLogPosition();
    this.journal.close();
    this.client.close();
    this.log.info('gateway stopped');
  }

  // ---------------------------------------------------------------- leasing

  private async leaseLoop(): Promise<void> {
    const backoff = new Backoff(this.opts.backoffBaseMs, this.opts.backoffCapMs);
    while (!this.stopping) {
      let messages: LeasedMessage[];
      try {
        const res = await this.client.lease({ max: this.opts.leaseMax, wait_ms: this.opts.leaseWaitMs }, this.signal);
        messages = res.messages;
        backoff.reset();
      } catch (err) {
        if (this.stopping) break;
        const delay = backoff.next();
        this.logServerError(err, 'lease', delay, backoff.failures);
        await sleep(delay, this.signal);
        continue;
      }
      for (const m of messages) {
        // Not aborted by stop(): a write that started finishes.
        await this.serialize(() => this.handleLeased(m)).catch((err) => this.log.error({ err, messageId: m.id }, 'cannot spool message'));
      }
      if (messages.length) this.wakeReports();
    }
  }

  private logServerError(err: unknown, what: string, delayMs: number, failures: number): void {
    const msg = err instanceof Error ? err.message : String(err);
    const level = err instanceof HttpError && err.unauthorized ? 'error' : failures > 3 ? 'warn' : 'info';
    this.log[level]({ what, retryInMs: delayMs, failures, error: msg }, err instanceof HttpError && err.unauthorized ? 'server refused the gateway token' : 'server unreachable, retrying');
  }

  /** Writes one leased message into the outbox, or reports why not. */
  private async handleLeased(m: LeasedMessage): Promise<void> {
    const known = this.journal.get(m.id);
    if (known && known.state !== 'writing') {
      // The server asked again: our report may not have reached it. Say
      // where the message is instead of writing it a second time.
      this.requeueState(known);
      this.log.info({ messageId: m.id, state: known.state }, 'message leased again; not written twice');
      return;
    }
    const now = Date.now();
    if (!known) {
      const base = { id: m.id, to: m.to, priority: m.priority, expiresAt: m.expires_at, deliveryReport: m.delivery_report };
      if (Date.parse(m.expires_at) <= now) {
        this.journal.recordMessage(base);
        this.journal.transition(m.id, 'expired', { detail: 'expired before it reached the gateway outbox' });
        this.log.info({ messageId: m.id }, 'message already expired; not written');
        return;
      }
      if (!isValidRecipient(m.to)) {
        this.journal.recordMessage(base);
        this.journal.transition(m.id, 'failed', { detail: 'recipient is not a number gammu can send to' });
        return;
      }
      const file = buildOutboxName({
        priority: m.priority,
        createdAt: new Date(m.created_at),
        serial: this.serial++,
        to: m.to,
        messageId: m.id,
        deliveryReport: m.delivery_report,
      });
      // Durable before the file exists: a crash after this line never leads to a second file.
      this.journal.recordMessage({ ...base, file });
      await this.writeMessage(m, file);
      return;
    }
    // Recorded but not known to be written (a crash mid-write): look for it.
    const file = known.file!;
    const where = await this.locate(file);
    if (where) {
      this.journal.transition(known.id, 'spooled');
      this.log.info({ messageId: m.id, where }, 'found the file of an interrupted write');
      return;
    }
    if (Date.parse(m.expires_at) <= now) {
      this.journal.transition(known.id, 'expired', { detail: 'expired before it reached the gateway outbox' });
      return;
    }
    await this.writeMessage(m, file);
  }

  private async writeMessage(m: LeasedMessage, file: string): Promise<void> {
    await writeFileAtomic(this.dirs.outbox, file, encodeOutboxText(m.text));
    this.journal.transition(m.id, 'spooled');
    this.log.info({ messageId: m.id, file, priority: m.priority }, 'spooled');
  }

  private async locate(file: string): Promise<'outbox' | 'sent' | 'error' | undefined> {
    for (const where of ['outbox', 'sent', 'error'] as const) {
      if (await exists(join(this.dirs[where], file))) return where;
    }
    return undefined;
  }

  private requeueState(m: MessageRecord): void {
    const at = m.updatedAt;
    const reports: Report[] = [];
    if (m.file) reports.push({ message_id: m.id, status: 'spooled', at });
    if (m.state !== 'spooled' && m.state !== 'writing') {
      const r: Report = { message_id: m.id, status: m.state, at };
      if (m.detail) r.detail = m.detail;
      reports.push(r);
    }
    for (const r of reports) this.journal.requeueReport(r);
  }

  // ---------------------------------------------------------------- reports

  private async reportLoop(): Promise<void> {
    const backoff = new Backoff(this.opts.backoffBaseMs, this.opts.backoffCapMs);
    while (!this.stopping) {
      const pending = this.journal.pendingReports().slice(0, 500);
      if (pending.length === 0) {
        await wakeableSleep(5000, (wake) => (this.wakeReports = wake));
        continue;
      }
      try {
        await this.client.reports(
          pending.map((p) => p.report),
          this.signal,
        );
        // Any outcome (applied, duplicate, stale, unknown) means the server has it.
        this.journal.ack(pending.map((p) => p.seq));
        backoff.reset();
        this.log.debug({ count: pending.length }, 'reports acknowledged');
      } catch (err) {
        if (this.stopping) break;
        const delay = backoff.next();
        this.logServerError(err, 'reports', delay, backoff.failures);
        await sleep(delay, this.signal);
      }
    }
  }

  // ---------------------------------------------------------------- spool watching

  private async tickLoop(): Promise<void> {
    let lastRescan = 0;
    while (!this.stopping) {
      try {
        await this.serialize(() => this.drainLog());
        const now = Date.now();
        const full = now - lastRescan >= this.opts.rescanMs;
        if (full) lastRescan = now;
        if (full || this.spoolDirty) {
          this.spoolDirty = false;
          await this.serialize(() => this.scanSpool());
        }
        await this.serialize(() => this.sweepOutbox(now));
        if (now >= this.inboundBackoffUntil) await this.processInbox();
      } catch (err) {
        this.log.error({ err }, 'spool scan failed');
      }
      this.wakeReports();
      await wakeableSleep(this.opts.logPollMs, (wake) => (this.wakeTick = wake));
    }
  }

  /** Reads new lines of gammu's log and applies them. */
  private async drainLog(): Promise<void> {
    if (!this.tailer) return;
    const lines = await this.tailer.poll();
    for (const line of lines) {
      const ev = parseGammuLogLine(line);
      if (ev) await this.onLogEvent(ev);
    }
    this.saveLogPosition();
  }

  /**
   * Saves how far gammu's log was applied (a no-op when unchanged). Lines read
   * after the saved position are applied again after a restart, and a failure
   * line names no file: replayed, it would count against whatever file is
   * then at the head of the outbox.
   */
  private saveLogPosition(): void {
    const pos = this.tailer?.position();
    if (pos) this.journal.saveLogPosition(pos);
  }

  private async onLogEvent(ev: GammuLogEvent): Promise<void> {
    switch (ev.kind) {
      case 'attempt':
        this.lastAttempt = ev.file;
        this.lastSendStatus = undefined;
        this.taken.add(ev.file);
        break;
      case 'transmitted': {
        this.taken.add(ev.file);
        this.lastAttempt = ev.file;
        this.spoolDirty = true;
        const m = this.journal.byFile(ev.file);
        if (m) this.journal.recordTransmitted(m.id, ev);
        if (ev.total) this.failures.delete(ev.file);
        break;
      }
      case 'send-status':
        this.lastSendStatus = ev.status;
        break;
      case 'send-error': {
        // gammu does not name the file here: it is the one it last announced
        // (debuglevel 1), or the file being moved away right now (gammu read
        // it before it left; its last failures arrive while we withdraw it),
        // or else the head of the outbox, which is what gammu always takes next.
        const file = this.lastAttempt ?? this.quarantining ?? (await outboxQueue(this.dirs.outbox))[0];
        this.lastAttempt = undefined;
        if (!file) break;
        this.taken.add(file);
        const f = this.failures.get(file) ?? { count: 0, reason: '' };
        f.count++;
        f.reason = `gammu: ${ev.reason}${this.lastSendStatus !== undefined && this.lastSendStatus > 0 ? ` (modem status ${this.lastSendStatus})` : ''}`;
        this.failures.set(file, f);
        this.log.warn({ file, attempts: f.count, reason: f.reason }, 'gammu failed to send a file');
        if (f.count >= this.opts.maxAttempts && file !== this.quarantining) await this.quarantine(file, `${f.reason}; gave up after ${f.count} attempts`);
        break;
      }
      case 'outbox-error':
        this.outboxErrors.add(ev.file);
        break;
      case 'saved':
        this.savedInbox.set(ev.file, ev.report);
        break;
      case 'delivery-report':
        this.onDeliveryReport({ status: ev.status, number: ev.number, reference: ev.reference });
        break;
      case 'started':
        this.lastAttempt = undefined;
        break;
    }
  }

  /** Handles what appeared in sent/ and error/, and tracks the outbox head. */
  private async scanSpool(): Promise<void> {
    for (const m of this.journal.inState('spooled', 'writing')) {
      if (!m.file) continue;
      if (await exists(join(this.dirs.sent, m.file))) {
        if (m.state === 'writing') this.journal.transition(m.id, 'spooled');
        const parts = m.totalParts ?? (m.parts.length || undefined);
        if (this.journal.transition(m.id, 'sent', parts ? { parts } : {})) this.log.info({ messageId: m.id, parts }, 'sent');
        this.failures.delete(m.file);
      } else if (await exists(join(this.dirs.error, m.file))) {
        const f = this.failures.get(m.file);
        const detail = f
          ? f.reason
          : this.outboxErrors.has(m.file)
            ? 'gammu could not read the outbox file'
            : 'gammu moved the file to its error folder';
        if (m.state === 'writing') this.journal.transition(m.id, 'spooled');
        if (this.journal.transition(m.id, 'failed', { detail })) this.log.warn({ messageId: m.id, detail }, 'failed');
        this.failures.delete(m.file);
        this.outboxErrors.delete(m.file);
      }
    }
  }

  /** Expiry at the edge, and files stuck at the head of the queue. */
  private async sweepOutbox(now: number): Promise<void> {
    for (const m of this.journal.inState('spooled')) {
      if (!m.file || Date.parse(m.expiresAt) > now || this.taken.has(m.file)) continue;
      const outcome = await this.withdraw(m.file, join(this.stateDir, 'expired'));
      if (outcome === 'gone') continue; // gammu has it: sent/ or error/ will tell.
      if (outcome === 'sent') {
        this.journal.transition(m.id, 'sent', { detail: 'sent while it was being withdrawn at its expiry' });
      } else if (this.journal.transition(m.id, 'expired', { detail: 'expired in the gateway outbox before gammu took it' })) {
        this.log.info({ messageId: m.id }, 'expired in outbox; withdrawn');
      }
    }
    const queue = await outboxQueue(this.dirs.outbox);
    // Forget what the log said about files that left the outbox (bounded memory).
    const present = new Set(queue);
    for (const f of this.taken) if (!present.has(f)) this.taken.delete(f);
    for (const f of this.failures.keys()) if (!present.has(f)) this.failures.delete(f);
    const first = queue[0];
    if (!first) {
      this.head = undefined;
      return;
    }
    // The clock only runs while the modem is healthy: a stopped gammu-smsd
    // or a lost network is not the file's fault.
    if (this.head?.file !== first || !this.modem.ok) {
      this.head = { file: first, since: now };
      return;
    }
    // A head that does not move while the modem is healthy blocks every
    // file behind it; without a log this is the only way to notice.
    if (now - this.head.since >= this.opts.stuckSeconds * 1000) {
      await this.quarantine(first, `gammu did not send it within ${this.opts.stuckSeconds} s while the modem was healthy`);
      this.head = undefined;
    }
  }

  /**
   * Takes a file away from gammu. Returns `gone` when gammu already moved
   * it, `sent` when gammu's log shows it went out while we took it (a race
   * the hidden rename cannot rule out), else `withdrawn`.
   */
  private async withdraw(file: string, destDir: string): Promise<'gone' | 'sent' | 'withdrawn'> {
    const ok = await withdrawFromOutbox(this.dirs.outbox, file, destDir);
    if (!ok) return 'gone';
    if (this.tailer && this.opts.raceSettleMs > 0) {
      await sleep(this.opts.raceSettleMs);
      const lines = await this.tailer.poll();
      let sent = false;
      for (const line of lines) {
        const ev = parseGammuLogLine(line);
        if (ev?.kind === 'transmitted' && ev.file === file) sent = true;
        if (ev) await this.onLogEvent(ev);
      }
      this.saveLogPosition();
      if (sent) return 'sent';
    }
    return 'withdrawn';
  }

  /** Moves a failing file to error/ so the files behind it can go. */
  private async quarantine(file: string, reason: string): Promise<void> {
    this.quarantining = file;
    let outcome: Awaited<ReturnType<GatewayAgent['withdraw']>>;
    try {
      outcome = await this.withdraw(file, this.dirs.error);
    } finally {
      this.quarantining = undefined;
    }
    this.failures.delete(file);
    if (outcome === 'gone') return;
    const m = this.journal.byFile(file);
    if (!m) {
      this.log.warn({ file, reason }, 'moved a foreign file that blocked the outbox to error/');
      return;
    }
    if (outcome === 'sent') {
      this.journal.transition(m.id, 'sent');
      return;
    }
    if (this.journal.transition(m.id, 'failed', { detail: reason })) {
      this.log.warn({ messageId: m.id, file, reason }, 'moved a failing file to error/ so the queue can move');
    }
  }

  // ---------------------------------------------------------------- delivery reports

  /**
   * Matches a delivery report to a transmitted part: by message reference
   * and number when gammu gave the reference, else to the oldest part sent
   * to that number that still waits for its report.
   */
  private onDeliveryReport({ status, number, reference }: { status: string; number: string; reference?: number }): boolean {
    const candidates: Array<{ m: MessageRecord; part: number; at: string }> = [];
    for (const m of this.journal.inState('spooled', 'sent')) {
      for (const p of m.parts) {
        if (p.report && p.report !== 'Pending') continue;
        if (!sameNumber(p.number, number) && !sameNumber(m.to, number)) continue;
        if (reference !== undefined && reference >= 0 && p.reference !== reference) continue;
        candidates.push({ m, part: p.part, at: p.at });
      }
    }
    candidates.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const hit = candidates[0];
    if (!hit) {
      this.log.info({ reference: reference ?? null }, 'delivery report matches no message waiting for one');
      return false;
    }
    const { m, part } = hit;
    this.journal.recordPartReport(m.id, part, status);
    const fresh = this.journal.get(m.id)!;
    if (status === 'Failed') {
      if (fresh.state === 'spooled') this.journal.transition(m.id, 'sent');
      this.journal.transition(m.id, 'failed', { detail: `delivery report: not delivered (part ${part})` });
      return true;
    }
    if (status !== 'Delivered') return true;
    const total = fresh.totalParts ?? fresh.parts.length;
    const delivered = fresh.parts.filter((p) => p.report === 'Delivered').length;
    if (delivered >= total) {
      if (fresh.state === 'spooled') this.journal.transition(m.id, 'sent', { parts: total });
      if (this.journal.transition(m.id, 'delivered', { parts: total })) this.log.info({ messageId: m.id }, 'delivered');
    }
    return true;
  }

  // ---------------------------------------------------------------- inbox

  private async processInbox(): Promise<void> {
    const files = await scanInbox(this.dirs.inbox);
    if (files.length === 0) return;
    await this.serialize(() => this.drainLog());
    const now = Date.now();
    const ready = groupInboxFiles(files).filter((g) => now - g.lastWriteMs >= this.opts.inboxSettleMs);
    const inbound: Array<{ group: InboxGroup; sms: InboundSms }> = [];
    for (const g of ready) {
      const contents = [];
      for (const f of g.files) {
        try {
          contents.push(decodeInboxFile(f.name, await fs.readFile(join(this.dirs.inbox, f.name))));
        } catch {
          contents.push(undefined);
        }
      }
      if (contents.some((c) => c === undefined)) continue;
      const first = contents[0]!;
      // A delivery report: gammu said so in its log, or (detail format) in
      // the file; without a log, a report's text and a waiting message.
      const logged = this.savedInbox.get(g.key);
      const text = contents.map((c) => c!.text).join('');
      let isReport = false;
      if (first.statusReport) {
        isReport = true;
        await this.serialize(async () =>
          this.onDeliveryReport({ status: first.statusReport!.status, number: first.statusReport!.number || g.sender, reference: first.statusReport!.reference }),
        );
      } else if (logged === true || (logged === undefined && (REPORT_WORDS as readonly string[]).includes(text.trim()))) {
        // Not in the log we read (no log file, or written before our start):
        // a status word counts as a report only if a message waits for one.
        const status = text.trim();
        const matched = await this.serialize(async () => this.onDeliveryReport({ status, number: g.sender }));
        isReport = logged === true || matched;
      }
      if (isReport) {
        await this.archive(g);
        continue;
      }
      const received = new Date(g.lastWriteMs);
      inbound.push({
        group: g,
        sms: {
          key: g.key.slice(0, 200),
          from: g.sender.slice(0, 40) || 'unknown',
          text: text.slice(0, 10_000),
          received_at: received.toISOString(),
          parts: Math.min(255, Math.max(1, first.parts ?? g.files.length)),
        },
      });
    }
    for (let i = 0; i < inbound.length; i += 200) {
      const batch = inbound.slice(i, i + 200);
      try {
        await this.client.inbound(
          batch.map((b) => b.sms),
          this.signal,
        );
        this.inboundBackoff.reset();
      } catch (err) {
        if (this.stopping) return;
        const delay = this.inboundBackoff.next();
        this.inboundBackoffUntil = Date.now() + delay;
        this.logServerError(err, 'inbound', delay, this.inboundBackoff.failures);
        return;
      }
      // Archived only after the server acknowledged: a crash in between
      // sends them again, and the server ignores the repeated keys.
      for (const b of batch) await this.archive(b.group);
      this.log.info({ count: batch.length }, 'received SMS forwarded');
    }
  }

  private async archive(g: InboxGroup): Promise<void> {
    for (const f of g.files) {
      try {
        await moveFile(join(this.dirs.inbox, f.name), join(this.stateDir, 'inbox-archive', f.name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      this.savedInbox.delete(f.name);
    }
  }

  // ---------------------------------------------------------------- heartbeat

  private async heartbeatLoop(): Promise<void> {
    const backoff = new Backoff(this.opts.backoffBaseMs, this.opts.backoffCapMs);
    while (!this.stopping) {
      let wait = this.heartbeatSeconds * 1000;
      try {
        const modem = await readModemHealth({
          smsdrc: this.smsdrc,
          timeoutMs: this.opts.monitorTimeoutMs,
          ...(this.opts.monitorCommand ? { command: this.opts.monitorCommand } : {}),
        });
        if (modem.ok !== this.modem.ok) {
          // gammu-smsd reports no signal until its first status poll after
          // connecting: in the first half minute that is start-up, not a fault.
          const starting = Date.now() - this.startedAt.getTime() < 30_000;
          this.log[modem.ok || starting ? 'info' : 'warn']({ error: modem.error ?? null }, modem.ok ? 'modem healthy' : 'modem unhealthy');
        }
        this.modem = modem;
        const [outbox, sent, error, inbox] = await Promise.all([
          countFiles(this.dirs.outbox),
          countFiles(this.dirs.sent),
          countFiles(this.dirs.error),
          countFiles(this.dirs.inbox),
        ]);
        const res = await this.client.heartbeat(
          {
            version: GATEWAY_VERSION,
            started_at: this.startedAt.toISOString(),
            modem,
            spool: { outbox, sent, error, inbox, pending_reports: this.journal.pendingCount() },
          },
          this.signal,
        );
        this.heartbeatSeconds = res.heartbeat_seconds;
        wait = res.heartbeat_seconds * 1000;
        backoff.reset();
      } catch (err) {
        if (this.stopping) break;
        wait = Math.min(wait, backoff.next());
        this.logServerError(err, 'heartbeat', wait, backoff.failures);
      }
      await sleep(wait, this.signal);
    }
  }

  // ---------------------------------------------------------------- recovery

  /** Cleans up after a crash: temp files, half-done withdrawals, unfinished writes. */
  private async recover(): Promise<void> {
    const stale = await removeStaleTemps(this.dirs.outbox);
    if (stale.length) this.log.info({ files: stale }, 'removed temp files of interrupted writes');
    for (const name of await pendingWithdrawals(this.dirs.outbox)) {
      await moveFile(join(this.dirs.outbox, WITHDRAWN_PREFIX + name), join(this.stateDir, 'withdrawn', name));
      const m = this.journal.byFile(name);
      if (!m) continue;
      if (Date.parse(m.expiresAt) <= Date.now()) this.journal.transition(m.id, 'expired', { detail: 'expired in the gateway outbox before gammu took it' });
      else this.journal.transition(m.id, 'failed', { detail: 'withdrawn from the outbox (gateway restarted mid-way)' });
    }
    for (const m of this.journal.inState('writing')) {
      if (m.file && (await this.locate(m.file))) this.journal.transition(m.id, 'spooled');
    }
  }

  /** For tests and diagnostics: the journal record of a message. */
  messageState(id: string): MessageRecord | undefined {
    return this.journal.get(id);
  }
}

/** Sleeps `ms` or until the wake function handed to `register` is called; no timer outlives it. */
function wakeableSleep(ms: number, register: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      resolve();
    }
    register(done);
  });
}

/** Compares phone numbers written differently (`+62812…`, `62812…`, `0812…`). */
export function sameNumber(a: string, b: string): boolean {
  const da = a.replace(/\D/g, '');
  const db = b.replace(/\D/g, '');
  if (!da || !db) return a === b;
  if (da === db) return true;
  const [short, long] = da.length < db.length ? [da, db] : [db, da];
  const tail = short.replace(/^0+/, '');
  return tail.length >= 7 && long.endsWith(tail);
}
