/**
 * Email over SMTP (nodemailer), configured from `KIRIM_SMTP_URL`:
 * `smtp://user:pass@host:587` (STARTTLS when offered), `smtps://...:465`
 * (TLS from the first byte), plus nodemailer's `?` options, e.g.
 * `?ignoreTLS=true`, `?requireTLS=true`, `?tls.rejectUnauthorized=false`,
 * `?pool=true`, `?socketTimeout=60000`.
 *
 * One `send()` is exactly one attempt: the durable queue owns retries and
 * backoff, so a slow or broken relay never multiplies attempts behind its back.
 */
import nodemailer from 'nodemailer';
import type { NodemailerError, Transporter } from 'nodemailer';
import { oneLine, unsafeHeaderField } from './types.js';
import type { EmailTransport, OutgoingEmail, SendResult } from './types.js';

/** Options for {@link createSmtpTransport}. */
export interface SmtpTransportOptions {
  /** `smtp://` or `smtps://` URL; options in its query string win over the defaults below. */
  url: string;
  /** Keep connections open and reuse them (nodemailer's pooled transport). */
  pool?: boolean;
  /** Waiting for the TCP (and TLS) connection. Default 10 s. */
  connectionTimeoutMs?: number;
  /** Waiting for the server's 220 greeting once connected. Default 10 s. */
  greetingTimeoutMs?: number;
  /** Inactivity on an open connection. Default 30 s. */
  socketTimeoutMs?: number;
}

// nodemailer's defaults (2 minutes to connect, 10 minutes idle) would hold a
// queue slot far longer than an OTP stays useful.
const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;
const DEFAULT_GREETING_TIMEOUT_MS = 10_000;
const DEFAULT_SOCKET_TIMEOUT_MS = 30_000;

/**
 * Failures without an SMTP reply that repeating the same message cannot fix.
 * Every other code (ECONNECTION, ETIMEDOUT, ESOCKET with ECONNREFUSED or
 * ECONNRESET, EDNS, ETLS, ...) counts as temporary: the queue caps attempts,
 * so guessing "temporary" for an unknown code costs a few retries, while
 * guessing "permanent" would drop a message a relay outage had only delayed.
 */
const PERMANENT_CODES = new Set([
  'EAUTH', 'ENOAUTH', 'ECONFIG', 'EENVELOPE', 'EMESSAGE', 'EOTP', 'EREQUIRETLS',
  'EFILEACCESS', 'EURLACCESS', 'EMAXRECIPIENTS',
]);

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * Creates an {@link EmailTransport} that relays through the SMTP server in
 * `url`. Throws (a configuration error) when the URL is not `smtp:`/`smtps:`.
 */
export function createSmtpTransport(options: SmtpTransportOptions): EmailTransport {
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new Error('SMTP URL is not a valid URL (expected smtp://user:pass@host:port or smtps://...)');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new Error(`SMTP URL must start with smtp:// or smtps://, not ${parsed.protocol}//`);
  }
  const secure = parsed.protocol === 'smtps:';
  const port = parsed.port || (secure ? '465' : '587');
  const label = `${parsed.protocol}//${parsed.hostname}:${port}`;
  const password = decodeURIComponent(parsed.password);

  const transporter: Transporter = nodemailer.createTransport({
    url: options.url,
    ...(options.pool ? { pool: true } : {}),
    connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    greetingTimeout: options.greetingTimeoutMs ?? DEFAULT_GREETING_TIMEOUT_MS,
    socketTimeout: options.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS,
    dnsTimeout: DEFAULT_CONNECTION_TIMEOUT_MS,
    // A relay on the same host rarely has a certificate for "localhost", and
    // the traffic never leaves the machine; `?tls.rejectUnauthorized=true`
    // in the URL still turns verification back on.
    ...(LOOPBACK_HOSTS.has(parsed.hostname) ? { tls: { rejectUnauthorized: false } } : {}),
  } as Parameters<typeof nodemailer.createTransport>[0]);

  /** Removes anything secret from text that may echo the URL or the login. */
  const redact = (text: string): string => {
    let out = text.split(options.url).join(label);
    if (password.length >= 3) out = out.split(password).join('***');
    if (parsed.password && parsed.password.length >= 3) out = out.split(parsed.password).join('***');
    return oneLine(out);
  };

  return {
    describe: () => label,

    async send(mail: OutgoingEmail): Promise<SendResult> {
      const unsafe = unsafeHeaderField(mail);
      if (unsafe) return { ok: false, temporary: false, detail: unsafe };
      const id = safeMessageId(mail.messageId);
      try {
        const info = await transporter.sendMail({
          from: mail.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          ...(mail.html !== undefined ? { html: mail.html } : {}),
          messageId: `<${id}@${senderDomain(mail.from)}>`,
          headers: { 'X-Kirim-Message-Id': id },
          // Content is always inline strings; never let a value be read as a path or URL.
          disableFileAccess: true,
          disableUrlAccess: true,
        });
        const providerId = typeof info.messageId === 'string' && info.messageId ? info.messageId : undefined;
        return providerId ? { ok: true, providerId } : { ok: true };
      } catch (err) {
        return classifySmtpError(err, redact);
      }
    },

    async verify(): Promise<string | null> {
      try {
        await transporter.verify();
        return null;
      } catch (err) {
        return classifySmtpError(err, redact).detail;
      }
    },

    async close(): Promise<void> {
      transporter.close();
    },
  };
}

/**
 * Turns a nodemailer error into a {@link SendResult}: an SMTP reply decides
 * by its class (4xx temporary, 5xx permanent), otherwise the error code does.
 * Exported for tests.
 */
export function classifySmtpError(err: unknown, redact: (text: string) => string = oneLine): SendResult & { ok: false } {
  const e = (err ?? {}) as NodemailerError;
  const message = typeof e.message === 'string' && e.message ? e.message : String(err);
  const reply = e.responseCode;
  if (typeof reply === 'number' && reply >= 400) {
    // 503 "bad sequence of commands" is the one 5xx that describes the
    // session rather than the message: a fresh connection can succeed.
    const temporary = reply < 500 || reply === 503;
    const where = e.command ? ` after ${e.command.split(' ')[0]}` : '';
    return { ok: false, temporary, detail: redact(`SMTP ${reply}${where}: ${e.response ?? message}`) };
  }
  const code = e.code ?? '';
  const original = e.originalCode && e.originalCode !== code ? `/${e.originalCode}` : '';
  const temporary = !PERMANENT_CODES.has(code);
  const kind = temporary ? 'connection problem' : 'rejected';
  return { ok: false, temporary, detail: redact(`${kind}${code ? ` (${code}${original})` : ''}: ${message}`) };
}

/** Keeps a message id usable inside `<...@domain>` and in file names. */
export function safeMessageId(id: string): string {
  const clean = id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return clean || 'message';
}

/** The domain of the sender address, for a Message-ID that belongs to the sender. */
function senderDomain(from: string): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  return m?.[1] ?? 'kirim.invalid';
}
