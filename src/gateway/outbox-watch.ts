/**
 * What became of the files in gammu's spool folders, and the outbox kept
 * moving. Promises:
 * - a file gammu moved to sent/ makes its message `sent`, one moved to
 *   error/ makes it `failed` with gammu's reason as far as the log told it;
 * - a file whose message expired (or comes within the expiry margin of it)
 *   before gammu took it, or while gammu-smsd is down, is withdrawn and
 *   its message `expired` (a file
 *   gammu has started on is left alone; the margin is what keeps it from
 *   reaching the handset after the expiry);
 * - a file whose report the server refused (the message moved on) is
 *   withdrawn the same way and its message `withdrawn`;
 * - a file that blocks the head of the queue (failing again and again, or
 *   not moving while gammu runs and the modem is healthy) is moved to
 *   error/ so the files behind it can go; a file that gammu sent while it
 *   was being taken away is reported `sent`, never `failed`.
 */
import { join } from 'node:path';
import { sleep } from './backoff.js';
import type { GammuLogEvent } from './gammu-log.js';
import type { Journal } from './journal.js';
import type { Logger } from './logger.js';
import type { SendTracker } from './send-tracker.js';
import type { SpoolDirs } from './smsdrc.js';
import { exists, outboxQueue, withdrawFromOutbox } from './spool.js';

export interface OutboxWatchOptions {
  dirs: SpoolDirs;
  stateDir: string;
  journal: Journal;
  tracker: SendTracker;
  log: Logger;
  /** Seconds the head of the outbox may sit untouched while gammu runs and the modem is healthy. */
  stuckSeconds: number;
  /** A file is withdrawn this long before its message expires (gammu's time from taking a file to the modem's answer). */
  expiryMarginMs?: number;
  /** After withdrawing a file, how long to wait for gammu's log to show a send that raced us. */
  raceSettleMs: number;
  /** True while the stuck-file clock may run (gammu-smsd running, modem healthy). */
  healthy: () => Promise<boolean>;
  /**
   * Whether gammu-smsd runs now (undefined: cannot tell). A file gammu took
   * is left alone at its expiry only while gammu may still be sending it.
   */
  gammuRunning?: () => Promise<boolean | undefined>;
  /** True when gammu's log can be read. */
  hasLog: () => boolean;
  /** Reads gammu's log now and applies it; returns the events read. */
  readLog: () => Promise<GammuLogEvent[]>;
}

type WithdrawOutcome = 'gone' | 'sent' | 'withdrawn';

export class OutboxWatch {
  private head: { file: string; since: number } | undefined;

  constructor(private readonly o: OutboxWatchOptions) {}

  /** Handles what appeared in sent/ and error/. */
  async scan(): Promise<void> {
    const { journal, dirs, tracker, log } = this.o;
    for (const m of journal.inState('spooled', 'writing')) {
      if (!m.file) continue;
      if (await exists(join(dirs.sent, m.file))) {
        if (m.state === 'writing') journal.transition(m.id, 'spooled');
        const parts = m.totalParts ?? (m.parts.length || undefined);
        if (journal.transition(m.id, 'sent', parts ? { parts } : {})) log.info({ messageId: m.id, parts }, 'sent');
        tracker.forget(m.file);
      } else if (await exists(join(dirs.error, m.file))) {
        const detail = tracker.errorDetail(m.file);
        if (m.state === 'writing') journal.transition(m.id, 'spooled');
        if (journal.transition(m.id, 'failed', { detail })) log.warn({ messageId: m.id, detail }, 'failed');
        tracker.forget(m.file);
      }
    }
  }

