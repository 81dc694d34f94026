/**
 * The one logger factory of Kirim: the server, the gateway agent (also in
 * its single-file bundle) and the CLI build their pino loggers here.
 *
 * Promises:
 * - logs are JSON lines on stderr (stdout stays for a command's answer);
 * - a bad level (`KIRIM_LOG_LEVEL=loud`) is refused with a
 *   {@link LogLevelError} naming the valid ones, before anything runs;
 * - message texts, tokens and Authorization headers are redacted even when
 *   a caller slips and logs them (a text may carry an OTP code).
 *
 * It imports nothing but pino, so the gateway bundle stays small.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A log level that is not one of {@link LOG_LEVELS}; a user error. */
export class LogLevelError extends Error {
  override name = 'LogLevelError';
}

/** Fields never written in clear, wherever they appear. */
export const REDACTED_PATHS = ['text', '*.text', 'messages[*].text', 'token', '*.token', 'req.headers.authorization', 'headers.authorization'];

/** Checks a level as written by a person (`KIRIM_LOG_LEVEL`); empty means `fallback`. */
export function parseLogLevel(raw: string | undefined, fallback: LogLevel = 'info', source = 'KIRIM_LOG_LEVEL'): LogLevel {
  if (raw === undefined || raw.trim() === '') return fallback;
  const level = raw.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new LogLevelError(`${source}=${raw}: expected one of ${LOG_LEVELS.join(', ')}`);
  return level as LogLevel;
}

export interface LoggerOptions {
  /** `name` field of every line, e.g. `kirim-gateway`. */
  name?: string;
  /** The level; default `KIRIM_LOG_LEVEL`, else `fallback`. */
  level?: string;
  /** Level when neither `level` nor `KIRIM_LOG_LEVEL` is set (default info). */
  fallback?: LogLevel;
  /** Write each line before returning (the gateway: nothing lost on a kill); default buffered. */
  sync?: boolean;
  /** Where lines go instead of stderr (tests). */
  destination?: DestinationStream;
}

/** Builds a logger; throws {@link LogLevelError} for a bad level. */
export function createLogger({ name, level, fallback = 'info', sync = false, destination }: LoggerOptions = {}): Logger {
  const checked = level !== undefined ? parseLogLevel(level, fallback, 'log level') : parseLogLevel(process.env.KIRIM_LOG_LEVEL, fallback);
  return pino(
    { ...(name ? { name } : {}), level: checked, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    destination ?? pino.destination({ fd: 2, sync }),
  );
}

/** A logger that writes nothing (tests, embedded use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
