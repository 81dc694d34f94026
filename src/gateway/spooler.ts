/**
 * Leased messages → files in gammu's outbox. Promises:
 * - a message is written at most once: its file name is journaled before
 *   the file exists, and a message leased again is answered from the
 *   journal (its reports are queued again) instead of being written twice;
 * - a message is written only once the server answered its claim
 *   `claimed` (prepare, then claimAnswered); a `lost` one is released,
 *   never written;
 * - an expired message or one whose recipient gammu would mangle is
 *   reported (`expired`, `failed`) and never written;
 * - after a crash, {@link Spooler.recover} removes half-written temp files,
 *   finishes interrupted withdrawals (also those whose file had already
 *   left the outbox) and finds files whose write completed.
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
    /** A message this close to its expiry is not written (see AgentOptions.expiryMarginSeconds). */
    private readonly expiryMarginMs = 0,
  ) {}

  /**
   * First step for a leased message: answers it from the journal when it
   * is known (reports queued again, or the file of an interrupted write
   * found), reports an expired or unsendable one, and otherwise records it
   * `claiming` (durable before the claim is sent). Returns true when the
   * message waits for its claim: then call {@link Spooler.claimAnswered}.
   */
  async prepare(m: LeasedMessage): Promise<boolean> {
    let known = this.journal.get(m.id);
    // Refused before and never written: leased here again, it starts over.
    if (known?.state === 'released') known = undefined;
    if (known && known.state !== 'writing' && known.state !== 'claiming') {
      // The server asked again: our report may not have reached it. Say
      // where the message is instead of writing it a second time.
      this.requeueState(known);
      this.log.info({ messageId: m.id, state: known.state }, 'message leased again; not written twice');
      return false;
    }
    const now = Date.now();
    if (!known) {
      const base = { id: m.id, to: m.to, priority: m.priority, expiresAt: m.expires_at, deliveryReport: m.delivery_report };
      if (Date.parse(m.expires_at) - this.expiryMarginMs <= now) {
        this.journal.recordMessage(base);
        this.journal.transition(m.id, 'expired', { detail: this.expiryDetail(m.expires_at, now) });
        this.log.info({ messageId: m.id }, 'message already expired; not written');
        return false;
      }
      if (!isValidRecipient(m.to)) {
        this.journal.recordMessage(base);
        this.journal.transition(m.id, 'failed', { detail: 'recipient is not a number gammu can send to' });
        return false;
      }
      const file = buildOutboxName({
        priority: m.priority,
        createdAt: new Date(m.created_at),
        serial: this.serial++,
        to: m.to,
        messageId: m.id,
        deliveryReport: m.delivery_report,
      });
      // Durable before the claim and the file: a crash after this line never leads to a second file.
      this.journal.recordMessage({ ...base, file }, 'claiming');
      return true;
    }
    if (known.state === 'writing') {
      // Claimed but not known to be written (a crash mid-write): look for it.
      const where = await this.locate(known.file!);
      if (where) {
        this.journal.transition(known.id, 'spooled');
        this.log.info({ messageId: m.id, where }, 'found the file of an interrupted write');
        return false;
      }
    }
    if (Date.parse(m.expires_at) - this.expiryMarginMs <= now) {
      this.journal.transition(known.id, 'expired', { detail: this.expiryDetail(m.expires_at, now) });
      return false;
    }
    // A claim that was never answered, or a write that never happened: claim (again; claims repeat harmlessly).
    return true;
  }

  /**
   * Second step, with the server's answer to the claim: `claimed` writes
   * the file (once: the journal moves to `writing` first), `lost` releases
   * the message without writing or reporting it.
   */
  async claimAnswered(m: LeasedMessage, outcome: 'claimed' | 'lost', status?: string): Promise<void> {
    const known = this.journal.get(m.id);
    if (!known || (known.state !== 'claiming' && known.state !== 'writing')) return;
    if (outcome === 'lost') {
      this.journal.mark(m.id, 'released', `claim refused: the server has the message ${status ?? 'elsewhere'}`);
      this.log.info({ messageId: m.id, status: status ?? null }, 'claim refused; not written');
      return;
    }
    // The claim may have taken retries: a message now too close to its expiry is not written.
    const now = Date.now();
    if (known.state === 'claiming' && Date.parse(m.expires_at) - this.expiryMarginMs <= now) {
      this.journal.transition(m.id, 'expired', { detail: this.expiryDetail(m.expires_at, now) });
      return;
    }
    if (known.state === 'claiming') this.journal.mark(m.id, 'writing');
    await this.write(m, known.file!);
  }

  /** Writes one leased message, claiming it through `claim` (tests and simple callers). */
  async handleLeased(m: LeasedMessage, claim: (id: string) => Promise<{ outcome: 'claimed' | 'lost'; status?: string }> = async () => ({ outcome: 'claimed' })): Promise<void> {
    if (!(await this.prepare(m))) return;
    const { outcome, status } = await claim(m.id);
    await this.claimAnswered(m, outcome, status);
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
    await this.recoverTakenBack();
  }

  /**
   * A withdrawal (at expiry, or after a refused report) moves the file out
   * of the outbox, waits to see whether gammu's log shows it sent, then
   * records the outcome. A crash in between left the message `spooled`
   * with its file in our expired/ or withdrawn/ folder: neither gammu's
   * sent/ nor error/ will ever tell what became of it, so it would stay
   * `spooled` for good. Finished here as the interrupted step would have.
   */
  private async recoverTakenBack(): Promise<void> {
    for (const m of this.journal.inState('spooled')) {
      if (!m.file || (await this.locate(m.file))) continue;
      const where = (await exists(join(this.stateDir, 'expired', m.file))) ? 'expired' : (await exists(join(this.stateDir, 'withdrawn', m.file))) ? 'withdrawn' : undefined;
      if (!where) continue;
      // gammu's log (read before this runs) showed it going out while it was taken away.
      if (m.parts.length > 0) this.journal.transition(m.id, 'sent', { detail: 'sent while it was being withdrawn' });
      else if (where === 'expired' || Date.parse(m.expiresAt) <= Date.now()) this.journal.transition(m.id, 'expired', { detail: 'expired in the gateway outbox before gammu took it' });
      else this.journal.mark(m.id, 'withdrawn', 'withdrawn from the outbox after a refused report (gateway restarted mid-way)');
      this.log.info({ messageId: m.id, file: m.file, state: this.journal.get(m.id)?.state }, 'finished a withdrawal interrupted by a restart');
    }
  }

  private async write(m: LeasedMessage, file: string): Promise<void> {
    await writeFileAtomic(this.dirs.outbox, file, encodeOutboxText(m.text));
    this.journal.transition(m.id, 'spooled');
    this.log.info({ messageId: m.id, file, priority: m.priority }, 'spooled');
  }

  private expiryDetail(expiresAt: string, now: number): string {
    return Date.parse(expiresAt) <= now
      ? 'expired before it reached the gateway outbox'
      : `within ${Math.round(this.expiryMarginMs / 1000)} s of its expiry before it reached the gateway outbox (too late to send)`;
  }

  private async locate(file: string): Promise<'outbox' | 'sent' | 'error' | undefined> {
    for (const where of ['outbox', 'sent', 'error'] as const) {
      if (await exists(join(this.dirs[where], file))) return where;
    }
    return undefined;
  }

  private requeueState(m: MessageRecord): void {
    const at = m.updatedAt;
    if (m.state === 'withdrawn') {
      // Taken back once because the server said it moved on: writing it again could send it twice.
      this.journal.requeueReport({ message_id: m.id, status: 'failed', at, detail: "withdrawn from this gateway's outbox earlier; not written twice" });
      return;
    }
    const reports: Report[] = [];
    if (m.file && m.state !== 'claiming' && m.state !== 'released') reports.push({ message_id: m.id, status: 'spooled', at });
    if (m.state !== 'spooled' && m.state !== 'writing' && m.state !== 'claiming' && m.state !== 'released') {
      const r: Report = { message_id: m.id, status: m.state, at };
      if (m.detail) r.detail = m.detail;
      reports.push(r);
    }
    for (const r of reports) this.journal.requeueReport(r);
  }
}
