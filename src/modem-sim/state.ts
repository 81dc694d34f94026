/**
 * The modem simulator's state folder: what each virtual handset received,
 * the faults in force, and the simulated SIM. The layout and record formats
 * are documented in docs/modem-sim.md and are a stable interface: tests and
 * people read the handset files; only the simulator writes them.
 *
 *   DIR/handsets/<number>.jsonl   one complete message per line (HandsetMessage)
 *   DIR/parts.jsonl               every SMS-SUBMIT part received, one per line (SubmittedPart)
 *   DIR/faults.json               faults in force (Faults), written by the simulator
 *   DIR/modem.json                SIM storage, counters, pending multipart parts
 *   DIR/control/                  command files dropped by control.ts / the CLI
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SmsEncoding } from './pdu.js';

/** One complete message as a virtual handset received it (one line of `handsets/<number>.jsonl`). */
export interface HandsetMessage {
  /** The destination as addressed in the PDU: `+<digits>` for international numbers. */
  number: string;
  /** The whole text, parts joined in sequence order (8-bit data as Latin-1). */
  text: string;
  encoding: SmsEncoding;
  /** Number of parts the message arrived in. */
  parts: number;
  /** The `+CMGS: <mr>` message reference of each part, in sequence order. */
  references: number[];
  /** When the last part arrived (ISO 8601). */
  received_at: string;
  /** Class 0 ("flash") message. */
  flash: boolean;
  /** The sender asked for a delivery report (TP-SRR). */
  delivery_report_requested: boolean;
  /** Concatenation reference of a multipart message, null for a single part. */
  concat_ref: number | null;
  /** Raw payload (hex) of an 8-bit message. */
  data_hex?: string;
}

/** One SMS-SUBMIT part as received over AT+CMGS (one line of `parts.jsonl`). */
export interface SubmittedPart {
  number: string;
  reference: number;
  text: string;
  encoding: SmsEncoding;
  concat: { ref: number; total: number; seq: number; ref_bits: 8 | 16 } | null;
  flash: boolean;
  delivery_report_requested: boolean;
  pdu: string;
  received_at: string;
}

/** Faults in force (`faults.json`). Changed only through control commands. */
export interface Faults {
  /** Answer AT+CMGS with `+CMS ERROR: <code>`; `remaining` sends, or every send when null. */
  cmsError: { code: number; remaining: number | null } | null;
  /** Never answer AT+CMGS (gammu times out); `remaining` sends, or every send when null. */
  noAnswer: { remaining: number | null } | null;
  /** Not registered: `+CREG: 0,0`, `+CSQ: 99,99`, sends fail with `+CMS ERROR: 331`. */
  networkLost: boolean;
  /** Delay before answering each AT+CMGS part, in milliseconds (a real modem takes 3–10 s). */
  sendDelayMs: number;
}

/** No faults. */
export const NO_FAULTS: Faults = Object.freeze({ cmsError: null, noAnswer: null, networkLost: false, sendDelayMs: 0 });

/** Paths inside a state folder. */
export function statePaths(stateDir: string) {
  return {
    handsets: join(stateDir, 'handsets'),
    parts: join(stateDir, 'parts.jsonl'),
    faults: join(stateDir, 'faults.json'),
    modem: join(stateDir, 'modem.json'),
    control: join(stateDir, 'control'),
    rejected: join(stateDir, 'control', 'rejected'),
  };
}

/** Creates the state folder and its sub-folders. */
export function ensureStateDir(stateDir: string): void {
  const p = statePaths(stateDir);
  mkdirSync(p.handsets, { recursive: true });
  mkdirSync(p.rejected, { recursive: true });
}

/**
 * File name for a handset number: characters other than `[A-Za-z0-9+*#_-]`
 * become `_` so an alphanumeric address cannot escape the folder.
 */
export function handsetFileName(number: string): string {
  const safe = number.replace(/[^A-Za-z0-9+*#_-]/g, '_') || '_';
  return `${safe}.jsonl`;
}

/** Writes a file so that readers see either the old or the whole new content. */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/**
 * Appends one JSON line with a single write(2) on an O_APPEND descriptor, so
 * concurrent readers never see half a record followed by another one.
 */
export function appendJsonLine(path: string, value: unknown): void {
  appendFileSync(path, JSON.stringify(value) + '\n');
}

/** Parses a JSON-lines file, ignoring a last line still being written. */
export function readJsonLines<T>(path: string): T[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lines = text.split('\n');
  lines.pop(); // after the last '\n': empty, or a partial line
  const out: T[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // A damaged line does not hide the others.
    }
  }
  return out;
}

/** Every message handset `number` received, oldest first. */
export function readHandset(stateDir: string, number: string): HandsetMessage[] {
  return readJsonLines<HandsetMessage>(join(statePaths(stateDir).handsets, handsetFileName(number)));
}

/** The numbers that received at least one message (from the handset file names). */
export function listHandsets(stateDir: string): string[] {
  const dir = statePaths(stateDir).handsets;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => f.slice(0, -'.jsonl'.length))
    .sort();
}

/** Every part received over AT+CMGS, oldest first. */
export function readSubmittedParts(stateDir: string): SubmittedPart[] {
  return readJsonLines<SubmittedPart>(statePaths(stateDir).parts);
}

/** The faults in force (none when the simulator has not written any). */
export function readFaults(stateDir: string): Faults {
  try {
    return { ...NO_FAULTS, ...(JSON.parse(readFileSync(statePaths(stateDir).faults, 'utf8')) as Partial<Faults>) };
  } catch {
    return { ...NO_FAULTS };
  }
}

/** Options of {@link waitForHandsetMessage}. */
export interface WaitOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Only a message for which this returns true counts. */
  match?: (m: HandsetMessage) => boolean;
  /** Only messages after the first `skip` ones count (default 0). */
  skip?: number;
  /** Poll interval (default 100 ms). */
  intervalMs?: number;
}

/**
 * Resolves with the first message handset `number` received (after `skip`)
 * that satisfies `match`; rejects with a readable error after the timeout.
 */
export async function waitForHandsetMessage(
  stateDir: string,
  number: string,
  opts: WaitOptions = {},
): Promise<HandsetMessage> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = readHandset(stateDir, number)
      .slice(opts.skip ?? 0)
      .find((m) => (opts.match ? opts.match(m) : true));
    if (found) return found;
    if (Date.now() >= deadline) {
      const got = readHandset(stateDir, number).map((m) => JSON.stringify(m.text));
      throw new Error(
        `no matching message for ${number} within ${timeoutMs} ms (received: ${got.length ? got.join(', ') : 'nothing'})`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
