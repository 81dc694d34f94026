/**
 * The contract between the email queue and whatever actually carries the
 * mail (an SMTP relay, or the development mailbox). Transports never retry:
 * they report one attempt, and the queue decides when to try again.
 */

/** One message, already rendered, ready to hand to a transport. */
export interface OutgoingEmail {
  /** Kirim's own message id; also used for the Message-ID header and file names. */
  messageId: string;
  to: string;
  from: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * The outcome of one attempt. `temporary` failures (4xx replies, refused or
 * reset connections, timeouts) are worth retrying later; permanent ones
 * (5xx replies, a refused header) are not. `detail` is a single line that is
 * safe to store and show: it never contains credentials.
 */
export type SendResult = { ok: true; providerId?: string } | { ok: false; temporary: boolean; detail: string };

/** Something that can deliver an {@link OutgoingEmail}. */
export interface EmailTransport {
  /** Makes one delivery attempt; never throws for delivery problems. */
  send(mail: OutgoingEmail): Promise<SendResult>;
  /** Releases connections or handles; the transport is unusable afterwards. */
  close(): Promise<void>;
  /** A short, credential-free label for logs and message events, e.g. `smtp://mail.example.com:587`. */
  describe(): string;
  /**
   * Connects (and logs in) without sending anything, for a check at start:
   * null when the relay answers, else one credential-free line saying why.
   * Transports with nothing to reach leave it out.
   */
  verify?(): Promise<string | null>;
}

/**
 * Returns why `mail` must not be sent, or null when its header fields are
 * safe. CR, LF or NUL in a header field would let a caller append headers
 * or recipients (header injection). The API validates input earlier; this is
 * the last line of defence, right where headers are written.
 */
export function unsafeHeaderField(mail: Pick<OutgoingEmail, 'to' | 'from' | 'subject' | 'messageId'>): string | null {
  for (const field of ['to', 'from', 'subject', 'messageId'] as const) {
    const value = mail[field];
    if (typeof value !== 'string') return `refused: ${field} is missing`;
    if (/[\r\n\0]/.test(value)) return `refused: ${field} contains a line break or NUL character (header injection)`;
  }
  return null;
}

/** Makes any text fit on one line of bounded length, for `SendResult.detail`. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/[\s\0]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
