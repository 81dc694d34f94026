/**
 * Structured logs on stderr. Message text is never logged (it may carry an
 * OTP code); `text` is redacted anyway in case a caller slips.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** The agent's logger: JSON lines on stderr, level from `KIRIM_LOG_LEVEL` (default info). */
export function createLogger({ level = process.env.KIRIM_LOG_LEVEL ?? 'info' }: { level?: string } = {}): Logger {
  return pino(
    {
      name: 'kirim-gateway',
      level,
      redact: { paths: ['text', '*.text', 'messages[*].text'], censor: '[redacted]' },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
