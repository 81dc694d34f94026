/**
 * The chaos test's verdict, from three independent records: what the API
 * accepted (the test's own list), what the database says became of each
 * message, and what each simulated handset received (modem-sim's state
 * folders, written by the modems, never by Kirim).
 *
 * Every destination number is used by one message only, so "received
 * twice" is a handset with two messages, whatever their text (an OTP's text
 * is not known to the test).
 */
import { readHandset, listHandsets, readSubmittedParts, type SubmittedPart } from '../../src/modem-sim/state.js';
import type { MessageStatus } from '../../src/protocol/enums.js';

export const TERMINAL: readonly MessageStatus[] = ['sent', 'delivered', 'failed', 'expired', 'canceled'];

export interface Accepted {
  kind: 'otp' | 'sms';
  to: string;
  /** Lifetime asked for (plain SMS) or the OTP's (seconds). */
  ttlSeconds: number;
  /** The message's id (plain SMS) or the verification's (OTP). */
  id: string;
}

export interface MessageFact {
  id: string;
  verification_id: string | null;
  to: string;
  status: MessageStatus;
  expires_at: number;
  gateway_id: string | null;
  history: string;
}

export interface Modem {
  name: string;
  simState: string;
  gammuKills: number[];
}

export interface Receipt {
  modem: string;
  at: number;
  text: string;
}

export interface Verdict {
  accepted: number;
  byStatus: Record<string, number>;
  notTerminal: string[];
  /** Accepted, and no message in the database. */
  missing: string[];
  /** `sent`/`delivered` and at no handset. */
  lost: string[];
  /** A handset with two or more messages, not explained by a gammu-smsd kill. */
  duplicates: string[];
  /** Two copies of one PDU on one modem with a gammu-smsd kill of that modem between them. */
  gammuResends: string[];
  /** Received after its expires_at. */
  afterExpiry: string[];
  /** Arrived, but the database says failed/expired/canceled. */
  arrivedButNotSent: string[];
  receivedBy: Record<string, number>;
}

function partsByNumber(parts: SubmittedPart[]): Map<string, SubmittedPart[]> {
  const m = new Map<string, SubmittedPart[]>();
  for (const p of parts) m.set(p.number, [...(m.get(p.number) ?? []), p]);
  return m;
}

/**
 * gammu moves a file to sent/ right after the modem answers AT+CMGS; a kill
 * in that gap makes it send the file again when it restarts.
 */
const GAMMU_MOVE_WINDOW_MS = 5_000;

/**
 * Two receipts of one message on one modem are gammu's resend when the PDUs
 * are the same and that modem's gammu-smsd was killed just after the first
 * (a second file written by a gateway would be a duplicate whatever the kills).
 */
function gammuResend(parts: SubmittedPart[], kills: number[]): boolean {
  if (parts.length !== 2 || parts[0]!.pdu !== parts[1]!.pdu) return false;
  const [a, b] = parts.map((p) => Date.parse(p.received_at)) as [number, number];
  return kills.some((k) => k >= a && k <= Math.min(b, a + GAMMU_MOVE_WINDOW_MS));
}

export function judge(accepted: Accepted[], messages: MessageFact[], modems: Modem[]): Verdict {
  const receipts = new Map<string, Receipt[]>();
  const parts = new Map<string, Map<string, SubmittedPart[]>>();
  const receivedBy: Record<string, number> = {};
  for (const m of modems) {
    parts.set(m.name, partsByNumber(readSubmittedParts(m.simState)));
    for (const number of listHandsets(m.simState)) {
      for (const r of readHandset(m.simState, number)) {
        receipts.set(r.number, [...(receipts.get(r.number) ?? []), { modem: m.name, at: Date.parse(r.received_at), text: r.text }]);
        receivedBy[m.name] = (receivedBy[m.name] ?? 0) + 1;
      }
    }
  }
  const byKey = new Map<string, MessageFact[]>();
  for (const m of messages) {
    const k = m.verification_id ?? m.id;
    byKey.set(k, [...(byKey.get(k) ?? []), m]);
  }
  const v: Verdict = {
    accepted: accepted.length,
    byStatus: {},
    notTerminal: [],
    missing: [],
    lost: [],
    duplicates: [],
    gammuResends: [],
    afterExpiry: [],
    arrivedButNotSent: [],
    receivedBy,
  };
  for (const a of accepted) {
    const rows = byKey.get(a.id) ?? [];
    if (rows.length === 0) {
      v.missing.push(`${a.kind} ${a.id} to ${a.to}`);
      continue;
    }
    const got = receipts.get(a.to) ?? [];
    const resent = got.length === 2 && got[0]!.modem === got[1]!.modem && gammuResend(parts.get(got[0]!.modem)?.get(a.to) ?? [], modems.find((x) => x.name === got[0]!.modem)!.gammuKills);
    for (const m of rows) {
      const what = `${a.kind} ${m.id} to ${a.to} (${m.history})`;
      v.byStatus[m.status] = (v.byStatus[m.status] ?? 0) + 1;
      if (!TERMINAL.includes(m.status)) v.notTerminal.push(what);
      if ((m.status === 'sent' || m.status === 'delivered') && got.length === 0) v.lost.push(what);
      if ((m.status === 'failed' || m.status === 'expired' || m.status === 'canceled') && got.length > 0) v.arrivedButNotSent.push(what);
      // gammu's resend is its own window, counted below; the first copy is Kirim's.
      for (const r of resent ? got.slice(0, 1) : got) if (r.at > m.expires_at) v.afterExpiry.push(`${what}: received at ${new Date(r.at).toISOString()} on ${r.modem}, expired at ${new Date(m.expires_at).toISOString()}`);
    }
    if (got.length > 1) {
      const where = got.map((r) => `${r.modem} at ${new Date(r.at).toISOString()}`).join(', ');
      if (resent) v.gammuResends.push(`${a.kind} ${a.id} to ${a.to}: ${where}`);
      else v.duplicates.push(`${a.kind} ${a.id} to ${a.to}: ${where} (${rows.map((m) => m.history).join(' | ')})`);
    }
  }
  return v;
}

/** The figures as a table for the test's output (and docs/scaling.md). */
export function table(v: Verdict, faults: Record<string, number>, extra: Record<string, string | number>): string {
  const rows: Array<[string, string | number]> = [
    ...Object.entries(extra),
    ['faults', Object.entries(faults).map(([k, n]) => `${k} ${n}`).join(', ')],
    ['accepted by the API', v.accepted],
    ['final status', Object.entries(v.byStatus).map(([k, n]) => `${k} ${n}`).join(', ')],
    ['received by handsets', Object.entries(v.receivedBy).map(([k, n]) => `${k} ${n}`).join(', ')],
    ['not terminal', v.notTerminal.length],
    ['lost (accepted, missing, or sent and at no handset)', v.missing.length + v.lost.length],
    ['received twice', v.duplicates.length],
    ['received after expiry', v.afterExpiry.length],
    ['arrived but failed/expired', v.arrivedButNotSent.length],
    ['resent by gammu-smsd after a kill (its own window)', v.gammuResends.length],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, val]) => `| ${k.padEnd(w)} | ${val} |`).join('\n');
}
