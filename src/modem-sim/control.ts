/**
 * Control interface of a running modem simulator: inbound SMS, delivery
 * reports and faults. Each command is one JSON file dropped atomically into
 * `DIR/control/` (written as a dot-file, then renamed); the simulator applies
 * the files in name order before it answers its next AT command (gammu talks
 * to it at least once a second) and at start-up, then deletes them. A file it
 * cannot apply moves to `DIR/control/rejected/` with a `.error` note beside it.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { statePaths, type Faults } from './state.js';

/** Inbound SMS to put into the SIM storage, split into parts when long. */
export interface InjectCommand {
  type: 'inject';
  /** Sender: `+<digits>`, digits, or an alphanumeric name (≤ 11 GSM characters). */
  from: string;
  text: string;
  /** `auto` (default): GSM-7 when the text fits the alphabet, UCS-2 otherwise. */
  encoding?: 'auto' | 'gsm7' | 'ucs2';
  flash?: boolean;
}

/** A delivery status report for a message reference the simulator gave out. */
export interface ReportCommand {
  type: 'report';
  reference: number;
  /** `delivered` (TP-Status 0x00), `failed` (0x41) or a raw TP-Status value. */
  status: 'delivered' | 'failed' | number;
  /** Recipient in the report; default: the number the part with that reference went to. */
  recipient?: string;
}

/** Changes faults; fields left out keep their value. */
export interface FaultCommand {
  type: 'fault';
  set: Partial<Faults>;
}

/** Removes every fault. */
export interface ClearFaultsCommand {
  type: 'clear-faults';
}

/** Any command the simulator understands. */
export type ControlCommand = InjectCommand | ReportCommand | FaultCommand | ClearFaultsCommand;

/** A dropped command: its file, and a way to wait until the simulator applied it. */
export interface ControlTicket {
  file: string;
  /** Resolves once the simulator consumed the file; rejects if it was rejected or on timeout. */
  applied(timeoutMs?: number): Promise<void>;
}

let seq = 0;

/** Drops one command file into `DIR/control/` (atomically). */
export function sendControl(stateDir: string, command: ControlCommand): ControlTicket {
  validateCommand(command);
  const dir = statePaths(stateDir).control;
  mkdirSync(dir, { recursive: true });
  // Name order = apply order: time, then a per-process counter, then randomness for uniqueness.
  const name = `${Date.now().toString().padStart(15, '0')}-${(seq++).toString().padStart(6, '0')}-${randomBytes(4).toString('hex')}.json`;
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, JSON.stringify(command) + '\n');
  const file = join(dir, name);
  renameSync(tmp, file);
  return { file, applied: (timeoutMs) => waitApplied(stateDir, file, timeoutMs) };
}

async function waitApplied(stateDir: string, file: string, timeoutMs = 30_000): Promise<void> {
  const rejected = join(statePaths(stateDir).rejected, file.split('/').pop()!);
  const deadline = Date.now() + timeoutMs;
  while (existsSync(file)) {
    if (Date.now() >= deadline) throw new Error(`modem simulator did not apply ${file} within ${timeoutMs} ms (is it running?)`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (existsSync(rejected)) throw new Error(`modem simulator rejected ${file}; see ${rejected}.error`);
}

/** Checks a command's shape; throws a plain Error naming the problem. */
export function validateCommand(c: ControlCommand): void {
  switch (c.type) {
    case 'inject':
      if (typeof c.from !== 'string' || !c.from) throw new Error('inject: "from" is required');
      if (!/^\+?[0-9*#]{1,20}$/.test(c.from) && c.from.length > 11) {
        throw new Error('inject: "from" must be a number or a name of at most 11 characters');
      }
      if (typeof c.text !== 'string') throw new Error('inject: "text" must be a string');
      if (c.encoding !== undefined && !['auto', 'gsm7', 'ucs2'].includes(c.encoding)) {
        throw new Error('inject: "encoding" must be auto, gsm7 or ucs2');
      }
      return;
    case 'report':
      if (!Number.isInteger(c.reference) || c.reference < 0 || c.reference > 255) {
        throw new Error('report: "reference" must be an integer 0..255');
      }
      if (c.status !== 'delivered' && c.status !== 'failed' && !(Number.isInteger(c.status) && c.status >= 0 && c.status <= 255)) {
        throw new Error('report: "status" must be delivered, failed or 0..255');
      }
      return;
    case 'fault': {
      const s = c.set ?? {};
      if (s.cmsError != null && !(Number.isInteger(s.cmsError.code) && s.cmsError.code >= 0 && s.cmsError.code <= 999)) {
        throw new Error('fault: cmsError.code must be 0..999');
      }
      for (const r of [s.cmsError?.remaining, s.noAnswer?.remaining]) {
        if (r != null && !(Number.isInteger(r) && r > 0)) throw new Error('fault: remaining must be a positive integer or null');
      }
      if (s.sendDelayMs !== undefined && !(Number.isFinite(s.sendDelayMs) && s.sendDelayMs >= 0)) {
        throw new Error('fault: sendDelayMs must be ≥ 0');
      }
      return;
    }
    case 'clear-faults':
      return;
    default:
      throw new Error(`unknown control command ${JSON.stringify((c as { type?: unknown }).type)}`);
  }
}

/** Injects an inbound SMS from `from` (multipart when long). */
export function injectSms(
  stateDir: string,
  sms: { from: string; text: string; encoding?: 'auto' | 'gsm7' | 'ucs2'; flash?: boolean },
): ControlTicket {
  return sendControl(stateDir, { type: 'inject', ...sms });
}

/** Injects a delivery report for message reference `reference`. */
export function injectStatusReport(
  stateDir: string,
  report: { reference: number; status?: 'delivered' | 'failed' | number; recipient?: string },
): ControlTicket {
  return sendControl(stateDir, { type: 'report', status: 'delivered', ...report });
}

/** Sets faults (merged into those in force). */
export function setFaults(stateDir: string, faults: Partial<Faults>): ControlTicket {
  return sendControl(stateDir, { type: 'fault', set: faults });
}

/** Clears every fault. */
export function clearFaults(stateDir: string): ControlTicket {
  return sendControl(stateDir, { type: 'clear-faults' });
}
