/**
 * The bytes of a gammu outbox file. Promise: {@link encodeOutboxText} gives
 * bytes gammu-smsd 1.42 reads as exactly the text given, whatever the
 * locale it runs under, and {@link decodeOutboxText} turns them back.
 */

/**
 * UTF-16LE with a byte-order mark: the only encoding gammu reads correctly
 * whatever its locale (without a BOM, under LANG=C, text is cut at the first
 * non-ASCII byte).
 */
export function encodeOutboxText(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

/** Decodes an outbox file written by {@link encodeOutboxText} (or plain UTF-8). */
export function decodeOutboxText(buf: Buffer): string {
  if (buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  return buf.toString('utf8');
}
