/**
 * The words of a reverse OTP (docs/reverse-otp.md): the text the person is
 * asked to send, the `sms:` links that prefill it, and the reading of what
 * actually arrived.
 *
 * Promises:
 * - the text to send is `KIRIM <code>`: a keyword so a person (and a
 *   support desk reading the modem's inbox) can tell it from a reply to an
 *   ordinary SMS, and plain GSM-7 so every handset can type it;
 * - a reply is read leniently in form and strictly in content: any case,
 *   the keyword optional, spaces, dashes or dots between the digits, a
 *   final full stop, full-width digits (some keyboards) — but after that
 *   exactly the code's number of digits and nothing else. "KIRIM 482 913"
 *   and "482913" are replies; "STOP", "who is this?" or a sentence that
 *   merely contains six digits are not, so they never cost an attempt;
 * - reading is bounded: a text longer than {@link MAX_REPLY_CHARS} is not
 *   a reply, whatever it holds.
 */

/** The keyword that starts the text the person sends. */
export const REVERSE_KEYWORD = 'KIRIM';

/** Longer texts are not read as replies (a reply is a keyword and a code). */
export const MAX_REPLY_CHARS = 64;

/** The exact text the person is asked to send. */
export function reverseText(code: string): string {
  return `${REVERSE_KEYWORD} ${code}`;
}

/**
 * Links that open the messaging app with the number and the text filled in.
 * `sms_uri` is RFC 5724 (`sms:+62…?body=…`), which Android and current iOS
 * follow; `sms_uri_ios` is the form older iOS versions (before iOS 8 and
 * some in-app browsers) need, `sms:+62…&body=…`. The body is
 * percent-encoded (a space is `%20`, never `+`, which iOS would show).
 */
export function smsUris(number: string, text: string): { sms_uri: string; sms_uri_ios: string } {
  const body = encodeURIComponent(text);
  return { sms_uri: `sms:${number}?body=${body}`, sms_uri_ios: `sms:${number}&body=${body}` };
}

const REPLY = new RegExp(`^(?:${REVERSE_KEYWORD})?[\\s:#.-]*([0-9][0-9\\s.-]*[0-9]|[0-9])[\\s.!]*$`);

/**
 * The code in a reply, or undefined when the text is not a reply carrying
 * a `digits`-digit code.
 */
export function parseReverseReply(text: string, digits: number): string | undefined {
  if (text.length > MAX_REPLY_CHARS) return undefined;
  // NFKC turns full-width digits and letters into ASCII ones.
  const m = REPLY.exec(text.normalize('NFKC').trim().toUpperCase());
  if (!m) return undefined;
  const code = m[1]!.replace(/[^0-9]/g, '');
  return code.length === digits ? code : undefined;
}
