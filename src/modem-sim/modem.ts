/**
 * The simulated modem behind the AT engine: SIM storage, message references,
 * handset records, faults and the control folder, all persisted under the
 * state folder so that they survive gammu reconnecting (which respawns the
 * simulator process).
 */
import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  appendJsonLine,
  ensureStateDir,
  handsetFileName,
  NO_FAULTS,
  readFaults,
  statePaths,
  writeFileAtomic,
  type Faults,
  type HandsetMessage,
  type SubmittedPart,
} from './state.js';
import { validateCommand, type ControlCommand } from './control.js';
import {
  bytesToHex,
  chooseEncoding,
  decodeSubmit,
  encodeDeliverParts,
  encodeStatusReport,
  PduError,
  STATUS_DELIVERED,
  STATUS_FAILED,
  type SmsEncoding,
} from './pdu.js';

/** One message in the simulated SIM storage. */
export interface StoredMessage {
  index: number;
  /** 0 = received unread, 1 = received read (AT+CMGL/CMGR `<stat>`). */
  status: 0 | 1;
  kind: 'deliver' | 'status-report';
  pdu: string;
  tpduLength: number;
}

interface PendingPart {
  seq: number;
  text: string;
  reference: number;
  encoding: SmsEncoding;
  flash: boolean;
  srr: boolean;
  dataHex?: string;
}

interface ModemFile {
  nextReference: number;
  nextConcatRef: number;
  smsc: string;
  storage: StoredMessage[];
  /** Parts of multipart messages still missing a part, by handset|refBits|ref|total. */
  pending: Record<string, PendingPart[]>;
  /** Recipient of each message reference given out (for delivery reports). */
  references: Record<string, string>;
}

/** What the AT engine answers to one AT+CMGS. */
export type SubmitOutcome =
  | { kind: 'sent'; reference: number }
  | { kind: 'cms-error'; code: number }
  | { kind: 'no-answer' };

/** Fixed identity of the simulated modem. */
export const IDENTITY = {
  manufacturer: 'Kirim',
  model: 'modem-sim',
  revision: '1.0',
  imei: '356938035643809',
  imsi: '001010123456789',
  operatorName: 'Kirim Net',
  operatorCode: '00101',
};

/** Slots of the simulated SIM storage. */
export const STORAGE_SIZE = 30;

/** The modem's state and behaviour, backed by a state folder. */
export class SimModem {
  private state: ModemFile;
  private faults: Faults;
  private readonly paths: ReturnType<typeof statePaths>;

  constructor(
    readonly stateDir: string,
    private readonly log: (line: string) => void = () => {},
    /** `autoReport`: answer every part that asks for a delivery report with a "delivered" report, as a network would. */
    private readonly options: { autoReport?: boolean } = {},
  ) {
    ensureStateDir(stateDir);
    this.paths = statePaths(stateDir);
    this.state = this.load();
    this.faults = readFaults(stateDir);
    this.poll();
  }

  private load(): ModemFile {
    const fresh: ModemFile = {
      nextReference: 1,
      nextConcatRef: 1,
      smsc: '+10000000000',
      storage: [],
      pending: {},
      references: {},
    };
    try {
      return { ...fresh, ...(JSON.parse(readFileSync(this.paths.modem, 'utf8')) as Partial<ModemFile>) };
    } catch {
      return fresh;
    }
  }

  private save(): void {
    writeFileAtomic(this.paths.modem, JSON.stringify(this.state, null, 1) + '\n');
  }

  private saveFaults(): void {
    writeFileAtomic(this.paths.faults, JSON.stringify(this.faults, null, 1) + '\n');
  }

  /** Faults in force. */
  getFaults(): Faults {
    return { ...this.faults };
  }

  /** Applies the command files waiting in the control folder, oldest first. */
  poll(): void {
    let names: string[];
    try {
      names = readdirSync(this.paths.control).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    } catch {
      return;
    }
    names.sort();
    for (const name of names) {
      const file = join(this.paths.control, name);
      let command: ControlCommand;
      try {
        command = JSON.parse(readFileSync(file, 'utf8')) as ControlCommand;
        validateCommand(command);
      } catch (err) {
        this.reject(file, name, err);
        continue;
      }
      let done: boolean;
      try {
        done = this.apply(command);
      } catch (err) {
        this.reject(file, name, err);
        continue;
      }
      // Not done = no room on the SIM yet: keep this and later files for the next poll, in order.
      if (!done) break;
      rmSync(file, { force: true });
    }
  }

