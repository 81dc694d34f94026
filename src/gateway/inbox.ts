/**
 * Reads gammu's inbox. gammu 1.42 saves one file per part
 * (`IN<date>_<time>_<serial>_<sender>_<part>.txt`, parts `_00`, `_01`, …),
 * each part named with its own timestamp, and writes them with plain
 * fopen/fwrite (not atomically). So the agent groups parts by sender and
 * serial in the order gammu wrote them, and only reads a group once its
 * files have stopped changing for a moment.
 *
 * With `inboxformat = detail` one `.smsbackup` file holds all parts, and a
 * delivery report is marked `PDU = Status_Report` with its
 * `MessageReference`.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { parseInboxName, type ParsedInboxName } from '../gammu/names.js';
import { parseIni, iniGet } from './smsdrc.js';

/** One inbox file with what its name says. */
export interface InboxFile {
  name: string;
  parsed: ParsedInboxName;
  mtimeMs: number;
}

/** The files of one received message, parts in order. */
export interface InboxGroup {
  /** The first part's file name: stable, used as the inbound `key`. */
  key: string;
  sender: string;
  files: InboxFile[];
  /** When gammu wrote the last part. */
  lastWriteMs: number;
}

/** Lists and parses the inbox; files with other names are ignored. */
export async function scanInbox(dir: string): Promise<InboxFile[]> {
  const out: InboxFile[] = [];
  for (const name of await fs.readdir(dir)) {
    const parsed = parseInboxName(name);
    if (!parsed) continue;
    try {
      const st = await fs.stat(join(dir, name));
      if (st.isFile()) out.push({ name, parsed, mtimeMs: st.mtimeMs });
    } catch {
      // Moved away meanwhile.
    }
  }
  return out;
}

/**
 * Joins parts into messages: within one sender and serial, files in write
 * order; a part `_00` starts a message and part n+1 continues the message
 * whose last part is n.
 */
export function groupInboxFiles(files: InboxFile[]): InboxGroup[] {
  const bySource = new Map<string, InboxFile[]>();
  for (const f of files) {
    const k = `${f.parsed.serial}\u0000${f.parsed.sender}`;
    const list = bySource.get(k) ?? [];
    list.push(f);
    bySource.set(k, list);
  }
  const groups: InboxGroup[] = [];
  for (const list of bySource.values()) {
    list.sort((a, b) => a.mtimeMs - b.mtimeMs || a.parsed.part - b.parsed.part || (a.name < b.name ? -1 : 1));
    let current: InboxGroup | undefined;
    for (const f of list) {
      const last = current?.files[current.files.length - 1];
      if (current && last && f.parsed.part === last.parsed.part + 1) {
        current.files.push(f);
        current.lastWriteMs = Math.max(current.lastWriteMs, f.mtimeMs);
      } else {
        // A part 00, or an orphan part whose predecessors are gone: its own message.
        current = { key: f.name, sender: f.parsed.sender, files: [f], lastWriteMs: f.mtimeMs };
        groups.push(current);
      }
    }
  }
  return groups.sort((a, b) => a.files[0]!.mtimeMs - b.files[0]!.mtimeMs);
}

/** Decoded content of one inbox file. */
export interface InboxContent {
  text: string;
  /** Set for a delivery report found in a `.smsbackup` file. */
  statusReport?: { status: string; reference: number; number: string };
  /** Parts held in the file (detail format). */
  parts?: number;
}

/** Decodes UCS-2/UTF-16 big-endian. */
function utf16be(buf: Buffer): string {
  const swapped = Buffer.from(buf.subarray(0, buf.length - (buf.length % 2)));
  swapped.swap16();
  return swapped.toString('utf16le');
}

/** Reads one inbox file in whichever format gammu used. */
export function decodeInboxFile(name: string, data: Buffer): InboxContent {
  // inboxformat = detail keeps the `.txt` name but writes the backup format.
  const asText = data[0] === 0xff && data[1] === 0xfe ? data.subarray(2).toString('utf16le') : data.toString('utf8');
  if (name.endsWith('.smsbackup') || /^\[SMSBackup\d+\]/m.test(asText)) return decodeSmsBackup(asText);
  if (name.endsWith('.bin')) return { text: data.toString('latin1') };
  // inboxformat = unicode: BOM FE FF then UCS-2 big-endian. gammu 1.42 may
  // append garbage after the text; NULs at least are cut.
  if (data[0] === 0xfe && data[1] === 0xff) return { text: utf16be(data.subarray(2)).replace(/\u0000+$/, '') };
  if (data[0] === 0xff && data[1] === 0xfe) return { text: data.subarray(2).toString('utf16le') };
  return { text: data.toString('utf8') };
}

/** Reads gammu's SMS backup format (`[SMSBackup000]` sections, hex UCS-2 `Text00…`). */
export function decodeSmsBackup(text: string): InboxContent {
  const sections = parseIni(text).filter((s) => /^SMSBackup\d+$/i.test(s.name));
  let body = '';
  let report: InboxContent['statusReport'];
  for (const sec of sections) {
    const one = [sec];
    const hex = sec.entries
      .filter((e) => /^Text\d+$/i.test(e.key))
      .sort((a, b) => Number(a.key.slice(4)) - Number(b.key.slice(4)))
      .map((e) => e.value)
      .join('');
    const part = utf16be(Buffer.from(hex.replace(/[^0-9a-fA-F]/g, ''), 'hex'));
    const pdu = iniGet(one, sec.name, 'PDU')?.value;
    if (pdu?.toLowerCase() === 'status_report') {
      report = {
        status: part,
        reference: Number(iniGet(one, sec.name, 'MessageReference')?.value ?? -1),
        number: (iniGet(one, sec.name, 'Number')?.value ?? '').replace(/^"|"$/g, ''),
      };
    }
    body += part;
  }
  const out: InboxContent = { text: body, parts: sections.length };
  if (report) out.statusReport = report;
  return out;
}

/** The status words gammu writes for a delivery report. */
export const REPORT_WORDS = ['Delivered', 'Failed', 'Pending', 'Unknown'] as const;
