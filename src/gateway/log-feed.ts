/**
 * gammu-smsd's log as a feed of events for the agent. Promises:
 * - each line is applied once across restarts: the position is saved in
 *   the journal after the events read were applied (a failure line names
 *   no file, so a replayed one would be charged to whatever file is then
 *   at the head of the outbox);
 * - a first start (no saved position, or a rotated log) begins at the
 *   log's end, so ancient history is not replayed;
 * - without a log file (`logfile = syslog` or none) the feed is empty.
 */
import { LogTailer, parseGammuLogLine, type GammuLogEvent } from './gammu-log.js';
import type { Journal } from './journal.js';

export class GammuLogFeed {
  private tailer: LogTailer | undefined;

  constructor(
    private readonly logfile: string | undefined,
    private readonly journal: Journal,
  ) {}

  /** Opens the log where the last run stopped (the journal must be open). */
  async start(): Promise<void> {
    if (!this.logfile) return;
    // Go on from where the last run stopped (Transmitted lines written
    // while the agent was down still count); else from the log's end.
    this.tailer = new LogTailer(this.logfile, this.journal.logPosition());
    await this.tailer.start();
  }

  get available(): boolean {
    return this.tailer !== undefined;
  }

  /** Reads the new lines, applies their events in order, saves the position; returns the events. */
  async drain(apply: (ev: GammuLogEvent) => Promise<void>): Promise<GammuLogEvent[]> {
    if (!this.tailer) return [];
    const events: GammuLogEvent[] = [];
    for (const line of await this.tailer.poll()) {
      const ev = parseGammuLogLine(line);
      if (!ev) continue;
      events.push(ev);
      await apply(ev);
    }
    this.save();
    return events;
  }

  /** Saves how far the log was applied (a no-op when unchanged). */
  save(): void {
    const pos = this.tailer?.position();
    if (pos) this.journal.saveLogPosition(pos);
  }
}
