/**
 * SMS PDU codec (3GPP TS 23.040 / 23.038) for the simulated modem: decodes the
 * SMS-SUBMIT PDUs gammu sends with AT+CMGS, and encodes the SMS-DELIVER and
 * SMS-STATUS-REPORT PDUs the modem serves from its SIM storage.
 *
 * Why our own codec rather than an npm package: the best maintained one,
 * node-pdu 2.1.1, decodes SUBMIT correctly (€, extension table, 8/16-bit
 * concatenation) but cannot encode an SMS-STATUS-REPORT at all, and its
 * encoder splits long texts by UTF-16 code units (an extension character
 * counts as one septet, so a 153-character part can overflow, and an emoji
 * can be cut in half across two parts). The simulator must produce exactly
 * what a network produces, so the encoder has to be right; the whole codec
 * is small, and the tests here pin it against vectors gammu itself produced.
 */
import { packSeptets, septetsToText, textToSeptets, unpackSeptets } from './gsm7.js';

/** A PDU that does not follow TS 23.040 (answered `+CMS ERROR: 304`). */
export class PduError extends Error {
  override name = 'PduError';
}

/** Character set of the user data, from the data coding scheme. */
export type SmsEncoding = 'gsm7' | 'ucs2' | '8bit';

/** The concatenation information element of a multipart message. */
export interface Concat {
  /** Reference shared by every part of one message. */
  ref: number;
  /** Number of parts (1..255). */
  total: number;
  /** This part's position, 1-based. */
  seq: number;
  /** 8 for IEI 0x00, 16 for IEI 0x08. */
  refBits: 8 | 16;
}

/** One information element of a user data header. */
export interface InformationElement {
  iei: number;
  data: Uint8Array;
}

/** Decoded user data of one PDU. */
export interface UserData {
  encoding: SmsEncoding;
  /** The text (8-bit data as Latin-1, one character per byte). */
  text: string;
  /** The payload bytes after the header (for 8-bit messages). */
  data: Uint8Array;
  headers: InformationElement[];
  concat?: Concat;
}

/** Data coding scheme, the parts the simulator cares about. */
export interface DataCoding {
  encoding: SmsEncoding;
  /** Message class 0..3, or null when the DCS sets none. Class 0 = flash. */
  messageClass: number | null;
}

/** A decoded SMS-SUBMIT (mobile → network). */
export interface SubmitPdu {
  /** SMSC from the PDU, or null when the PDU left it to the modem (`00`). */
  smsc: string | null;
  messageReference: number;
  /** Destination: `+<digits>` for international numbers, digits otherwise, text for alphanumeric. */
  to: string;
  toType: number;
  statusReportRequested: boolean;
  rejectDuplicates: boolean;
  pid: number;
  dcs: number;
  coding: DataCoding;
  flash: boolean;
  validityPeriod: Uint8Array | null;
  userData: UserData;
  /** Length of the TPDU in octets (the `<length>` of AT+CMGS). */
  tpduLength: number;
}

/** A decoded SMS-DELIVER (network → mobile). */
export interface DeliverPdu {
  smsc: string | null;
  from: string;
  fromType: number;
  pid: number;
  dcs: number;
  coding: DataCoding;
  flash: boolean;
  timestamp: Date;
  statusReportIndication: boolean;
  userData: UserData;
  tpduLength: number;
}

/** A decoded SMS-STATUS-REPORT. */
export interface StatusReportPdu {
  smsc: string | null;
  messageReference: number;
  recipient: string;
  serviceCentreTime: Date;
  dischargeTime: Date;
  /** TP-Status: 0x00..0x1F completed, 0x20..0x3F still trying, 0x40.. failed. */
  status: number;
  tpduLength: number;
}

// ---------------------------------------------------------------- bytes

