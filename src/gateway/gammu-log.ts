/**
 * Follows gammu-smsd's log file and turns the lines the agent needs into
 * events. gammu 1.42 always writes its INFO and ERROR lines whatever
 * `debuglevel` says; `New message to send` and the `deliveryreport = log`
 * lines are NOTICE lines (debuglevel 1), which also log every message text,
 * so the agent works without them.
 *
 * Line shape: `Wed 2026/11/25 23:07:41 gammu-smsd[9624]: <message>`.
 */
import { promises as fs } from 'node:fs';
import { isPlainFileName } from '../gammu/names.js';

export type GammuLogEvent =
  /** gammu started an attempt at this outbox file (NOTICE). */
  | { kind: 'attempt'; file: string }
  /** A part went out; `total` when it was the last part. */
  | { kind: 'transmitted'; file: string; part: number; total: boolean; number: string; reference: number }
  /** An attempt failed; gammu does not say which file (see the agent). */
  | { kind: 'send-error'; reason: string }
  /** The modem answered the send with an error status (NOTICE line, CMS code). */
  | { kind: 'send-status'; status: number; reference: number }
  /** gammu could not read an outbox file and moved it to error/. */
  | { kind: 'outbox-error'; file: string }
  /** An inbox file gammu just saved; `report` when it is a delivery report. */
  | { kind: 'saved'; file: string; report: boolean }
  /** `deliveryreport = log`: a report logged instead of saved (NOTICE). */
  | { kind: 'delivery-report'; status: string; number: string; reference: number }
  /** gammu-smsd started (its config summary line). */
  | { kind: 'started' };

const PREFIX = /^\w{3} \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} [^:]*?\[\d+\]: (.*)$/;

/**
 * Parses one log line; undefined for lines the agent does not use. A line
 * that names a file which is not a plain name in the folder (`..`, `a/b`,
 * `../x`) is rejected too: gammu only ever names files it read from its
 * folders, and the agent moves files by these names.
 */
export function parseGammuLogLine(line: string): GammuLogEvent | undefined {
  const ev = parseLine(line);
  return ev && 'file' in ev && !isPlainFileName(ev.file) ? undefined : ev;
}

function parseLine(line: string): GammuLogEvent | undefined {
  const p = PREFIX.exec(line);
  const msg = (p ? p[1]! : line).trimEnd();
  let m: RegExpExecArray | null;
  if ((m = /^New message to send: (\S+)$/.exec(msg))) return { kind: 'attempt', file: m[1]! };
  if ((m = /^Transmitted (\S+) \((part|total): (\d+)\) to (.*), message reference 0x([0-9a-fA-F]+)$/.exec(msg))) {
    return {
      kind: 'transmitted',
      file: m[1]!,
      total: m[2] === 'total',
      part: Number(m[3]),
      number: m[4]!,
      reference: parseInt(m[5]!, 16),
    };
  }
  if ((m = /^(Error sending SMS|Error getting send status of message): (.*)$/.exec(msg))) {
    return { kind: 'send-error', reason: `${m[1]}: ${m[2]}` };
  }
  if ((m = /^SMS sent on device: ".*" status=(-?\d+), reference=(-?\d+)$/.exec(msg))) {
    return { kind: 'send-status', status: Number(m[1]), reference: Number(m[2]) };
  }
  if ((m = /^Error in outbox on '(.*)'$/.exec(msg))) return { kind: 'outbox-error', file: m[1]! };
  if ((m = /^(Received|Delivery report) (IN\S+)$/.exec(msg))) return { kind: 'saved', file: m[2]!, report: m[1] === 'Delivery report' };
  if ((m = /^Delivery report: (\S+) to (.*), message reference 0x([0-9a-fA-F]+)$/.exec(msg))) {
    return { kind: 'delivery-report', status: m[1]!, number: m[2]!, reference: parseInt(m[3]!, 16) };
  }
  if (/^Starting phone communication/.test(msg)) return { kind: 'started' };
  return undefined;
}

/** Where the tailer stopped, so a restart goes on from there. */
export interface LogCursor {
  ino: number;
  offset: number;
}

/**
 * Reads new lines from a growing log file. Call {@link poll} periodically;
 * it handles truncation and rotation (a new inode starts from 0).
 */
export class LogTailer {
  private cursor: LogCursor | undefined;
  private partial: Buffer = Buffer.alloc(0);

  constructor(
    readonly path: string,
    cursor?: LogCursor,
  ) {
    // A copy: poll() moves its own cursor, and must never move the caller's
    // (the journal's saved position would then look already saved and stay behind).
    this.cursor = cursor && { ino: cursor.ino, offset: cursor.offset };
  }

  /** The position after the last complete line read. */
  position(): LogCursor | undefined {
    return this.cursor && { ino: this.cursor.ino, offset: this.cursor.offset - this.partial.length };
  }

  /**
   * Skips to the end of the file unless a saved cursor still applies, so an
   * agent started on an old log does not replay ancient history.
   */
  async start({ fromEnd = true }: { fromEnd?: boolean } = {}): Promise<void> {
    try {
      const st = await fs.stat(this.path);
      if (this.cursor && this.cursor.ino === st.ino && this.cursor.offset <= st.size) return;
      this.cursor = { ino: st.ino, offset: fromEnd ? st.size : 0 };
    } catch {
      this.cursor = undefined;
    }
  }

  /** Returns the complete lines appended since the last call. */
  async poll(): Promise<string[]> {
    let st;
    try {
      st = await fs.stat(this.path);
    } catch {
      return [];
    }
    if (!this.cursor || this.cursor.ino !== st.ino || st.size < this.cursor.offset) {
      // New file (first creation, rotation or truncation): read it all.
      this.cursor = { ino: st.ino, offset: 0 };
      this.partial = Buffer.alloc(0);
    }
    if (st.size === this.cursor.offset) return [];
    const fh = await fs.open(this.path, 'r');
    let chunk: Buffer;
    try {
      const len = Math.min(st.size - this.cursor.offset, 4 * 1024 * 1024);
      chunk = Buffer.alloc(len);
      const { bytesRead } = await fh.read(chunk, 0, len, this.cursor.offset);
      chunk = chunk.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
    this.cursor.offset += chunk.length;
    // Keep bytes after the last newline as bytes: a line may end mid-character.
    const all = Buffer.concat([this.partial, chunk]);
    const end = all.lastIndexOf(0x0a);
    if (end < 0) {
      this.partial = all;
      return [];
    }
    this.partial = Buffer.from(all.subarray(end + 1));
    return all.subarray(0, end).toString('utf8').split('\n').filter((l) => l.length > 0);
  }
}