  private reject(file: string, name: string, err: unknown): void {
    const reason = err instanceof Error ? err.message : String(err);
    this.log(`control file ${name} rejected: ${reason}`);
    try {
      writeFileSync(join(this.paths.rejected, `${name}.error`), reason + '\n');
      renameSync(file, join(this.paths.rejected, name));
    } catch {
      rmSync(file, { force: true });
    }
  }

  /** Applies one control command; false when it must wait (SIM full). */
  apply(command: ControlCommand): boolean {
    switch (command.type) {
      case 'inject': {
        const encoding = !command.encoding || command.encoding === 'auto' ? chooseEncoding(command.text) : command.encoding;
        const parts = encodeDeliverParts({
          from: command.from,
          text: command.text,
          encoding,
          smsc: this.state.smsc,
          flash: command.flash ?? false,
          concatRef: this.state.nextConcatRef,
        });
        if (this.freeSlots().length < parts.length) {
          if (parts.length > STORAGE_SIZE) throw new Error(`message needs ${parts.length} parts, the SIM holds ${STORAGE_SIZE}`);
          return false;
        }
        if (parts.length > 1) this.state.nextConcatRef = (this.state.nextConcatRef % 255) + 1;
        for (const p of parts) this.store('deliver', p.hex, p.tpduLength);
        this.save();
        this.log(`injected ${parts.length} part(s) from ${command.from}`);
        return true;
      }
      case 'report': {
        if (this.freeSlots().length < 1) return false;
        const status =
          command.status === 'delivered' ? STATUS_DELIVERED : command.status === 'failed' ? STATUS_FAILED : command.status;
        const recipient = command.recipient ?? this.state.references[String(command.reference)] ?? '0';
        const p = encodeStatusReport({ messageReference: command.reference, recipient, status, smsc: this.state.smsc });
        this.store('status-report', p.hex, p.tpduLength);
        this.save();
        this.log(`status report for reference ${command.reference} (${recipient}): 0x${status.toString(16)}`);
        return true;
      }
      case 'fault': {
        this.faults = { ...this.faults, ...command.set };
        this.saveFaults();
        this.log(`faults: ${JSON.stringify(this.faults)}`);
        return true;
      }
      case 'clear-faults':
        this.faults = { ...NO_FAULTS };
        this.saveFaults();
        this.log('faults cleared');
        return true;
    }
  }

  // ------------------------------------------------------------ SIM storage

  private freeSlots(): number[] {
    const used = new Set(this.state.storage.map((m) => m.index));
    const free: number[] = [];
    for (let i = 1; i <= STORAGE_SIZE; i++) if (!used.has(i)) free.push(i);
    return free;
  }

  private store(kind: StoredMessage['kind'], pdu: string, tpduLength: number): void {
    const index = this.freeSlots()[0];
    if (index === undefined) throw new Error('SIM storage full');
    this.state.storage.push({ index, status: 0, kind, pdu, tpduLength });
    this.state.storage.sort((a, b) => a.index - b.index);
  }

  /** Slots in use and in total. */
  storageCounts(): { used: number; total: number } {
    return { used: this.state.storage.length, total: STORAGE_SIZE };
  }

  /** Messages with AT+CMGL `<stat>` (4 = all); listed unread ones become read. */
  list(stat: number): StoredMessage[] {
    const out = this.state.storage.filter((m) => stat === 4 || m.status === stat).map((m) => ({ ...m }));
    this.markRead(out.map((m) => m.index));
    return out;
  }

  /** The message at `index`, or undefined; it becomes read. */
  read(index: number): StoredMessage | undefined {
    const m = this.state.storage.find((s) => s.index === index);
    if (!m) return undefined;
    const copy = { ...m };
    this.markRead([index]);
    return copy;
  }

  private markRead(indexes: number[]): void {
    let changed = false;
    for (const m of this.state.storage) {
      if (indexes.includes(m.index) && m.status === 0) {
        m.status = 1;
        changed = true;
      }
    }
    if (changed) this.save();
  }

  /** Deletes the message at `index` (no error when empty). */
  delete(index: number): void {
    const before = this.state.storage.length;
    this.state.storage = this.state.storage.filter((m) => m.index !== index);
    if (this.state.storage.length !== before) this.save();
  }

  /** AT+CMGD `<delflag>`: 1 read, 2 read+sent, 3 read+sent+unsent, 4 all. */
  deleteByFlag(flag: number): void {
    this.state.storage = flag >= 4 ? [] : this.state.storage.filter((m) => m.status !== 1);
    this.save();
  }

