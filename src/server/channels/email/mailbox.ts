/**
 * The development mailbox: when no SMTP relay is configured, every email is
 * written as a complete RFC 5322 message (`.eml`, opens in any mail client)
 * under `<dataDir>/mailbox/`, so OTP flows can be tried and tested without a
 * mail server. Files appear atomically: a reader never sees half a message.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { safeMessageId } from './smtp.js';
import { oneLine, unsafeHeaderField } from './types.js';
import type { EmailTransport, OutgoingEmail, SendResult } from './types.js';

/** The mailbox folder inside a Kirim data directory. */
export function mailboxDir(dataDir: string): string {
  return join(dataDir, 'mailbox');
}

/** Options for {@link createMailboxTransport}. */
export interface MailboxTransportOptions {
  /** Folder the `.eml` files go to (see {@link mailboxDir}); created when missing. */
  dir: string;
  /** Clock, for file names and the Date header (tests pin it). */
  now?: () => Date;
}

/**
 * Creates an {@link EmailTransport} that "delivers" into a folder, one file
 * per message named `<timestamp>-<messageId>.eml`. The timestamp sorts
 * lexically in time order (`2026-11-25T23-07-18.123Z`).
 */
export function createMailboxTransport(options: MailboxTransportOptions): EmailTransport {
  const now = options.now ?? (() => new Date());
  return {
    describe: () => `mailbox ${options.dir}`,
    async close() {},

    async send(mail: OutgoingEmail): Promise<SendResult> {
      const unsafe = unsafeHeaderField(mail);
      if (unsafe) return { ok: false, temporary: false, detail: unsafe };
      const date = now();
      const id = safeMessageId(mail.messageId);
      try {
        const raw = await new MailComposer({
          from: mail.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          ...(mail.html !== undefined ? { html: mail.html } : {}),
          date,
          messageId: `<${id}@kirim.mailbox>`,
          headers: { 'X-Kirim-Message-Id': id },
          disableFileAccess: true,
          disableUrlAccess: true,
          newline: 'win',
        })
          .compile()
          .build();
        // The files carry codes in clear: this user only (files.ts fixes older ones on start).
        await mkdir(options.dir, { recursive: true, mode: 0o700 });
        const name = `${date.toISOString().replace(/:/g, '-')}-${id}.eml`;
        // Write beside the target, then rename: rename within one folder is
        // atomic, so listMailbox never parses a half-written file. The dot
        // prefix and .tmp suffix keep the partial file out of listings.
        const tmp = join(options.dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
        try {
          await writeFile(tmp, raw, { flag: 'wx', mode: 0o600 });
          await rename(tmp, join(options.dir, name));
        } catch (err) {
          await unlink(tmp).catch(() => {});
          throw err;
        }
        return { ok: true, providerId: name };
      } catch (err) {
        // A full disk or a permission problem can be fixed without touching the message.
        return { ok: false, temporary: true, detail: oneLine(`mailbox write failed: ${(err as Error).message}`) };
      }
    },
  };
}

/** One message as {@link listMailbox} reports it. */
export interface MailboxEntry {
  /** File name inside the mailbox folder. */
  file: string;
  /** Kirim's message id (from the X-Kirim-Message-Id header), when present. */
  messageId?: string;
  /** Recipient addresses, as in the To header. */
  to: string;
  from: string;
  subject: string;
  /** ISO 8601 time from the Date header (the file name's time when missing). */
  date: string;
  /** The plain-text part. */
  text: string;
  /** The HTML part, when there is one. */
  html?: string;
}

/** Filters for {@link listMailbox}. */
export interface ListMailboxOptions {
  /** Only messages with this recipient (case-insensitive exact address). */
  to?: string;
  /** At most this many entries (default 50). */
  limit?: number;
}

/**
 * Lists the messages in a mailbox folder, newest first, parsed with
 * mailparser. A missing folder is an empty mailbox (nothing sent yet).
 */
export async function listMailbox(dir: string, options: ListMailboxOptions = {}): Promise<MailboxEntry[]> {
  const limit = Math.max(0, options.limit ?? 50);
  const wanted = options.to?.trim().toLowerCase();
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.eml') && !n.startsWith('.'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  // Names start with a sortable timestamp, so a reverse sort is newest first
  // and only as many files as needed get parsed.
  names.sort().reverse();
  // mailparser is loaded on first use: listing is a development and test
  // feature, and sending must never depend on it.
  const { simpleParser } = await import('mailparser');
  const out: MailboxEntry[] = [];
  for (const file of names) {
    if (out.length >= limit) break;
    let raw: Buffer;
    try {
      raw = await readFile(join(dir, file));
    } catch {
      continue; // removed while we were listing
    }
    const parsed = await simpleParser(raw);
    const toAddresses = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) => a.value);
    if (wanted && !toAddresses.some((a) => a.address?.toLowerCase() === wanted)) continue;
    const header = parsed.headers.get('x-kirim-message-id');
    const entry: MailboxEntry = {
      file,
      to: toAddresses.map((a) => a.address ?? '').filter(Boolean).join(', '),
      from: parsed.from?.value.map((a) => a.address ?? '').filter(Boolean).join(', ') ?? '',
      subject: parsed.subject ?? '',
      date: (parsed.date ?? fileDate(file) ?? new Date(0)).toISOString(),
      text: parsed.text ?? '',
    };
    if (typeof header === 'string') entry.messageId = header;
    if (typeof parsed.html === 'string') entry.html = parsed.html;
    out.push(entry);
  }
  return out;
}

/** Recovers the time encoded in a mailbox file name. */
function fileDate(file: string): Date | undefined {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d(?:\.\d+)?Z)/.exec(file);
  if (!m) return undefined;
  const d = new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
