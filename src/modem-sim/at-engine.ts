/**
 * The AT command interpreter of the simulated modem: bytes in, framed answers
 * out, as gammu's AT driver expects them (see the gammu facts in
 * docs/modem-sim.md): the command line echoed, then `\r\n<info>\r\n` lines and
 * a final `\r\nOK\r\n` / `\r\nERROR\r\n` / `\r\n+CMS ERROR: <n>\r\n`; the
 * SMS prompt is exactly `\r\n> `; the PDU ends with Ctrl-Z, ESC cancels.
 *
 * Any byte sequence is accepted: unknown commands answer ERROR, bad PDUs
 * `+CMS ERROR: 304`, and nothing a peer sends makes it throw.
 */
import { IDENTITY, type SimModem, type StoredMessage } from './modem.js';
import { PduError } from './pdu.js';

/** Kinds of output chunk: the echo of a command line, or an answer. */
export type OutputKind = 'echo' | 'answer';

const CR = 0x0d;
const LF = 0x0a;
const CTRL_Z = 0x1a;
const ESC = 0x1b;
/** Longest command line kept; a longer one is answered ERROR (real modems stop at a few hundred). */
const MAX_LINE = 1024;

/** Final result of one command. */
interface Reply {
  lines: string[];
  final: string;
}

const ok = (...lines: string[]): Reply => ({ lines, final: 'OK' });
const error = (): Reply => ({ lines: [], final: 'ERROR' });
const cms = (code: number): Reply => ({ lines: [], final: `+CMS ERROR: ${code}` });
/** 3 operation not allowed, 11 SIM PIN required, 16 incorrect password (3GPP TS 27.007). */
const cme = (code: number): Reply => ({ lines: [], final: `+CME ERROR: ${code}` });

/** Formats a reply the way modems frame it. */
export function frame(reply: Reply): string {
  const info = reply.lines.length ? `\r\n${reply.lines.join('\r\n')}\r\n` : '';
  return `${info}\r\n${reply.final}\r\n`;
}

/** The SMS input prompt, exactly as gammu waits for it. */
export const PROMPT = '\r\n> ';

/** Options of {@link AtEngine}. */
export interface AtEngineOptions {
  /** Receives every output chunk, in order. */
  write: (chunk: string, kind: OutputKind) => void;
  /** Receives a transcript line for each command and answer (for `--log`). */
  trace?: (direction: '>>' | '<<', text: string) => void;
  /** Waits `ms` (slow-send fault); tests can shorten it. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The SIM's PIN: until `AT+CPIN="<pin>"` the SIM answers `+CPIN: SIM PIN`
   * and refuses to send or list messages (+CME ERROR: 11), as a real SIM
   * does after power-on. Unset: no PIN (`+CPIN: READY`).
   */
  simPin?: string;
}

