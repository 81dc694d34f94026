/**
 * Arbitraries of what the gateway agent finds in gammu's spool, for the
 * property-based tests (src/gateway/spool.fuzz.test.ts and
 * test/gateway-spool.fuzz.test.ts): file names a Linux folder can hold,
 * names as gammu writes them and near misses, file contents in every
 * format gammu uses and any bytes, and lines of gammu's log.
 */
import fc from 'fast-check';
import { sep } from 'node:path';

/** Bytes a file name may hold on Linux: anything but `/` and NUL, 1 to 255 bytes, not `.` or `..`. */
export const anyFileName: fc.Arbitrary<string> = fc
  .oneof(fc.string({ minLength: 1, maxLength: 60 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }))
  .map((s) => s.replace(/[/\u0000]/g, '_').replace(/[\ud800-\udfff]/g, '?'))
  .filter((s) => s !== '.' && s !== '..' && Buffer.byteLength(s) <= 255);

const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
export const sender = fc.oneof(fc.stringMatching(/^\+?[0-9]{3,15}$/), fc.constantFrom('TELKOMSEL', 'XL', 'a_b', '', '+62 812', '😀'), anyFileName.map((s) => s.slice(0, 20)));

/** Names as gammu writes them (and near misses): inbox parts, outbox files of the agent and of others, with odd extensions. */
export const gammuName: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(digits(8), digits(6), digits(2), sender, digits(2), fc.constantFrom('txt', 'bin', 'smsbackup', 'TXT', 'txt~', '')).map(([d, t, s, f, p, e]) => `IN${d}_${t}_${s}_${f}_${p}.${e}`),
  fc.tuple(fc.constantFrom('A', 'B', 'C', 'a', 'Z'), digits(8), digits(6), fc.oneof(digits(3), digits(2)), sender, anyFileName.map((s) => s.slice(0, 50)), fc.constantFrom('.txt', '.txtd', '.smsbackup', '.txt.bak', '')).map(
    ([p, d, t, s, to, tok, e]) => `OUT${p}${d}_${t}_${s}_${to}_${tok}${e}`,
  ),
  fc.tuple(digits(8), digits(6), digits(2), sender).map(([d, t, s, to]) => `OUTC${d}_${t}_${s}_${to}_sms0.smsbackup`),
  fc.constantFrom('.kirim-tmp-OUTB20260101_000000_000_+628_x.txt', '.kirim-withdrawn-OUTB20260101_000000_000_+628_x.txt', '.hidden', 'IN', 'OUT', '-', '~'),
).filter((s) => Buffer.byteLength(s) <= 255 && !s.includes('/'));

export const fileName = fc.oneof(gammuName, anyFileName);

/** gammu's SMS backup text with arbitrary sections, keys and hex. */
export const smsBackup: fc.Arbitrary<string> = fc
  .array(
    fc.record({
      section: fc.oneof(fc.nat({ max: 999 }).map((n) => `SMSBackup${String(n).padStart(3, '0')}`), fc.string({ maxLength: 12 })),
      entries: fc.array(
        fc.tuple(
          fc.oneof(fc.nat({ max: 20 }).map((n) => `Text${String(n).padStart(2, '0')}`), fc.constantFrom('PDU', 'MessageReference', 'Number', 'Coding', 'State'), fc.string({ maxLength: 10 })),
          fc.oneof(fc.stringMatching(/^[0-9A-Fa-f]{0,40}$/), fc.constantFrom('Status_Report', 'Deliver', '"+6281234567890"', '-1', '1e9', 'NaN'), fc.string({ maxLength: 30 })),
        ),
        { maxLength: 6 },
      ),
    }),
    { maxLength: 4 },
  )
  .map((secs) => secs.map((s) => `[${s.section}]\n${s.entries.map(([k, v]) => `${k} = ${v}`).join('\n')}`).join('\n\n'));

/** File contents: arbitrary bytes, text in gammu's encodings, SMS backups. */
export const contents: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.string({ unit: 'grapheme', maxLength: 100 }).map((s) => Buffer.from(s, 'utf8')),
  fc.string({ maxLength: 100 }).map((s) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')])),
  fc.string({ maxLength: 100 }).map((s) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()])),
  fc.uint8Array({ maxLength: 101 }).map((b) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(b)])),
  smsBackup.map((s) => Buffer.from(s, 'utf8')),
  fc.constantFrom('Delivered', 'Failed', 'Pending', 'Unknown', '').map((s) => Buffer.from(s)),
);

/**
 * File names a log line may name: one of the case's own files (the marker
 * `@@<n>`, replaced when the case runs), names that climb out of the
 * spool, and anything.
 */
export const loggedName = fc.oneof(
  { weight: 3, arbitrary: fc.nat({ max: 99 }).map((i) => `@@${i}@@`) },
  { weight: 2, arbitrary: fc.constantFrom('../outside/victim.txt', '../../outside/victim.txt', '/etc/passwd', 'a/b', '.', '..', '../outbox', `..${sep}..${sep}outside`, './OUTB.txt') },
  { weight: 1, arbitrary: anyFileName },
);

/** Puts the case's file names where a log line has a marker. */
export function namePresent(line: string, present: string[]): string {
  return line.replace(/@@(\d+)@@/g, (_, i: string) => present[Number(i) % Math.max(present.length, 1)] ?? 'OUTB20260101_000000_000_+628_x.txt');
}

/** A line of gammu's log: the shapes the agent reads, filled with arbitrary names, and arbitrary text. */
export const logLine: fc.Arbitrary<string> = (() => {
  const name = loggedName;
  const stamp = 'Wed 2026/11/25 23:07:41 gammu-smsd[9624]: ';
  return fc.oneof(
    name.map((f) => `${stamp}New message to send: ${f}`),
    fc.tuple(name, fc.constantFrom('part', 'total'), fc.nat({ max: 300 }), sender, fc.stringMatching(/^[0-9a-fA-F]{1,12}$/)).map(([f, pt, n, to, ref]) => `${stamp}Transmitted ${f} (${pt}: ${n}) to ${to}, message reference 0x${ref}`),
    fc.string({ maxLength: 40 }).map((r) => `${stamp}Error sending SMS: ${r}`),
    fc.string({ maxLength: 40 }).map((r) => `${stamp}Error getting send status of message: ${r}`),
    fc.tuple(fc.integer({ min: -5, max: 500 }), fc.integer({ min: -5, max: 300 })).map(([s, r]) => `${stamp}SMS sent on device: "/dev/ttyUSB0" status=${s}, reference=${r}`),
    name.map((f) => `${stamp}Error in outbox on '${f}'`),
    fc.tuple(fc.constantFrom('Received', 'Delivery report'), name).map(([k, f]) => `${stamp}${k} ${f.startsWith('IN') ? f : `IN${f}`}`),
    fc.tuple(fc.constantFrom('Delivered', 'Failed', 'Pending', 'x'), sender, fc.stringMatching(/^[0-9a-f]{1,4}$/)).map(([st, n, r]) => `${stamp}Delivery report: ${st} to ${n}, message reference 0x${r}`),
    fc.constant(`${stamp}Starting phone communication...`),
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 80 }).map((s) => s.replace(/\n/g, ' ')),
  );
})();
