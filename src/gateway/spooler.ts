/**
 * Leased messages → files in gammu's outbox. Promises:
 * - a message is written at most once: its file name is journaled before
 *   the file exists, and a message leased again is answered from the
 *   journal (its reports are queued again) instead of being written twice;
 * - an expired message or one whose recipient gammu would mangle is
 *   reported (`expired`, `failed`) and never written;
 * - after a crash, {@link Spooler.recover} removes half-written temp files,
 *   finishes interrupted withdrawals and finds files whose write completed.
 */
import { join } from 'node:path';
import type { LeasedMessage, Report } from '../protocol/gateway.js';
import { writeFileAtomic } from '../gammu/atomic-write.js';
import { buildOutboxName, isValidRecipient } from '../gammu/names.js';
import { encodeOutboxText } from '../gammu/text.js';
import type { Journal, MessageRecord } from './journal.js';
import type { Logger } from './logger.js';
import type { SpoolDirs } from './smsdrc.js';
import { exists, moveFile, pendingWithdrawals, removeStaleTemps, WITHDRAWN_PREFIX } from './spool.js';

export class Spooler {
  private serial = 0;

  constructor(
    private readonly dirs: SpoolDirs,
    private readonly stateDir: string,
    private readonly journal: Journal,
    private readonly log: Logger,
  ) {}

  /** Writes one leased message into the outbox, or reports why not. */
  async handleLeased(m: LeasedMessage): Promise<void> {
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
      await this.write(m, file);
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
    await this.write(m, file);
  }

  /** Cleans up after a crash: temp files, half-done withdrawals, unfinished writes. */
  async recover(): Promise<void> {
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

  private async write(m: LeasedMessage, file: string): Promise<void> {
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
}