  /** Expiry at the edge, and files stuck at the head of the queue. */
  async sweep(now: number): Promise<void> {
    const { journal, dirs, tracker, log, stuckSeconds, expiryMarginMs = 0 } = this.o;
    for (const m of journal.inState('spooled')) {
      if (!m.file || Date.parse(m.expiresAt) - expiryMarginMs > now) continue;
      // A file gammu took stays while gammu may be sending it. Once
      // gammu-smsd is known to be down nothing is under way: a restarted
      // gammu would take the file again and send it after its expiry (the
      // chaos test saw it 27 s late, gammu-smsd having taken 37 s to come
      // back), so it is withdrawn. If the modem had already sent it when
      // gammu was killed, the handset has it in time; the message is
      // recorded expired (the window docs/gateway.md describes).
      if (tracker.isTaken(m.file) && (await this.o.gammuRunning?.()) !== false) continue;
      const outcome = await this.withdraw(m.file, join(this.o.stateDir, 'expired'));
      if (outcome === 'gone') continue; // gammu has it: sent/ or error/ will tell.
      if (outcome === 'sent') {
        journal.transition(m.id, 'sent', { detail: 'sent while it was being withdrawn at its expiry' });
      } else if (journal.transition(m.id, 'expired', { detail: 'expired in the gateway outbox before gammu took it' })) {
        log.info({ messageId: m.id }, 'expired in outbox; withdrawn');
      }
    }
    const queue = await outboxQueue(dirs.outbox);
    // Forget what the log said about files that left the outbox (bounded memory).
    tracker.retain(new Set(queue));
    const first = queue[0];
    tracker.noteHead(first);
    if (!first) {
      this.head = undefined;
      return;
    }
    // The clock only runs while gammu-smsd runs and the modem is healthy: a
    // stopped or killed gammu-smsd or a lost network is not the file's fault.
    if (this.head?.file !== first || !(await this.o.healthy())) {
      this.head = { file: first, since: now };
      return;
    }
    // A head that does not move while the modem is healthy blocks every
    // file behind it; without a log this is the only way to notice.
    if (now - this.head.since >= stuckSeconds * 1000) {
      await this.quarantine(first, `gammu did not send it within ${stuckSeconds} s while the modem was healthy`);
      this.head = undefined;
    }
  }

  /**
   * The server refused a report on a message whose file is still in the
   * outbox: the message moved on (canceled, expired, or held by another
   * gateway). The file is taken back unless gammu has it already.
   */
  async withdrawRefused(id: string, serverStatus: string | undefined): Promise<void> {
    const { journal, log, tracker } = this.o;
    const m = journal.get(id);
    if (!m?.file || m.state !== 'spooled' || tracker.isTaken(m.file)) return;
    const outcome = await this.withdraw(m.file, join(this.o.stateDir, 'withdrawn'));
    if (outcome === 'gone') return; // gammu has it: sent/ or error/ will tell.
    if (outcome === 'sent') {
      journal.transition(m.id, 'sent', { detail: 'sent while it was being withdrawn' });
      return;
    }
    const why = serverStatus ? `the server has it ${serverStatus}` : 'the server no longer has it leased to this gateway';
    if (journal.mark(m.id, 'withdrawn', `withdrawn from the outbox: ${why}`)) log.warn({ messageId: m.id, serverStatus: serverStatus ?? null }, 'report refused; file withdrawn from the outbox');
  }

  /** Moves a failing file to error/ so the files behind it can go. */
  async quarantine(file: string, reason: string): Promise<void> {
    const { journal, log } = this.o;
    const outcome = await this.o.tracker.whileQuarantining(file, () => this.withdraw(file, this.o.dirs.error));
    if (outcome === 'gone') return;
    const m = journal.byFile(file);
    if (!m) {
      log.warn({ file, reason }, 'moved a foreign file that blocked the outbox to error/');
      return;
    }
    if (outcome === 'sent') {
      journal.transition(m.id, 'sent');
      return;
    }
    if (journal.transition(m.id, 'failed', { detail: reason })) {
      log.warn({ messageId: m.id, file, reason }, 'moved a failing file to error/ so the queue can move');
    }
  }

  /**
   * Takes a file away from gammu. Returns `gone` when gammu already moved
   * it, `sent` when gammu's log shows it went out while we took it (a race
   * the hidden rename cannot rule out), else `withdrawn`.
   */
  private async withdraw(file: string, destDir: string): Promise<WithdrawOutcome> {
    const ok = await withdrawFromOutbox(this.o.dirs.outbox, file, destDir);
    if (!ok) return 'gone';
    if (this.o.hasLog() && this.o.raceSettleMs > 0) {
      await sleep(this.o.raceSettleMs);
      const events = await this.o.readLog();
      if (events.some((ev) => ev.kind === 'transmitted' && ev.file === file)) return 'sent';
    }
    return 'withdrawn';
  }
}
