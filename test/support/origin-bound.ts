/**
 * The parser of WICG "Origin-bound one-time codes delivered via SMS"
 * (https://wicg.github.io/sms-one-time-codes/, section "Parsing"), step by
 * step, for tests to read the SMS Kirim writes the way a browser does:
 * the last line (after normalizing newlines) must start with `@host`,
 * exactly one space, `#code`; an optional ` %embedded-host` follows;
 * anything after is ignored. Null when the message is not one.
 */
export interface OriginBoundCode {
  /** The top-level origin, always https. */
  origin: string;
  host: string;
  code: string;
  embeddedHost: string | null;
}

const ASCII_WHITESPACE = /[\t\n\f\r ]/;

export function parseOriginBoundMessage(message: string): OriginBoundCode | null {
  const lines = message.replace(/\r\n/g, '\n').replace(/\r/g, '\n').split('\n');
  const line = lines[lines.length - 1]!;
  let position = 0;
  /** "extract a marked token": the marker, then a run of non-whitespace, not empty. */
  const marked = (marker: string): string | null => {
    if (position >= line.length || line[position] !== marker) return null;
    position++;
    if (position >= line.length) return null;
    const start = position;
    while (position < line.length && !ASCII_WHITESPACE.test(line[position]!)) position++;
    return position > start ? line.slice(start, position) : null;
  };
  const host = marked('@');
  if (host === null) return null;
  if (position >= line.length || line[position] !== ' ') return null;
  position++;
  const code = marked('#');
  if (code === null) return null;
  let embeddedHost: string | null = null;
  if (position < line.length && line[position] === ' ') {
    position++;
    embeddedHost = marked('%');
  }
  return { origin: `https://${host}`, host, code, embeddedHost };
}