/** Hex string → bytes; throws PduError on odd length or non-hex characters. */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new PduError('odd number of hex digits');
  if (!/^[0-9a-fA-F]*$/.test(hex)) throw new PduError('not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Bytes → upper-case hex, as modems print PDUs. */
export function bytesToHex(bytes: Uint8Array | readonly number[]): string {
  let s = '';
  for (const b of bytes) s += (b & 0xff).toString(16).padStart(2, '0');
  return s.toUpperCase();
}

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}
  get remaining(): number {
    return this.bytes.length - this.pos;
  }
  byte(what: string): number {
    if (this.pos >= this.bytes.length) throw new PduError(`PDU ends before ${what}`);
    return this.bytes[this.pos++]!;
  }
  take(n: number, what: string): Uint8Array {
    if (n < 0 || this.pos + n > this.bytes.length) throw new PduError(`PDU ends inside ${what}`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

// ---------------------------------------------------------------- addresses

const SEMI = '0123456789*#abc';

function decodeSemiOctets(bytes: Uint8Array, digits: number): string {
  let out = '';
  for (let i = 0; i < digits; i++) {
    const b = bytes[i >> 1]!;
    const nib = i % 2 === 0 ? b & 0x0f : b >> 4;
    if (nib === 0x0f) break;
    out += SEMI[nib] ?? '?';
  }
  return out;
}

function encodeSemiOctets(digits: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < digits.length; i += 2) {
    const lo = SEMI.indexOf(digits[i]!);
    const hi = i + 1 < digits.length ? SEMI.indexOf(digits[i + 1]!) : 0x0f;
    if (lo < 0 || hi < 0) throw new PduError(`cannot encode digit in ${JSON.stringify(digits)}`);
    out.push(lo | (hi << 4));
  }
  return out;
}

/** Reads a TP address (length in semi-octets). */
function readAddress(r: Reader, what: string): { address: string; type: number } {
  const len = r.byte(`${what} length`);
  const type = r.byte(`${what} type`);
  if (len > 20) throw new PduError(`${what} longer than 20 digits`);
  const bytes = r.take(Math.ceil(len / 2), what);
  const ton = (type >> 4) & 0x07;
  if (ton === 5) {
    const septets = Math.floor((len * 4) / 7);
    return { address: septetsToText(unpackSeptets(bytes, septets)), type };
  }
  const digits = decodeSemiOctets(bytes, len);
  return { address: ton === 1 ? `+${digits}` : digits, type };
}

/** Encodes a TP address: `+digits` international, digits unknown type, anything else alphanumeric. */
export function encodeAddress(address: string): number[] {
  if (/^\+[0-9*#]{1,20}$/.test(address)) {
    const d = address.slice(1);
    return [d.length, 0x91, ...encodeSemiOctets(d)];
  }
  if (/^[0-9*#]{1,20}$/.test(address)) return [address.length, 0x81, ...encodeSemiOctets(address)];
  const septets = textToSeptets(address);
  if (!septets || septets.length === 0 || septets.length > 11) {
    throw new PduError(`cannot encode address ${JSON.stringify(address)}`);
  }
  const packed = packSeptets(septets);
  return [Math.ceil((septets.length * 7) / 4), 0xd0, ...packed];
}

/** Reads the SMSC prefix (length in octets, 0 = none). */
function readSmsc(r: Reader): string | null {
  const len = r.byte('SMSC length');
  if (len === 0) return null;
  if (len > 11) throw new PduError('SMSC address too long');
  const type = r.byte('SMSC type');
  const digits = decodeSemiOctets(r.take(len - 1, 'SMSC'), (len - 1) * 2);
  return ((type >> 4) & 7) === 1 ? `+${digits}` : digits;
}

/** Encodes the SMSC prefix: `00` for none. */
export function encodeSmsc(smsc: string | null): number[] {
  if (!smsc) return [0];
  const intl = smsc.startsWith('+');
  const digits = intl ? smsc.slice(1) : smsc;
  if (!/^[0-9]{1,20}$/.test(digits)) throw new PduError(`bad SMSC ${smsc}`);
  const body = encodeSemiOctets(digits);
  return [body.length + 1, intl ? 0x91 : 0x81, ...body];
}

// ---------------------------------------------------------------- timestamps

function bcd(n: number): number {
  return ((n % 10) << 4) | Math.floor(n / 10) % 10;
}
function unbcd(b: number): number {
  return (b & 0x0f) * 10 + (b >> 4);
}

/** Encodes a service-centre time stamp in the local time zone of `offsetMinutes` (east of UTC). */
export function encodeTimestamp(date: Date, offsetMinutes = -date.getTimezoneOffset()): number[] {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const q = Math.round(Math.abs(offsetMinutes) / 15);
  return [
    bcd(local.getUTCFullYear() % 100),
    bcd(local.getUTCMonth() + 1),
    bcd(local.getUTCDate()),
    bcd(local.getUTCHours()),
    bcd(local.getUTCMinutes()),
    bcd(local.getUTCSeconds()),
    bcd(q) | (offsetMinutes < 0 ? 0x08 : 0),
  ];
}

/** Decodes a 7-octet time stamp to an absolute Date. */
export function decodeTimestamp(b: Uint8Array): Date {
  const tzByte = b[6]!;
  const quarters = unbcd(tzByte & 0xf7);
  const offset = (tzByte & 0x08 ? -1 : 1) * quarters * 15;
  const utc = Date.UTC(
    2000 + unbcd(b[0]!),
    unbcd(b[1]!) - 1,
    unbcd(b[2]!),
    unbcd(b[3]!),
    unbcd(b[4]!),
    unbcd(b[5]!),
  );
  return new Date(utc - offset * 60_000);
}

// ---------------------------------------------------------------- data coding

/** Interprets a data coding scheme octet (TS 23.038 §4). */
export function decodeDcs(dcs: number): DataCoding {
  const group = dcs >> 4;
  if (group <= 0x7) {
    // General data coding (00xx) and automatic deletion group (01xx).
    if (dcs & 0x20) throw new PduError('compressed user data is not supported');
    const alphabet = (dcs >> 2) & 0x03;
    const encoding: SmsEncoding = alphabet === 1 ? '8bit' : alphabet === 2 ? 'ucs2' : 'gsm7';
    return { encoding, messageClass: dcs & 0x10 ? dcs & 0x03 : null };
  }
  if (group === 0xf) return { encoding: dcs & 0x04 ? '8bit' : 'gsm7', messageClass: dcs & 0x03 };
  if (group === 0xe) return { encoding: 'ucs2', messageClass: null };
  // 1100/1101 message waiting (GSM-7); 1000..1011 reserved: treat as GSM-7.
  return { encoding: 'gsm7', messageClass: null };
}

/** DCS octet for an encoding, with class 0 when `flash`. */
export function encodeDcs(encoding: SmsEncoding, flash = false): number {
  const alphabet = encoding === 'gsm7' ? 0x00 : encoding === '8bit' ? 0x04 : 0x08;
  return flash ? 0x10 | alphabet : alphabet;
}

// ---------------------------------------------------------------- user data

function parseHeaders(udh: Uint8Array): { headers: InformationElement[]; concat?: Concat } {
  const headers: InformationElement[] = [];
  let concat: Concat | undefined;
  let i = 0;
  while (i < udh.length) {
    if (i + 2 > udh.length) throw new PduError('truncated information element');
    const iei = udh[i]!;
    const len = udh[i + 1]!;
    if (i + 2 + len > udh.length) throw new PduError('information element overruns the header');
    const data = udh.slice(i + 2, i + 2 + len);
    headers.push({ iei, data });
    let c: Concat | undefined;
    if (iei === 0x00 && len === 3) c = { ref: data[0]!, total: data[1]!, seq: data[2]!, refBits: 8 };
    if (iei === 0x08 && len === 4) c = { ref: (data[0]! << 8) | data[1]!, total: data[2]!, seq: data[3]!, refBits: 16 };
    // TS 23.040 §9.2.3.24.1: a zero count or a sequence past the count means "ignore the element".
    if (c && c.total > 0 && c.seq > 0 && c.seq <= c.total) concat = c;
    i += 2 + len;
  }
  return concat ? { headers, concat } : { headers };
}

function decodeUserData(r: Reader, encoding: SmsEncoding, udhi: boolean): UserData {
  const udl = r.byte('user data length');
  if (encoding === 'gsm7') {
    if (udl > 160) throw new PduError('user data longer than 160 septets');
    const ud = r.take(Math.ceil((udl * 7) / 8), 'user data');
    let headers: InformationElement[] = [];
    let concat: Concat | undefined;
    let skipSeptets = 0;
    let fill = 0;
    let offset = 0;
    if (udhi) {
      if (ud.length === 0) throw new PduError('header indicated but user data empty');
      const udhl = ud[0]!;
      if (udhl + 1 > ud.length) throw new PduError('user data header overruns user data');
      ({ headers, concat } = parseHeaders(ud.subarray(1, 1 + udhl)));
      offset = udhl + 1;
      skipSeptets = Math.ceil((offset * 8) / 7);
      fill = skipSeptets * 7 - offset * 8;
      if (skipSeptets > udl) throw new PduError('user data header longer than user data');
    }
    const septets = unpackSeptets(ud.subarray(offset), udl - skipSeptets, fill);
    const text = septetsToText(septets);
    return { encoding, text, data: new Uint8Array(septets), headers, ...(concat ? { concat } : {}) };
  }
  if (udl > 140) throw new PduError('user data longer than 140 octets');
  const ud = r.take(udl, 'user data');
  let headers: InformationElement[] = [];
  let concat: Concat | undefined;
  let payload = ud;
  if (udhi) {
    if (ud.length === 0) throw new PduError('header indicated but user data empty');
    const udhl = ud[0]!;
    if (udhl + 1 > ud.length) throw new PduError('user data header overruns user data');
    ({ headers, concat } = parseHeaders(ud.subarray(1, 1 + udhl)));
    payload = ud.subarray(1 + udhl);
  }
  let text = '';
  if (encoding === 'ucs2') {
    // Code units, joined later: a surrogate pair may be split across parts.
    for (let i = 0; i + 1 < payload.length; i += 2) text += String.fromCharCode((payload[i]! << 8) | payload[i + 1]!);
  } else {
    for (const b of payload) text += String.fromCharCode(b);
  }
  return { encoding, text, data: payload.slice(), headers, ...(concat ? { concat } : {}) };
}

/** What one PDU part carries: text (or raw 8-bit data) and optional concatenation. */
export interface UserDataInput {
  encoding: SmsEncoding;
  text?: string;
  /** Raw payload for 8-bit messages (wins over `text`). */
  data?: Uint8Array;
  concat?: Concat;
}

function concatHeader(c: Concat): number[] {
  return c.refBits === 16
    ? [0x08, 4, (c.ref >> 8) & 0xff, c.ref & 0xff, c.total, c.seq]
    : [0x00, 3, c.ref & 0xff, c.total, c.seq];
}

/** Encodes user data: returns UDL and the UD octets (header included). */
export function encodeUserData(input: UserDataInput): { udl: number; ud: number[]; udhi: boolean } {
  const ies = input.concat ? concatHeader(input.concat) : [];
  const udh = ies.length ? [ies.length, ...ies] : [];
  if (input.encoding === 'gsm7') {
    const septets = textToSeptets(input.text ?? '');
    if (!septets) throw new PduError('text has characters outside the GSM 7-bit alphabet');
    const headerSeptets = Math.ceil((udh.length * 8) / 7);
    const fill = headerSeptets * 7 - udh.length * 8;
    const udl = headerSeptets + septets.length;
    if (udl > 160) throw new PduError('text too long for one part');
    return { udl, ud: [...udh, ...packSeptets(septets, fill)], udhi: udh.length > 0 };
  }
  let payload: number[];
  if (input.encoding === 'ucs2') {
    payload = [];
    const t = input.text ?? '';
    for (let i = 0; i < t.length; i++) {
      const u = t.charCodeAt(i);
      payload.push(u >> 8, u & 0xff);
    }
  } else {
    payload = input.data ? [...input.data] : [...(input.text ?? '')].map((c) => c.charCodeAt(0) & 0xff);
  }
  const ud = [...udh, ...payload];
  if (ud.length > 140) throw new PduError('data too long for one part');
  return { udl: ud.length, ud, udhi: udh.length > 0 };
}

/** GSM-7 when the text fits the alphabet and its extension, UCS-2 otherwise (what gammu's `auto` does). */
export function chooseEncoding(text: string): SmsEncoding {
  return textToSeptets(text) ? 'gsm7' : 'ucs2';
}

/**
 * Splits a text into the parts a phone would send: 160/153 septets for GSM-7
 * (never splitting an escape pair), 70/67 UTF-16 units for UCS-2 (never
 * splitting a surrogate pair), 140/134 octets for 8-bit.
 */
export function splitText(text: string, encoding: SmsEncoding): string[] {
  const [single, multi] = encoding === 'gsm7' ? [160, 153] : encoding === 'ucs2' ? [70, 67] : [140, 134];
  const size = (ch: string): number =>
    encoding === 'gsm7' ? (textToSeptets(ch)?.length ?? 1) : encoding === 'ucs2' ? ch.length : 1;
  const chars = [...text];
  const total = chars.reduce((n, c) => n + size(c), 0);
  if (total <= single) return [text];
  const parts: string[] = [];
  let cur = '';
  let used = 0;
  for (const ch of chars) {
    const s = size(ch);
    if (used + s > multi) {
      parts.push(cur);
      cur = '';
      used = 0;
    }
    cur += ch;
    used += s;
  }
  if (cur) parts.push(cur);
  return parts;
}

// ---------------------------------------------------------------- SMS-SUBMIT

/**
 * Decodes an SMS-SUBMIT as hex, SMSC prefix included (as AT+CMGS receives it).
 * When `tpduLength` is given (the `<length>` of AT+CMGS) it must match.
 */
export function decodeSubmit(hex: string, tpduLength?: number): SubmitPdu {
  const r = new Reader(hexToBytes(hex));
  const smsc = readSmsc(r);
  const tpduStart = r.pos;
  const actualLength = r.remaining;
  if (tpduLength !== undefined && tpduLength !== actualLength) {
    throw new PduError(`length ${tpduLength} given, PDU has ${actualLength} octets`);
  }
  const first = r.byte('first octet');
  if ((first & 0x03) !== 0x01) throw new PduError('not an SMS-SUBMIT');
  const vpf = (first >> 3) & 0x03;
  const messageReference = r.byte('message reference');
  const { address: to, type: toType } = readAddress(r, 'destination');
  const pid = r.byte('protocol identifier');
  const dcs = r.byte('data coding scheme');
  const coding = decodeDcs(dcs);
  const validityPeriod = vpf === 0 ? null : vpf === 2 ? r.take(1, 'validity period') : r.take(7, 'validity period');
  const userData = decodeUserData(r, coding.encoding, (first & 0x40) !== 0);
  if (r.remaining !== 0) throw new PduError(`${r.remaining} octets after the user data`);
  return {
    smsc,
    messageReference,
    to,
    toType,
    statusReportRequested: (first & 0x20) !== 0,
    rejectDuplicates: (first & 0x04) !== 0,
    pid,
    dcs,
    coding,
    flash: coding.messageClass === 0,
    validityPeriod,
    userData,
    tpduLength: r.pos - tpduStart,
  };
}

/** Options of {@link encodeSubmit}. */
export interface SubmitInput extends UserDataInput {
  to: string;
  smsc?: string | null;
  messageReference?: number;
  statusReportRequest?: boolean;
  flash?: boolean;
  /** Relative validity period octet; null for none. Default 0xFF like gammu. */
  validity?: number | null;
}

/** Encodes one SMS-SUBMIT part (hex, SMSC prefix included) and its TPDU length. */
export function encodeSubmit(input: SubmitInput): { hex: string; tpduLength: number } {
  const { udl, ud, udhi } = encodeUserData(input);
  const validity = input.validity === undefined ? 0xff : input.validity;
  const first = 0x01 | (validity === null ? 0 : 0x10) | (input.statusReportRequest ? 0x20 : 0) | (udhi ? 0x40 : 0);
  const tpdu = [
    first,
    input.messageReference ?? 0,
    ...encodeAddress(input.to),
    0x00,
    encodeDcs(input.encoding, input.flash),
    ...(validity === null ? [] : [validity]),
    udl,
    ...ud,
  ];
  return { hex: bytesToHex([...encodeSmsc(input.smsc ?? null), ...tpdu]), tpduLength: tpdu.length };
}

// ---------------------------------------------------------------- SMS-DELIVER

/** Options of {@link encodeDeliver}. */
export interface DeliverInput extends UserDataInput {
  from: string;
  smsc?: string | null;
  timestamp?: Date;
  flash?: boolean;
}

/** Encodes one SMS-DELIVER part (hex, SMSC prefix included) and its TPDU length. */
export function encodeDeliver(input: DeliverInput): { hex: string; tpduLength: number } {
  const { udl, ud, udhi } = encodeUserData(input);
  // 0x04: TP-MMS "no more messages waiting"; 0x40: TP-UDHI.
  const first = 0x04 | (udhi ? 0x40 : 0);
  const tpdu = [
    first,
    ...encodeAddress(input.from),
    0x00,
    encodeDcs(input.encoding, input.flash),
    ...encodeTimestamp(input.timestamp ?? new Date()),
    udl,
    ...ud,
  ];
  return { hex: bytesToHex([...encodeSmsc(input.smsc ?? null), ...tpdu]), tpduLength: tpdu.length };
}

/** Decodes an SMS-DELIVER (hex, SMSC prefix included). */
export function decodeDeliver(hex: string): DeliverPdu {
  const r = new Reader(hexToBytes(hex));
  const smsc = readSmsc(r);
  const start = r.pos;
  const first = r.byte('first octet');
  if ((first & 0x03) !== 0x00) throw new PduError('not an SMS-DELIVER');
  const { address: from, type: fromType } = readAddress(r, 'originator');
  const pid = r.byte('protocol identifier');
  const dcs = r.byte('data coding scheme');
  const coding = decodeDcs(dcs);
  const timestamp = decodeTimestamp(r.take(7, 'time stamp'));
  const userData = decodeUserData(r, coding.encoding, (first & 0x40) !== 0);
  if (r.remaining !== 0) throw new PduError(`${r.remaining} octets after the user data`);
  return {
    smsc,
    from,
    fromType,
    pid,
    dcs,
    coding,
    flash: coding.messageClass === 0,
    timestamp,
    statusReportIndication: (first & 0x20) !== 0,
    userData,
    tpduLength: r.pos - start,
  };
}

/**
 * Encodes a whole text as SMS-DELIVER parts, splitting and adding an 8-bit
 * concatenation header when it does not fit one part.
 */
export function encodeDeliverParts(opts: {
  from: string;
  text: string;
  encoding?: SmsEncoding;
  smsc?: string | null;
  timestamp?: Date;
  flash?: boolean;
  concatRef?: number;
}): Array<{ hex: string; tpduLength: number }> {
  const encoding = opts.encoding ?? chooseEncoding(opts.text);
  const texts = splitText(opts.text, encoding);
  return texts.map((text, i) =>
    encodeDeliver({
      from: opts.from,
      text,
      encoding,
      smsc: opts.smsc ?? null,
      timestamp: opts.timestamp ?? new Date(),
      flash: opts.flash ?? false,
      ...(texts.length > 1
        ? { concat: { ref: (opts.concatRef ?? 0) & 0xff, total: texts.length, seq: i + 1, refBits: 8 as const } }
        : {}),
    }),
  );
}

// ---------------------------------------------------------------- SMS-STATUS-REPORT

/** TP-Status for "delivered" and for a permanent failure. */
export const STATUS_DELIVERED = 0x00;
export const STATUS_FAILED = 0x41;

/** Encodes an SMS-STATUS-REPORT (hex, SMSC prefix included). */
export function encodeStatusReport(input: {
  messageReference: number;
  recipient: string;
  status: number;
  smsc?: string | null;
  serviceCentreTime?: Date;
  dischargeTime?: Date;
}): { hex: string; tpduLength: number } {
  const now = new Date();
  const tpdu = [
    0x06, // MTI 10 (status report), TP-MMS, TP-SRQ 0 (report on an SMS-SUBMIT)
    input.messageReference & 0xff,
    ...encodeAddress(input.recipient),
    ...encodeTimestamp(input.serviceCentreTime ?? now),
    ...encodeTimestamp(input.dischargeTime ?? now),
    input.status & 0xff,
  ];
  return { hex: bytesToHex([...encodeSmsc(input.smsc ?? null), ...tpdu]), tpduLength: tpdu.length };
}

/** Decodes an SMS-STATUS-REPORT (hex, SMSC prefix included). */
export function decodeStatusReport(hex: string): StatusReportPdu {
  const r = new Reader(hexToBytes(hex));
  const smsc = readSmsc(r);
  const start = r.pos;
  const first = r.byte('first octet');
  if ((first & 0x03) !== 0x02) throw new PduError('not an SMS-STATUS-REPORT');
  const messageReference = r.byte('message reference');
  const { address: recipient } = readAddress(r, 'recipient');
  const serviceCentreTime = decodeTimestamp(r.take(7, 'time stamp'));
  const dischargeTime = decodeTimestamp(r.take(7, 'discharge time'));
  const status = r.byte('status');
  // Optional parameter indicator and what it announces are ignored.
  r.pos = r.bytes.length;
  return { smsc, messageReference, recipient, serviceCentreTime, dischargeTime, status, tpduLength: r.pos - start };
}
