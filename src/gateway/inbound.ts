/**
 * gammu's inbox → the server. Promises:
 * - a received SMS (all its parts, once they have settled) is forwarded,
 *   and archived only after the server acknowledged it: a crash in between
 *   sends it again and the server ignores the repeated key;
 * - a delivery report is never forwarded as an SMS: gammu's log says so, or
 *   the file (`inboxformat = detail`), or, without either, a status word
 *   that matches a message waiting for its report; it is applied and
 *   archived;
 * - while the server refuses or cannot be reached, it backs off and loses
 *   nothing.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { InboundSms } from '../protocol/gateway.js';
import { Backoff } from './backoff.js';
import { logServerError, type GatewayClient } from './client.js';
import type { DeliveryReports } from './delivery-reports.js';
import { decodeInboxFile, groupInboxFiles, scanInbox, REPORT_WORDS, type InboxGroup } from './inbox.js';
import type { Logger } from './logger.js';
import { moveFile } from './spool.js';

export interface InboundOptions {
  inbox: string;
  /** Where forwarded files go (`<state>/inbox-archive`). */
  archive: string;
  client: Pick<GatewayClient, 'inbound'>;
  reports: DeliveryReports;
  log: Logger;
  /** Inbox files must be this old before they are read (gammu writes them in place). */
  settleMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Runs `fn` under the agent's lock (delivery reports change the journal). */
  serialize: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Applies what gammu's log says so far (it may name the report files). */
  drainLog: () => Promise<unknown>;
  signal: AbortSignal;
}

export class Inbound {
  /** Inbox files gammu logged, true when it called them delivery reports. */
  private readonly saved = new Map<string, boolean>();
  private readonly backoff: Backoff;
  private backoffUntil = 0;

  constructor(private readonly o: InboundOptions) {
    this.backoff = new Backoff(o.backoffBaseMs, o.backoffCapMs);
  }

  /** gammu's log named an inbox file it saved. */
  noteSaved(file: string, report: boolean): void {
    this.saved.set(file, report);
  }

  /** False while backing off after a failed forward. */
  due(now: number): boolean {
    return now >= this.backoffUntil;
  }

  async process(): Promise<void> {
    const { o } = this;
    const files = await scanInbox(o.inbox);
    if (files.length === 0) return;
    await o.serialize(() => o.drainLog());
    const now = Date.now();
    const ready = groupInboxFiles(files).filter((g) => now - g.lastWriteMs >= o.settleMs);
    const inbound: Array<{ group: InboxGroup; sms: InboundSms }> = [];
    for (const g of ready) {
      const contents = [];
      for (const f of g.files) {
        try {
          contents.push(decodeInboxFile(f.name, await fs.readFile(join(o.inbox, f.name))));
        } catch {
          contents.push(undefined);
        }
      }
      if (contents.some((c) => c === undefined)) continue;
      const first = contents[0]!;
      // A delivery report: gammu said so in its log, or (detail format) in
      // the file; without a log, a report's text and a waiting message.
      const logged = this.saved.get(g.key);
      const text = contents.map((c) => c!.text).join('');
      let isReport = false;
      if (first.statusReport) {
        isReport = true;
        const sr = first.statusReport;
        await o.serialize(async () => o.reports.apply({ status: sr.status, number: sr.number || g.sender, reference: sr.reference }));
      } else if (logged === true || (logged === undefined && (REPORT_WORDS as readonly string[]).includes(text.trim()))) {
        // Not in the log we read (no log file, or written before our start):
        // a status word counts as a report only if a message waits for one.
        const status = text.trim();
        const matched = await o.serialize(async () => o.reports.apply({ status, number: g.sender }));
        isReport = logged === true || matched;
      }
      if (isReport) {
        await this.archive(g);
        continue;
      }
      inbound.push({
        group: g,
        sms: {
          key: g.key.slice(0, 200),
          from: g.sender.slice(0, 40) || 'unknown',
          text: text.slice(0, 10_000),
          received_at: new Date(g.lastWriteMs).toISOString(),
          parts: Math.min(255, Math.max(1, first.parts ?? g.files.length)),
        },
      });
    }
    for (let i = 0; i < inbound.length; i += 200) {
      const batch = inbound.slice(i, i + 200);
      try {
        await o.client.inbound(
          batch.map((b) => b.sms),
          o.signal,
        );
        this.backoff.reset();
      } catch (err) {
        if (o.signal.aborted) return;
        const delay = this.backoff.next();
        this.backoffUntil = Date.now() + delay;
        logServerError(o.log, err, 'inbound', delay, this.backoff.failures);
        return;
      }
      // Archived only after the server acknowledged: a crash in between
      // sends them again, and the server ignores the repeated keys.
      for (const b of batch) await this.archive(b.group);
      o.log.info({ count: batch.length }, 'received SMS forwarded');
    }
  }

  private async archive(g: InboxGroup): Promise<void> {
    for (const f of g.files) {
      try {
        await moveFile(join(this.o.inbox, f.name), join(this.o.archive, f.name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      this.saved.delete(f.name);
    }
  }
}
