/**
 * Logs of `kirim dev`: every JSON line goes to a file under
 * <data-dir>/logs/, and warnings and errors also reach the terminal as one
 * readable line each (`12:04:05 WARN  gateway: modem unhealthy error=...`),
 * so the terminal stays quiet while all is well and the full record is one
 * `tail -f` away. Lines are the loggers' own, already redacted
 * (src/protocol/log.ts); nothing here adds a field.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const QUIET_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'v']);

/** One readable line for a JSON log line at `minLevel` or above; undefined below it. Non-JSON text is kept as is. */
export function readableLine(line: string, source: string, minLevel = 40): string | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.trim() ? `${source}: ${line.trim()}` : undefined;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  if (level < minLevel) return undefined;
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '';
  const fields = Object.entries(entry)
    .filter(([k]) => !QUIET_FIELDS.has(k))
    .map(([k, v]) => {
      const value = v && typeof v === 'object' && 'message' in v ? (v as { message: unknown }).message : v;
      return `${k}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
    });
  return [time, (LEVELS[level] ?? String(level)).padEnd(5), `${source}:`, String(entry.msg ?? ''), ...fields].filter(Boolean).join(' ');
}

export interface DevLog {
  /** The file every line goes to. */
  file: string;
  /** For pino (a DestinationStream): one JSON line per call. */
  write(line: string): void;
  /** Feeds a child's log output (its stderr) line by line. */
  follow(stream: Readable): void;
  close(): Promise<void>;
}

/** Opens <dir>/<name>.log (appending); readable warnings go to `terminal`. */
export function devLog(dir: string, name: string, terminal: (line: string) => void): DevLog {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.log`);
  const out: WriteStream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  const write = (line: string) => {
    out.write(line.endsWith('\n') ? line : line + '\n');
    const readable = readableLine(line, name);
    if (readable) terminal(readable);
  };
  return {
    file,
    write,
    follow(stream) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', write);
    },
    close: () => new Promise<void>((done) => out.end(() => done())),
  };
}
