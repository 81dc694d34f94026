/**
 * Picks the email transport the server runs with: SMTP when
 * `KIRIM_SMTP_URL` is set, the development mailbox in the data dir otherwise.
 */
import { createMailboxTransport, mailboxDir } from './mailbox.js';
import { createSmtpTransport } from './smtp.js';
import type { EmailTransport } from './types.js';

/** Inputs for {@link createEmailTransport}, as found in the server config. */
export interface EmailTransportConfig {
  /** `KIRIM_SMTP_URL`; unset or empty selects the development mailbox. */
  smtpUrl?: string;
  /** `--data-dir`; the mailbox lives in `<dataDir>/mailbox`. */
  dataDir: string;
  /** Reuse SMTP connections (worth it under sustained load). */
  pool?: boolean;
}

/** Creates the transport described by `config`. */
export function createEmailTransport(config: EmailTransportConfig): EmailTransport {
  if (config.smtpUrl) return createSmtpTransport({ url: config.smtpUrl, ...(config.pool ? { pool: true } : {}) });
  return createMailboxTransport({ dir: mailboxDir(config.dataDir) });
}
