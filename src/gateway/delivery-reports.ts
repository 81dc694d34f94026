/**
 * Delivery reports → message states. Promises:
 * - a report is matched to one transmitted part that still waits for its
 *   report: by message reference and number when gammu gave the reference,
 *   else to the oldest such part sent to that number;
 * - a message is `delivered` only when every part is, and `failed` as soon
 *   as one part is reported not delivered;
 * - a report that matches nothing changes nothing.
 */
import type { Journal, MessageRecord } from './journal.js';
import type { Logger } from './logger.js';

export interface DeliveryReport {
  /** `Delivered`, `Failed`, `Pending`, … as gammu writes it. */
  status: string;
  number: string;
  reference?: number;
}

export class DeliveryReports {
  constructor(
    private readonly journal: Journal,
    private readonly log: Logger,
  ) {}

  /** Applies one report; false when no message waits for it. */
  apply({ status, number, reference }: DeliveryReport): boolean {
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