/** Interprets AT commands for one connection. */
export class AtEngine {
  private mode: 'command' | 'pdu' = 'command';
  private line = '';
  private overflow = false;
  private pdu = '';
  private pduInvalid = false;
  private pduLength = 0;
  private echo = true;
  private cmee = 1;
  private cregMode = 0;
  private cgregMode = 0;
  private copsFormat = 0;
  private cnmi = '2,1,0,2,0';
  private pinLocked: boolean;
  private readonly queue: Uint8Array[] = [];
  private busy = false;
  private idleWaiters: Array<() => void> = [];
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly modem: SimModem,
    private readonly opts: AtEngineOptions,
  ) {
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.pinLocked = opts.simPin !== undefined;
  }

  /** Queues received bytes; they are interpreted in order, one command at a time. */
  feed(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.queue.push(chunk);
    void this.pump();
  }

  /** Resolves when every byte fed so far has been interpreted and answered. */
  idle(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** True while the modem waits for a PDU after `> `. */
  get inPrompt(): boolean {
    return this.mode === 'pdu';
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length) {
        const chunk = this.queue.shift()!;
        for (let i = 0; i < chunk.length; i++) {
          const pending = this.byte(chunk[i]!);
          if (pending) await pending;
        }
      }
    } finally {
      this.busy = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private out(chunk: string, kind: OutputKind): void {
    this.opts.trace?.('<<', chunk);
    this.opts.write(chunk, kind);
  }

  private answer(reply: Reply): void {
    this.out(frame(reply), 'answer');
  }

  /** Handles one byte; returns a promise when the answer comes later (AT+CMGS). */
  private byte(b: number): Promise<void> | undefined {
    if (this.mode === 'pdu') return this.pduByte(b);
    if (b === CR) {
      const line = this.line;
      const overflow = this.overflow;
      this.line = '';
      this.overflow = false;
      return this.commandLine(line, overflow);
    }
    if (b === 0x08 || b === 0x7f) {
      this.line = this.line.slice(0, -1);
      return undefined;
    }
    // LF, ESC (gammu sends one before its first AT), Ctrl-Z and other
    // control or non-ASCII bytes are not part of a command line.
    if (b < 0x20 || b > 0x7e) return undefined;
    if (this.line.length >= MAX_LINE) this.overflow = true;
    else this.line += String.fromCharCode(b);
    return undefined;
  }

  private pduByte(b: number): Promise<void> | undefined {
    if (b === ESC) {
      this.opts.trace?.('>>', `${this.pdu}<ESC>`);
      this.mode = 'command';
      this.pdu = '';
      this.answer(ok());
      return undefined;
    }
    if (b === CTRL_Z) {
      const hex = this.pdu;
      const invalid = this.pduInvalid;
      this.opts.trace?.('>>', `${hex}<Ctrl-Z>`);
      this.mode = 'command';
      this.pdu = '';
      this.pduInvalid = false;
      if (invalid) {
        this.answer(cms(304));
        return undefined;
      }
      return this.send(hex);
    }
    if (b === CR || b === LF || b === 0x20) return undefined;
    const isHex = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
    if (!isHex || this.pdu.length >= 2 * 200) this.pduInvalid = true;
    else this.pdu += String.fromCharCode(b);
    return undefined;
  }

  private async send(hex: string): Promise<void> {
    let result: ReturnType<SimModem['submit']>;
    try {
      result = this.modem.submit(hex, this.pduLength);
    } catch (err) {
      this.opts.trace?.('<<', `(PDU rejected: ${err instanceof Error ? err.message : String(err)})`);
      this.answer(cms(err instanceof PduError ? 304 : 500));
      return;
    }
    if (result.delayMs > 0) await this.sleep(result.delayMs);
    const o = result.outcome;
    if (o.kind === 'sent') this.answer(ok(`+CMGS: ${o.reference}`));
    else if (o.kind === 'cms-error') this.answer(cms(o.code));
    else this.opts.trace?.('<<', '(no answer: fault)');
  }

  private commandLine(raw: string, overflow: boolean): Promise<void> | undefined {
    const line = raw.trim();
    if (!line && !overflow) return undefined; // an empty line is not a command
    this.opts.trace?.('>>', raw);
    if (this.echo) this.out(`${raw}\r`, 'echo');
    if (overflow) {
      this.answer(error());
      return undefined;
    }
    try {
      this.modem.poll();
    } catch (err) {
      this.opts.trace?.('<<', `(control poll failed: ${err instanceof Error ? err.message : String(err)})`);
    }
    let reply: Reply | 'prompt';
    try {
      reply = this.execute(line);
    } catch (err) {
      // A bug or an I/O error must not kill the modem: answer like a modem would.
      this.opts.trace?.('<<', `(internal error: ${err instanceof Error ? err.message : String(err)})`);
      reply = error();
    }
    if (reply === 'prompt') {
      this.mode = 'pdu';
      this.pdu = '';
      this.pduInvalid = false;
      this.out(PROMPT, 'answer');
    } else {
      this.answer(reply);
    }
    return undefined;
  }

  private execute(line: string): Reply | 'prompt' {
    if (!/^AT/i.test(line)) return error();
    const body = line.slice(2);
    if (body === '') return ok();
    if (body[0] === '+' || body[0] === '$' || body[0] === '^') return this.extended(body);
    return this.basic(body.toUpperCase());
  }

  /** Basic (non-+) commands, one per line as gammu sends them. */
  private basic(cmd: string): Reply {
    switch (cmd) {
      case 'E0':
      case 'E1':
      case 'E':
        this.echo = cmd === 'E1';
        return ok();
      case 'Z':
      case '&F':
        this.echo = true;
        return ok();
      case 'V1':
      case 'Q0':
      case 'H':
      case 'H0':
      case '&C1':
      case '&D2':
        return ok();
      case 'I':
      case 'I0':
        return ok(`${IDENTITY.manufacturer} ${IDENTITY.model}`);
      case 'I4':
        return ok(IDENTITY.model);
      default:
        return error();
    }
  }

  private extended(body: string): Reply | 'prompt' {
    const m = /^([+$^][A-Za-z]+)(=\?|\?|=(.*))?$/s.exec(body);
    if (!m) return error();
    const name = m[1]!.toUpperCase();
    const suffix = m[2] === undefined ? '' : m[2] === '=?' ? '=?' : m[2] === '?' ? '?' : '=';
    const args = m[3] ?? '';
    const key = `${name}${suffix}`;
    const reg = this.modem.registered();
    switch (key) {
      case '+CGMI':
      case '+GMI':
        return ok(IDENTITY.manufacturer);
      case '+CGMM':
      case '+GMM':
        return ok(IDENTITY.model);
      case '+CGMR':
      case '+GMR':
        return ok(IDENTITY.revision);
      case '+CGSN':
      case '+GSN':
        return ok(IDENTITY.imei);
      case '+CIMI':
        return ok(IDENTITY.imsi);
      case '+CMEE=':
        if (!/^[0-2]$/.test(args)) return error();
        this.cmee = Number(args);
        return ok();
      case '+CMEE?':
        return ok(`+CMEE: ${this.cmee}`);
      case '+CSCS?':
        return ok('+CSCS: "GSM"');
      case '+CSCS=?':
        return ok('+CSCS: ("GSM","IRA","UCS2")');
      case '+CSCS=':
        return /^"(GSM|IRA|UCS2)"$/i.test(args) ? ok() : error();
      case '+CFUN=':
        return /^[01](,[01])?$/.test(args) ? ok() : error();
      case '+CFUN?':
        return ok('+CFUN: 1');
      case '+CPIN?':
        return ok(this.pinLocked ? '+CPIN: SIM PIN' : '+CPIN: READY');
      case '+CPIN=': {
        const given = args.replace(/^"|"$/g, '');
        if (!this.pinLocked) return cme(3);
        if (given !== this.opts.simPin) return cme(16);
        this.pinLocked = false;
        return ok();
      }
      case '+CSQ':
        return ok(reg ? '+CSQ: 24,99' : '+CSQ: 99,99');
      case '+CSQ=?':
        return ok('+CSQ: (0-31,99),(0-7,99)');
      case '+CBC':
        return ok('+CBC: 0,95');
      case '+CREG=':
      case '+CGREG=':
        if (!/^[0-2]$/.test(args)) return error();
        if (name === '+CREG') this.cregMode = Number(args);
        else this.cgregMode = Number(args);
        return ok();
      case '+CREG?': {
        const stat = reg ? 1 : 0;
        return ok(this.cregMode === 2 && reg ? `+CREG: 2,${stat},"0001","0001"` : `+CREG: ${this.cregMode},${stat}`);
      }
      case '+CREG=?':
        return ok('+CREG: (0-2)');
      case '+CGREG?':
        return ok(
          this.cgregMode === 2 && reg ? `+CGREG: 2,1,"0001","0001"` : `+CGREG: ${this.cgregMode},${reg ? 1 : 0}`,
        );
      case '+CGATT?':
        return ok(`+CGATT: ${reg ? 1 : 0}`);
      case '+CMMS=':
        // "Keep the link open between parts": nothing to keep open here.
        return /^[0-2]$/.test(args) ? ok() : error();
      case '+CMMS?':
        return ok('+CMMS: 0');
      case '+COPS=':
        if (/^3,[0-2]$/.test(args)) {
          this.copsFormat = Number(args.slice(2));
          return ok();
        }
        return /^0(,.*)?$/.test(args) ? ok() : error();
      case '+COPS?':
        if (!reg) return ok('+COPS: 0');
        return ok(
          this.copsFormat === 2
            ? `+COPS: 0,2,"${IDENTITY.operatorCode}"`
            : `+COPS: 0,${this.copsFormat},"${IDENTITY.operatorName}"`,
        );
      case '+CSCA?':
        return ok(`+CSCA: "${this.modem.smsc}",${this.modem.smsc.startsWith('+') ? 145 : 129}`);
      case '+CSCA=': {
        const a = /^"(\+?[0-9]{1,20})"(,\d+)?$/.exec(args);
        if (!a) return error();
        this.modem.smsc = a[1]!;
        return ok();
      }
      case '+CSMS?':
        return ok('+CSMS: 0,1,1,1');
      case '+CSMS=':
        return /^[01]$/.test(args) ? ok('+CSMS: 1,1,1') : error();
      case '+CMGF=?':
        return ok('+CMGF: (0)');
      case '+CMGF?':
        return ok('+CMGF: 0');
      case '+CMGF=':
        // PDU mode only: text mode would lose Unicode, so it is refused like on modems without it.
        return args === '0' ? ok() : error();
      case '+CPMS=?':
        return ok('+CPMS: ("SM"),("SM"),("SM")');
      case '+CPMS?': {
        const { used, total } = this.modem.storageCounts();
        return ok(`+CPMS: "SM",${used},${total},"SM",${used},${total},"SM",${used},${total}`);
      }
      case '+CPMS=': {
        if (!/^"SM"(,"SM"){0,2}$/i.test(args)) return cms(302);
        const { used, total } = this.modem.storageCounts();
        return ok(`+CPMS: ${used},${total},${used},${total},${used},${total}`);
      }
      case '+CNMI=?':
        return ok('+CNMI: (0-2),(0-3),(0-3),(0-2),(0,1)');
      case '+CNMI?':
        return ok(`+CNMI: ${this.cnmi}`);
      case '+CNMI=':
        if (!/^\d(,\d){0,4}$/.test(args)) return error();
        this.cnmi = args;
        return ok();
      case '+CMGL=?':
        return ok('+CMGL: (0-4)');
      case '+CMGL':
      case '+CMGL=': {
        if (this.pinLocked) return cme(11);
        const stat = args === '' ? 0 : /^[0-4]$/.test(args) ? Number(args) : -1;
        if (stat < 0) return cms(302);
        const lines: string[] = [];
        for (const s of this.modem.list(stat)) lines.push(`+CMGL: ${s.index},${s.status},,${s.tpduLength}`, s.pdu);
        return ok(...lines);
      }
      case '+CMGR=': {
        const idx = parseIndex(args);
        if (idx === undefined) return cms(321);
        const s: StoredMessage | undefined = this.modem.read(idx);
        if (!s) return cms(321);
        return ok(`+CMGR: ${s.status},,${s.tpduLength}`, s.pdu);
      }
      case '+CMGD=?':
        return ok('+CMGD: (1-30),(0-4)');
      case '+CMGD=': {
        const d = /^(\d{1,3})(?:,([0-4]))?$/.exec(args);
        if (!d) return cms(321);
        const flag = d[2] === undefined ? 0 : Number(d[2]);
        if (flag > 0) this.modem.deleteByFlag(flag);
        else this.modem.delete(Number(d[1]));
        return ok();
      }
      case '+CMGS=': {
        if (this.pinLocked) return cme(11);
        const n = /^\d{1,3}$/.test(args) ? Number(args) : NaN;
        if (!(n >= 1 && n <= 255)) return cms(304);
        this.pduLength = n;
        return 'prompt';
      }
      case '+CHUP':
        return ok();
      case '+CUSD=':
        // No USSD network here; accepting the setting keeps gammu's init quiet.
        return /^[0-2]$/.test(args) ? ok() : error();
      default:
        return error();
    }
  }
}

function parseIndex(args: string): number | undefined {
  return /^\d{1,3}$/.test(args) ? Number(args) : undefined;
}
