/**
 * Names of the files the agent puts in gammu's outbox, and the rules gammu
 * 1.42 applies to outbox and inbox names (smsd/services/files.c).
 *
 * Outbox name: `OUT<P><yyyymmdd>_<hhmmss>_<serial>_<recipient>_<token>.txt[d]`
 * - `<P>` is the priority letter: gammu takes one file per loop in
 *   alphabetical order, so `A` (high) goes before `B` (normal) and `C` (low).
 * - four underscores make gammu read the recipient between the 3rd and 4th
 *   one; the token after it is free text that gammu keeps when it moves the
 *   file to sent/ or error/, which is how a file finds its message again.
 * - only `[A-Za-z0-9+_.-]` ever appears (gammu passes names unquoted to
 *   `sh -c` in RunOnSent/RunOnFailure) and the name stays within 99 bytes
 *   (100 bytes or more overflow a buffer in gammu-smsd and crash it).
 */
import { createHash } from 'node:crypto';
import type { Priority } from '../protocol/gateway.js';

/** Priority → the letter that orders gammu's queue. */
export const PRIORITY_LETTER: Record<Priority, string> = { high: 'A', normal: 'B', low: 'C' };

/** The longest name gammu-smsd 1.42 can handle without crashing. */
export const MAX_NAME_BYTES = 99;
/** The longest message token kept in a name. */
export const MAX_TOKEN_LENGTH = 48;

const RECIPIENT = /^\+?[0-9]{1,15}$/;
const SAFE_TOKEN = /^[A-Za-z0-9_-]+$/;
const SAFE_NAME = /^[A-Za-z0-9+_.-]+$/;

/** A recipient gammu would mangle (letters, too many digits, empty). */
export class InvalidRecipientError extends Error {
  override name = 'InvalidRecipientError';
}

/** True for a number gammu sends as written: optional `+`, 1 to 15 digits. */
export function isValidRecipient(to: string): boolean {
  return RECIPIENT.test(to);
}

/**
 * The part of a file name that identifies a message. An id made only of
 * `[A-Za-z0-9_-]` and at most {@link MAX_TOKEN_LENGTH} long is kept as is
 * (server ids such as `msg_01jd…` are); anything else becomes a sanitised
 * prefix plus a hash of the whole id, so two different ids never share a
 * token and no hostile character survives.
 */
export function messageToken(id: string): string {
  if (id.length <= MAX_TOKEN_LENGTH && SAFE_TOKEN.test(id)) return id;
  const hash = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 12);
  const prefix = id.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, MAX_TOKEN_LENGTH - hash.length - 1);
  return `${prefix}-${hash}`;
}

export interface OutboxNameInput {
  priority: Priority;
  /** Orders files of one priority (oldest first). */
  createdAt: Date;
  /** Any counter; kept modulo 1000. */
  serial: number;
  to: string;
  messageId: string;
  deliveryReport: boolean;
}

/** Builds the outbox file name for a message; throws {@link InvalidRecipientError}. */
export function buildOutboxName({ priority, createdAt, serial, to, messageId, deliveryReport }: OutboxNameInput): string {
  if (!isValidRecipient(to)) throw new InvalidRecipientError(`recipient is not a phone number gammu can send to`);
  const letter = PRIORITY_LETTER[priority] ?? PRIORITY_LETTER.normal;
  const t = Number.isFinite(createdAt.getTime()) ? createdAt : new Date();
  const year = Math.min(9999, Math.max(0, t.getUTCFullYear()));
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${String(year).padStart(4, '0')}${two(t.getUTCMonth() + 1)}${two(t.getUTCDate())}`;
  const time = `${two(t.getUTCHours())}${two(t.getUTCMinutes())}${two(t.getUTCSeconds())}`;
  const ser = String(Math.abs(Math.trunc(serial)) % 1000).padStart(3, '0');
  const name = `OUT${letter}${date}_${time}_${ser}_${to}_${messageToken(messageId)}.txt${deliveryReport ? 'd' : ''}`;
  // Unreachable by construction; a last guard because a bad name can crash
  // gammu or run a command through its hooks.
  if (Buffer.byteLength(name) > MAX_NAME_BYTES || !SAFE_NAME.test(name)) throw new Error('unsafe outbox name');
  return name;
}

/** What an agent-written outbox (or sent/error) file name says. */
export interface ParsedOutboxName {
  priority: string;
  recipient: string;
  token: string;
  deliveryReport: boolean;
}

const OUTBOX_NAME = /^OUT([A-Z])(\d{8})_(\d{6})_(\d{3})_(\+?\d{1,15})_([A-Za-z0-9_-]{1,48})\.txt(d?)$/;

/** Parses a name made by {@link buildOutboxName}; undefined for any other file. */
export function parseOutboxName(name: string): ParsedOutboxName | undefined {
  const m = OUTBOX_NAME.exec(name);
  if (!m) return undefined;
  return { priority: m[1]!, recipient: m[5]!, token: m[6]!, deliveryReport: m[7] === 'd' };
}

/**
 * True when gammu-smsd would consider this outbox entry for sending: not
 * hidden, starts with `out` (any case), last extension `.txt…` or
 * `.smsbackup`.
 */
export function isGammuOutboxCandidate(name: string): boolean {
  if (name.startsWith('.')) return false;
  if (name.slice(0, 3).toLowerCase() !== 'out') return false;
  const dot = name.lastIndexOf('.');
  if (dot < 0) return false;
  const ext = name.slice(dot).toLowerCase();
  return ext.startsWith('.txt') || ext.startsWith('.smsbackup');
}

/** gammu's queue order: byte order of the names (alphasort under LANG=C). */
export function gammuOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An inbox file name as gammu writes it. */
export interface ParsedInboxName {
  /** `IN<date>_<time>_<serial>` plus sender: identifies one saved message. */
  date: string;
  time: string;
  serial: string;
  sender: string;
  part: number;
  ext: string;
}

const INBOX_NAME = /^IN(\d{8})_(\d{6})_(\d{2})_(.*)_(\d{2})\.(txt|bin|smsbackup)$/;

/** Parses `IN<date>_<time>_<serial>_<sender>_<part>.<ext>`; undefined otherwise. */
export function parseInboxName(name: string): ParsedInboxName | undefined {
  const m = INBOX_NAME.exec(name);
  if (!m) return undefined;
  return { date: m[1]!, time: m[2]!, serial: m[3]!, sender: m[4]!, part: Number(m[5]), ext: m[6]! };
}

/**
 * True for a name that stays inside the folder it is joined to: not empty,
 * not `.` or `..`, no `/` and no NUL. Names read from a folder always are;
 * a name taken from anywhere else (gammu's log) is checked with this
 * before any file is opened or moved by it.
 */
export function isPlainFileName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\u0000');
}