  // ------------------------------------------------------------ network

  /** Registered to the network (false under the network-lost fault). */
  registered(): boolean {
    return !this.faults.networkLost;
  }

  get smsc(): string {
    return this.state.smsc;
  }

  set smsc(value: string) {
    this.state.smsc = value;
    this.save();
  }

  // ------------------------------------------------------------ sending

  /**
   * Handles one AT+CMGS: decodes the PDU, applies faults, gives the part a
   * message reference and records it for its handset. Throws PduError for a
   * malformed PDU (answered `+CMS ERROR: 304`).
   */
  submit(hex: string, tpduLength: number): { outcome: SubmitOutcome; delayMs: number } {
    const pdu = decodeSubmit(hex, tpduLength);
    if (!pdu.to) throw new PduError('empty destination address');
    const delayMs = this.faults.sendDelayMs;
    if (this.faults.networkLost) return { outcome: { kind: 'cms-error', code: 331 }, delayMs };
    if (this.faults.noAnswer) {
      const r = this.faults.noAnswer.remaining;
      this.faults.noAnswer = r === null ? this.faults.noAnswer : r > 1 ? { remaining: r - 1 } : null;
      this.saveFaults();
      return { outcome: { kind: 'no-answer' }, delayMs };
    }
    if (this.faults.cmsError) {
      const { code, remaining } = this.faults.cmsError;
      this.faults.cmsError = remaining === null ? this.faults.cmsError : remaining > 1 ? { code, remaining: remaining - 1 } : null;
      this.saveFaults();
      return { outcome: { kind: 'cms-error', code }, delayMs };
    }
    const reference = this.state.nextReference;
    this.state.nextReference = (reference % 255) + 1;
    this.state.references[String(reference)] = pdu.to;
    const now = new Date().toISOString();
    const ud = pdu.userData;
    const dataHex = ud.encoding === '8bit' ? bytesToHex(ud.data) : undefined;
    const part: SubmittedPart = {
      number: pdu.to,
      reference,
      text: ud.text,
      encoding: ud.encoding,
      concat: ud.concat ? { ref: ud.concat.ref, total: ud.concat.total, seq: ud.concat.seq, ref_bits: ud.concat.refBits } : null,
      flash: pdu.flash,
      delivery_report_requested: pdu.statusReportRequested,
      pdu: hex.toUpperCase(),
      received_at: now,
    };
    appendJsonLine(this.paths.parts, part);
    // The network's confirmation; gammu finds it on its next poll.
    if (this.options.autoReport && pdu.statusReportRequested) this.apply({ type: 'report', reference, status: 'delivered' });
    const p: PendingPart = {
      seq: ud.concat?.seq ?? 1,
      text: ud.text,
      reference,
      encoding: ud.encoding,
      flash: pdu.flash,
      srr: pdu.statusReportRequested,
      ...(dataHex ? { dataHex } : {}),
    };
    if (!ud.concat || ud.concat.total === 1) {
      this.deliver(pdu.to, [p], null, now);
    } else {
      const c = ud.concat;
      const key = `${pdu.to}|${c.refBits}|${c.ref}|${c.total}`;
      // A resent part replaces the earlier copy of the same sequence number.
      const parts = (this.state.pending[key] ?? []).filter((x) => x.seq !== p.seq);
      parts.push(p);
      if (parts.length === c.total) {
        delete this.state.pending[key];
        this.deliver(pdu.to, parts.sort((a, b) => a.seq - b.seq), c.ref, now);
      } else {
        this.state.pending[key] = parts;
      }
    }
    this.save();
    this.log(`part to ${pdu.to} (${ud.encoding}${ud.concat ? ` ${ud.concat.seq}/${ud.concat.total}` : ''}) reference ${reference}`);
    return { outcome: { kind: 'sent', reference }, delayMs };
  }

  private deliver(number: string, parts: PendingPart[], concatRef: number | null, at: string): void {
    const first = parts[0]!;
    const data = parts.map((p) => p.dataHex ?? '').join('');
    const message: HandsetMessage = {
      number,
      text: parts.map((p) => p.text).join(''),
      encoding: first.encoding,
      parts: parts.length,
      references: parts.map((p) => p.reference),
      received_at: at,
      flash: first.flash,
      delivery_report_requested: parts.some((p) => p.srr),
      concat_ref: concatRef,
      ...(first.encoding === '8bit' ? { data_hex: data } : {}),
    };
    appendJsonLine(join(this.paths.handsets, handsetFileName(number)), message);
  }
}
