/**
 * The agent's local memory: an append-only JSON-lines file in the state
 * folder, fsynced after every append and compacted on start. It makes four
 * promises:
 *
 * - a message id is written to the outbox at most once, whatever crashes,
 *   restarts or repeated leases happen (the `msg` record is durable before
 *   the file is created, and a repeated lease finds it);
 * - a message is written only after the server recorded this gateway's
 *   claim on it: it is recorded `claiming` (no file may exist), and only
 *   a `claimed` answer moves it to `writing`, the one state a file is
 *   created from; a refused claim ends it `released` (never written, never
 *   reported; leased here again, it starts over), and a file withdrawn
 *   because the server said the message moved on ends it `withdrawn`;
 * - a report is durable before it is sent, and stays pending until the
 *   server acknowledges it, so none is lost;
 * - states only move forward (`claiming → writing → spooled → sent →
 *   delivered`, or a final `failed`/`expired`/`released`/`withdrawn`), so
 *   a rescan never reports twice.
 *
 * No database and no native module: the agent must run as one JS file on a
 * Raspberry Pi, and a few records per SMS is nothing for a text file.
 */
import { openSync, writeSync, fdatasyncSync, closeSync, readFileSync, renameSync, mkdirSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import type { Priority, Report, ReportStatus } from '../protocol/gateway.js';
import type { LogCursor } from './gammu-log.js';

/**
 * Local state of a message. `claiming`: recorded, its claim not answered
 * yet, no file. `writing`: claimed (or recorded by an agent from before
 * claims), file not known to be in the outbox. `released`: the server
 * refused the claim; never written. `withdrawn`: the file was taken back
 * from the outbox because the server said the message moved on. Both are
 * final and never reported (the server already knows better).
 */
export type LocalState = 'claiming' | 'writing' | 'released' | 'withdrawn' | ReportStatus;

/** A part that gammu transmitted (from its log), for delivery-report matching. */
export interface TransmittedPart {
  part: number;
  reference: number;
  number: string;
  at: string;
  /** Delivery-report status once one arrived for this part. */
  report?: string;
}

/** Everything the agent remembers about one leased message (never its text). */
export interface MessageRecord {
  id: string;
  /** Outbox file name; absent when the message was never written. */
  file?: string;
  to: string;
  priority: Priority;
  expiresAt: string;
  deliveryReport: boolean;
  state: LocalState;
  detail?: string;
  parts: TransmittedPart[];
  /** Number of parts, once gammu logged the last one. */
  totalParts?: number;
  updatedAt: string;
}

type JournalRecord =
  | { t: 'msg'; id: string; file?: string; to: string; priority: Priority; expires_at: string; dr: boolean; at: string; state?: LocalState }
  | { t: 'state'; id: string; state: LocalState; at: string; detail?: string }
  | { t: 'tx'; id: string; part: number; total: boolean; ref: number; number: string; at: string }
  | { t: 'dr'; id: string; part: number; status: string; at: string }
  | { t: 'report'; seq: number; r: Report }
  | { t: 'ack'; seqs: number[] }
  | { t: 'log'; ino: number; offset: number };

const RANK: Record<LocalState, number> = { claiming: 0, writing: 1, spooled: 2, sent: 3, delivered: 4, failed: 4, expired: 4, released: 4, withdrawn: 4 };

/** True when a message may move from `from` to `to`. */
export function canTransition(from: LocalState, to: LocalState): boolean {
  if (to === 'expired') return from === 'claiming' || from === 'writing' || from === 'spooled';
  if (to === 'failed') return RANK[from] < 4;
  if (to === 'released') return from === 'claiming' || from === 'writing';
  if (to === 'withdrawn') return from === 'writing' || from === 'spooled';
  if (to === 'claiming') return false;
  if (to === 'writing') return from === 'claiming';
  // Nothing unclaimed was written, so nothing unclaimed is spooled or sent.
  if (from === 'claiming') return false;
  return RANK[to] > RANK[from];
}

export interface JournalOptions {
  /** Final messages older than this are dropped at compaction. */
  retentionMs?: number;
  now?: () => Date;
}

/** The journal file `journal.jsonl` in a state folder. */
export class Journal {
  private fd: number | undefined;
  private readonly messages = new Map<string, MessageRecord>();
  private readonly byFileName = new Map<string, string>();
  private readonly pending = new Map<number, Report>();
  private nextSeq = 1;
  private logCursor: LogCursor | undefined;
  private readonly now: () => Date;
  private readonly retentionMs: number;
  readonly path: string;

  constructor(
    readonly dir: string,
    { retentionMs = 7 * 24 * 3600_000, now = () => new Date() }: JournalOptions = {},
  ) {
    this.path = join(dir, 'journal.jsonl');
    this.now = now;
    this.retentionMs = retentionMs;
  }

  /** Loads the journal, compacts it and opens it for appending. */
  open(): void {
    mkdirSync(this.dir, { recursive: true });
    let text = '';
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      let rec: JournalRecord;
      try {
        rec = JSON.parse(line) as JournalRecord;
      } catch {
        // Only the last line can be torn (crash mid-append); skip it.
        continue;
      }
      this.apply(rec);
    }
    this.compact();
    this.fd = openSync(this.path, 'a', 0o600);
  }

  /** Flushes and closes the file. */
  close(): void {
    if (this.fd === undefined) return;
    fdatasyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }

  private apply(rec: JournalRecord): void {
    switch (rec.t) {
      case 'msg': {
        const m: MessageRecord = {
          id: rec.id,
          to: rec.to,
          priority: rec.priority,
          expiresAt: rec.expires_at,
          deliveryReport: rec.dr,
          state: rec.state ?? 'writing',
          parts: [],
          updatedAt: rec.at,
        };
        if (rec.file) m.file = rec.file;
        this.messages.set(rec.id, m);
        if (rec.file) this.byFileName.set(rec.file, rec.id);
        break;
      }
      case 'state': {
        const m = this.messages.get(rec.id);
        if (!m) break;
        m.state = rec.state;
        m.updatedAt = rec.at;
        if (rec.detail !== undefined) m.detail = rec.detail;
        break;
      }
      case 'tx': {
        const m = this.messages.get(rec.id);
        if (!m) break;
        m.parts = m.parts.filter((p) => p.part !== rec.part);
        m.parts.push({ part: rec.part, reference: rec.ref, number: rec.number, at: rec.at });
        if (rec.total) m.totalParts = rec.part;
        break;
      }
      case 'dr': {
        const p = this.messages.get(rec.id)?.parts.find((x) => x.part === rec.part);
        if (p) p.report = rec.status;
        break;
      }
      case 'report':
        this.pending.set(rec.seq, rec.r);
        this.nextSeq = Math.max(this.nextSeq, rec.seq + 1);
        break;
      case 'ack':
        for (const s of rec.seqs) this.pending.delete(s);
        break;
      case 'log':
        this.logCursor = { ino: rec.ino, offset: rec.offset };
        break;
    }
  }

  private append(recs: JournalRecord[]): void {
    if (this.fd === undefined) throw new Error('journal is not open');
    for (const r of recs) this.apply(r);
    writeSync(this.fd, recs.map((r) => JSON.stringify(r) + '\n').join(''));
    fdatasyncSync(this.fd);
  }

  /** Rewrites the file with only what is still needed (atomic replace). */
  private compact(): void {
    const cutoff = this.now().getTime() - this.retentionMs;
    const pendingIds = new Set([...this.pending.values()].map((r) => r.message_id));
    const recs: JournalRecord[] = [];
    for (const m of [...this.messages.values()]) {
      // `sent` counts as done here too: a delivery report after a week will not come.
      // An unanswered claim of an expired message is done too: it was never written.
      const done = (m.state !== 'writing' && m.state !== 'spooled' && m.state !== 'claiming') || (m.state === 'claiming' && Date.parse(m.expiresAt) < cutoff);
      if (done && Date.parse(m.updatedAt) < cutoff && !pendingIds.has(m.id)) {
        this.messages.delete(m.id);
        if (m.file) this.byFileName.delete(m.file);
        continue;
      }
      const msg: JournalRecord = { t: 'msg', id: m.id, to: m.to, priority: m.priority, expires_at: m.expiresAt, dr: m.deliveryReport, at: m.updatedAt, state: m.state };
      if (m.file) msg.file = m.file;
      recs.push(msg);
      if (m.detail !== undefined) recs.push({ t: 'state', id: m.id, state: m.state, at: m.updatedAt, detail: m.detail });
      for (const p of m.parts) {
        recs.push({ t: 'tx', id: m.id, part: p.part, total: m.totalParts === p.part, ref: p.reference, number: p.number, at: p.at });
        if (p.report) recs.push({ t: 'dr', id: m.id, part: p.part, status: p.report, at: p.at });
      }
    }
    for (const [seq, r] of this.pending) recs.push({ t: 'report', seq, r });
    if (this.logCursor) recs.push({ t: 'log', ...this.logCursor });
    const tmp = this.path + '.tmp';
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, recs.map((r) => JSON.stringify(r) + '\n').join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const dfd = openSync(this.dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }

  /** The record of a message, if it was ever leased here. */
  get(id: string): MessageRecord | undefined {
    return this.messages.get(id);
  }

  /** The message an outbox/sent/error file name belongs to. */
  byFile(name: string): MessageRecord | undefined {
    const id = this.byFileName.get(name);
    return id === undefined ? undefined : this.messages.get(id);
  }

  /** Messages currently in a state. */
  inState(...states: LocalState[]): MessageRecord[] {
    return [...this.messages.values()].filter((m) => states.includes(m.state));
  }

  /**
   * Records a message before its file is created, so a crash during the
   * write can never lead to a second write: `claiming` until the server
   * answers its claim, or `writing` (the default, and what a record from
   * before claims means).
   */
  recordMessage(m: { id: string; file?: string; to: string; priority: Priority; expiresAt: string; deliveryReport: boolean }, state: 'claiming' | 'writing' = 'writing'): void {
    const rec: JournalRecord = { t: 'msg', id: m.id, to: m.to, priority: m.priority, expires_at: m.expiresAt, dr: m.deliveryReport, at: this.now().toISOString() };
    if (m.file) rec.file = m.file;
    if (state !== 'writing') rec.state = state;
    this.append([rec]);
  }

  /**
   * A move the server is not told of: `writing` (the claim was granted),
   * `released` (refused) or `withdrawn` (taken back because the message
   * moved on). Returns false (and records nothing) when the move is not
   * forward.
   */
  mark(id: string, state: 'writing' | 'released' | 'withdrawn', detail?: string): boolean {
    const m = this.messages.get(id);
    if (!m || !canTransition(m.state, state)) return false;
    const rec: JournalRecord = { t: 'state', id, state, at: this.now().toISOString() };
    if (detail !== undefined) rec.detail = detail.slice(0, 500);
    this.append([rec]);
    return true;
  }

  /**
   * Moves a message to a new state and queues the matching report, in one
   * durable append. Returns false (and records nothing) when the move is
   * not forward.
   */
  transition(id: string, state: ReportStatus, { detail, parts, at = this.now() }: { detail?: string; parts?: number; at?: Date } = {}): boolean {
    const m = this.messages.get(id);
    if (!m || !canTransition(m.state, state)) return false;
    const when = at.toISOString();
    const report: Report = { message_id: id, status: state, at: when };
    if (detail !== undefined) report.detail = detail.slice(0, 500);
    if (parts !== undefined && parts >= 1 && parts <= 255) report.parts = parts;
    const rec: JournalRecord = { t: 'state', id, state, at: when };
    if (detail !== undefined) rec.detail = detail.slice(0, 500);
    this.append([rec, { t: 'report', seq: this.nextSeq, r: report }]);
    return true;
  }

  /** Queues a report again (the server asked for the message again: its ack may have been lost). */
  requeueReport(report: Report): void {
    this.append([{ t: 'report', seq: this.nextSeq, r: report }]);
  }

  /** Records a transmitted part. */
  recordTransmitted(id: string, p: { part: number; total: boolean; reference: number; number: string; at?: Date }): void {
    this.append([{ t: 'tx', id, part: p.part, total: p.total, ref: p.reference, number: p.number, at: (p.at ?? this.now()).toISOString() }]);
  }

  /** Records a delivery report for one part. */
  recordPartReport(id: string, part: number, status: string): void {
    this.append([{ t: 'dr', id, part, status, at: this.now().toISOString() }]);
  }

  /** Reports not yet acknowledged, oldest first. */
  pendingReports(): Array<{ seq: number; report: Report }> {
    return [...this.pending.entries()].sort((a, b) => a[0] - b[0]).map(([seq, report]) => ({ seq, report }));
  }

  /** Number of reports waiting for the server. */
  pendingCount(): number {
    return this.pending.size;
  }

  /** Marks reports as acknowledged by the server. */
  ack(seqs: number[]): void {
    if (seqs.length) this.append([{ t: 'ack', seqs }]);
  }

  /** The saved position in gammu's log. */
  logPosition(): LogCursor | undefined {
    // A copy, so no reader can move the saved position without saving it.
    return this.logCursor && { ino: this.logCursor.ino, offset: this.logCursor.offset };
  }

  /** Saves the position in gammu's log (after its events were applied). */
  saveLogPosition(c: LogCursor): void {
    if (this.logCursor && this.logCursor.ino === c.ino && this.logCursor.offset === c.offset) return;
    this.append([{ t: 'log', ino: c.ino, offset: c.offset }]);
  }
}
