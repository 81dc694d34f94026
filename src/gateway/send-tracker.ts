/**
 * What gammu's log says about the files gammu is sending, and which file
 * each failed attempt is charged to. Promises:
 * - a file gammu has started on (an attempt, a transmitted part or a
 *   failure) counts as taken until it leaves the outbox, so it is never
 *   withdrawn at its expiry while gammu may be sending it;
 * - each failure gammu logs is charged to the file gammu was sending, or
 *   to none when the log and the outbox cannot tell which one it was (a
 *   file gammu finished sending is never charged for the next one's
 *   failure); a file is given up only once its own count reaches
 *   `maxAttempts` (never while it is already being moved away);
 * - what it knows about a file is forgotten once the file leaves the outbox
 *   (memory stays bounded however long the agent runs).
 */

/** Failed attempts of one outbox file, with gammu's last reason. */
export interface Failure {
  count: number;
  reason: string;
}

/** A failure charged to a file; `giveUp` when the file should leave the outbox. */
export interface Charge extends Failure {
  file: string;
  giveUp: boolean;
}

export class SendTracker {
  private readonly taken = new Set<string>();
  private readonly failures = new Map<string, Failure>();
  /** Files gammu could not read and moved to error/ itself. */
  private readonly outboxErrors = new Set<string>();
  /** The file gammu named last and is still sending (announced, or part of it transmitted). */
  private lastAttempt: string | undefined;
  /** Files seen at the head of the outbox since gammu last finished with one. */
  private readonly recentHeads = new Set<string>();
  private lastSendStatus: number | undefined;
  /** The file being moved to error/ right now, if any. */
  private quarantining: string | undefined;

  constructor(private readonly maxAttempts: number) {}

  /** gammu announced the file it is about to send (NOTICE, debuglevel 1). */
  attempt(file: string): void {
    this.lastAttempt = file;
    this.lastSendStatus = undefined;
    this.taken.add(file);
  }

  /** A part of `file` went out; `total` when it was the last one. */
  transmitted(file: string, total: boolean): void {
    this.taken.add(file);
    if (!total) {
      // A failure before the last part is this file's (gammu resends it whole).
      this.lastAttempt = file;
      return;
    }
    // Done with this file: the next failure is another file's.
    this.failures.delete(file);
    this.lastAttempt = undefined;
    this.recentHeads.clear();
  }

  /** The outbox's head as the agent saw it (every tick). */
  noteHead(file: string | undefined): void {
    if (file) this.recentHeads.add(file);
  }

  /** The modem's status code for the current send (NOTICE line). */
  sendStatus(status: number): void {
    this.lastSendStatus = status;
  }

  /** gammu-smsd (re)started: whatever it was sending is no longer under way. */
  started(): void {
    this.lastAttempt = undefined;
    this.recentHeads.clear();
  }

  outboxError(file: string): void {
    this.outboxErrors.add(file);
  }

  /**
   * gammu logged a failed attempt without naming the file (its log names
   * the file only at debuglevel 1, which also logs message texts). It is
   * the one gammu last named and had not finished, or the file being moved
   * away right now (gammu read it before it left; its last failures arrive
   * while it is withdrawn), or else the head of the outbox, which is what
   * gammu takes — but only when one file alone was at the head since gammu
   * finished with the previous one: a file written ahead of it in the
   * meantime may or may not be the one gammu took, and then no file is
   * charged (the stuck-file clock remains).
   * @param queue the outbox as gammu orders it, read now
   */
  async sendError(reason: string, queue: () => Promise<string[]>): Promise<Charge | undefined> {
    const file = this.lastAttempt ?? this.quarantining ?? (await this.soleHead(queue));
    this.lastAttempt = undefined;
    this.recentHeads.clear();
    if (!file) return undefined;
    this.taken.add(file);
    const f = this.failures.get(file) ?? { count: 0, reason: '' };
    f.count++;
    f.reason = `gammu: ${reason}${this.lastSendStatus !== undefined && this.lastSendStatus > 0 ? ` (modem status ${this.lastSendStatus})` : ''}`;
    this.failures.set(file, f);
    return { file, count: f.count, reason: f.reason, giveUp: f.count >= this.maxAttempts && file !== this.quarantining };
  }

  private async soleHead(queue: () => Promise<string[]>): Promise<string | undefined> {
    const now = await queue();
    const present = new Set(now);
    const candidates = new Set([...this.recentHeads].filter((f) => present.has(f)));
    if (now[0]) candidates.add(now[0]);
    return candidates.size === 1 ? [...candidates][0] : undefined;
  }

  isTaken(file: string): boolean {
    return this.taken.has(file);
  }

  failure(file: string): Failure | undefined {
    const f = this.failures.get(file);
    return f && { ...f };
  }

  /** Why gammu moved `file` to its error folder, as far as the log tells. */
  errorDetail(file: string): string {
    const f = this.failures.get(file);
    if (f) return f.reason;
    return this.outboxErrors.has(file) ? 'gammu could not read the outbox file' : 'gammu moved the file to its error folder';
  }

  /** Runs `fn` while `file` is being moved out of the outbox; its count is then dropped. */
  async whileQuarantining<T>(file: string, fn: () => Promise<T>): Promise<T> {
    this.quarantining = file;
    let result: T;
    try {
      result = await fn();
    } finally {
      this.quarantining = undefined;
    }
    this.failures.delete(file);
    return result;
  }

  /** `file` reached sent/ or error/. */
  forget(file: string): void {
    this.failures.delete(file);
    this.outboxErrors.delete(file);
  }

  /** Forgets files that are no longer in the outbox. */
  retain(present: ReadonlySet<string>): void {
    for (const f of this.taken) if (!present.has(f)) this.taken.delete(f);
    for (const f of this.failures.keys()) if (!present.has(f)) this.failures.delete(f);
  }
}
