/**
 * The agent's logger, from the shared factory (src/protocol/log.ts): JSON
 * lines on stderr written synchronously (nothing lost when the agent is
 * killed), message texts redacted, level from `KIRIM_LOG_LEVEL` (default info).
 */
import { createLogger as createKirimLogger, type Logger } from '../protocol/log.js';

export type { Logger };

export function createLogger({ level }: { level?: string } = {}): Logger {
  return createKirimLogger({ name: 'kirim-gateway', sync: true, ...(level !== undefined ? { level } : {}) });
}
