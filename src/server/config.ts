/**
 * Server settings from flags and KIRIM_* environment variables, validated
 * once at start so a bad value stops the server with one clear line.
 */
import { originProblem } from '../protocol/settings.js';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { getCountries, type CountryCode } from 'libphonenumber-js/max';
import { DEFAULT_HEARTBEAT_SECONDS, DEFAULT_LEASE_SECONDS } from '../protocol/gateway.js';
import { LogLevelError, parseLogLevel } from '../protocol/log.js';
import { parseAllowList } from './webhooks/egress.js';
import { loadProviders, ProvidersConfigError, type ProvidersConfig } from './channels/provider/config.js';

export interface OtpSettings {
  digits: number;
  ttlSeconds: number;
  maxAttempts: number;
  maxSends: number;
  /** Wait before the n-th resend (the last value repeats). */
  resendDelaysSeconds: number[];
}

/**
 * The guess limit (verification/guesses.ts): failed checks per destination,
 * across codes, API keys, restarts and instances.
 */
export interface GuessSettings {
  /** Failed checks a destination may have before the cooling-off starts. */
  freeFailures: number;
  /** The cooling-off after the `freeFailures`-th failed check; it doubles with each further one. */
  cooloffSeconds: number;
  /** The longest cooling-off. */
  cooloffMaxSeconds: number;
}

export interface ServerConfig {
  port: number;
  host: string;
  db: string;
  dataDir: string;
  secret: string;
  /**
   * Server secrets being rotated out (KIRIM_SECRET_PREVIOUS, comma-separated):
   * still accepted for checks and decryption, never used for new values.
   */
  previousSecrets: string[];
  smtpUrl?: string;
  mailFrom: string;
  appName: string;
  /**
   * The https origin the demo is served under (KIRIM_DEMO_ORIGIN, `kirim
   * dev`): the demo sets it as its key's web_origin, so its OTP SMS end
   * with the origin-bound line its WebOTP call reads.
   */
  demoOrigin?: string;
  defaultRegion: CountryCode;
  allowedCountries: CountryCode[];
  defaultLocale: 'id' | 'en';
  otp: OtpSettings;
  guesses: GuessSettings;
  /** Seconds a gateway lease lasts before an unspooled message is requeued. */
  leaseSeconds: number;
  heartbeatSeconds: number;
  /** A gateway unheard of for this long is offline. */
  gatewayOfflineSeconds: number;
  /**
   * A waiting gateway poll re-checks the queue and its own token this often
   * (ms), for changes no event announces here: a revocation by the CLI or
   * another server whose wake-up was missed, requeued work
   * (KIRIM_POLL_RECHECK_MS). Tests lengthen it to show that an event, not
   * the re-check, ended a poll.
   */
  pollRecheckMs: number;
  /** How long a verification's channel may take to send its code before the fallback's next channel gets it (KIRIM_FALLBACK_AFTER_SECONDS). */
  fallbackAfterSeconds: number;
  /** A gateway whose gammu outbox holds more files than this gets no new SMS routed to it (KIRIM_GATEWAY_MAX_OUTBOX). */
  gatewayMaxOutbox: number;
  /** The reliability monitor (routing/monitor.ts). */
  monitor: MonitorSettings;
  /** An inbound SMS belongs to the key that sent an SMS to its sender (same gateway) within this many days. */
  inboundOwnerDays: number;
  /** Temporary-failure attempts before an email is failed. */
  emailMaxAttempts: number;
  /** Budgets against SMS pumping and floods (limits.ts); 0 turns one off. */
  budgets: BudgetSettings;
  /** Seed compatibility: also write SMS as gammu outbox files into this folder. */
  seedOutboxDir?: string;
  /** SMS providers and routing rules (KIRIM_SMS_PROVIDERS, a JSON file; docs/providers.md). */
  providers?: ProvidersConfig;
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  /** Serve /docs and /openapi.json (KIRIM_PUBLIC_DOCS). */
  publicDocs: boolean;
  /** When set, /metrics answers only `Authorization: Bearer <this>` (KIRIM_METRICS_TOKEN). */
  metricsToken?: string;
  logLevel: string;
  /**
   * Believe X-Forwarded-For/-Proto/-Host from the reverse proxy in front
   * (KIRIM_TRUST_PROXY=true): the client's address for the login throttle,
   * https for the dashboard cookie's Secure flag and its origin check.
   */
  trustProxy: boolean;
  /** Always mark the dashboard cookie Secure (KIRIM_COOKIE_SECURE=true), even when the request looks like plain http. */
  cookieSecure: boolean;
  /**
   * Private destinations webhooks may reach, as CIDR blocks
   * (KIRIM_WEBHOOK_ALLOW_PRIVATE; empty: none). See webhooks/egress.ts.
   */
  webhookAllowPrivate: string[];
  /** Development views of the dashboard (phone, mailbox); set only by `kirim dev`. */
  dev?: DevViews;
}

/** When the reliability monitor takes a gateway out of rotation, and when it lets a probe through. */
export interface MonitorSettings {
  /** Out of rotation at this share of failed sends or more (KIRIM_GATEWAY_FAILURE_RATE, 0-1). */
  failureRate: number;
  /** Over the reports of this many seconds (KIRIM_GATEWAY_FAILURE_WINDOW_SECONDS)... */
  windowSeconds: number;
  /** ...once there are at least this many (KIRIM_GATEWAY_FAILURE_MIN_SAMPLES). */
  minSamples: number;
  /** A probe message goes through after this long out of rotation (KIRIM_GATEWAY_COOLOFF_SECONDS). */
  cooloffSeconds: number;
}

/** Budgets, each a count per fixed window (see limits.ts and docs/security.md); 0 = no limit. */
export interface BudgetSettings {
  destinationPerHour: number;
  destinationPerDay: number;
  ipPerHour: number;
  ipPerDay: number;
  /** Digits of the E.164 number (country code included) that make a prefix. */
  prefixDigits: number;
  prefixPerHour: number;
  keyPerHour: number;
  keyPerDay: number;
  countryPerHour: number;
  /** Per gateway SIM, enforced when it leases. */
  gatewaySmsPerHour: number;
  gatewaySmsPerDay: number;
  gatewayRecipientsPerDay: number;
  gatewayRecipientsPerMonth: number;
}

/** Where `kirim dev` keeps the simulated handsets and the development mailbox. */
export interface DevViews {
  /** modem-sim's --state folder. */
  simState: string;
  /** The mailbox transport's folder of .eml files. */
  mailboxDir: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name}=${raw}: expected a whole number from ${min} to ${max}`);
  return n;
}

/** A share from 0 (exclusive) to 1 (inclusive), e.g. 0.5. */
function fraction(env: Env, name: string, def: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new ConfigError(`${name}=${raw}: expected a share above 0 and at most 1, e.g. 0.5`);
  return n;
}

function country(name: string, value: string): CountryCode {
  const c = value.trim().toUpperCase();
  if (!(getCountries() as string[]).includes(c)) throw new ConfigError(`${name}: ${value} is not an ISO 3166 country code known to the phone number library`);
  return c as CountryCode;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return def;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name}=${env[name]}: expected true or false`);
  return raw === 'true';
}

function allowPrivate(env: Env): string[] {
  const raw = env.KIRIM_WEBHOOK_ALLOW_PRIVATE ?? '';
  try {
    return parseAllowList(raw).allow.map((c) => c.text);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function previousSecrets(env: Env): string[] {
  const list = (env.KIRIM_SECRET_PREVIOUS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const [i, s] of list.entries()) {
    if (s.length < 16) throw new ConfigError(`KIRIM_SECRET_PREVIOUS: secret ${i + 1} of ${list.length} is shorter than 16 characters (separate several with commas)`);
  }
  return list;
}

function logLevel(env: Env): string {
  try {
    return parseLogLevel(env.KIRIM_LOG_LEVEL);
  } catch (err) {
    if (err instanceof LogLevelError) throw new ConfigError(err.message);
    throw err;
  }
}

const BIG = 10_000_000;

function budgets(env: Env): BudgetSettings {
  // The destination budget's earlier name still works.
  const destinationHour = env.KIRIM_BUDGET_DESTINATION_PER_HOUR ?? env.KIRIM_VERIFICATIONS_PER_DESTINATION_PER_HOUR;
  return {
    destinationPerHour: int({ KIRIM_BUDGET_DESTINATION_PER_HOUR: destinationHour }, 'KIRIM_BUDGET_DESTINATION_PER_HOUR', 10, 0, BIG),
    destinationPerDay: int(env, 'KIRIM_BUDGET_DESTINATION_PER_DAY', 30, 0, BIG),
    ipPerHour: int(env, 'KIRIM_BUDGET_IP_PER_HOUR', 20, 0, BIG),
    ipPerDay: int(env, 'KIRIM_BUDGET_IP_PER_DAY', 100, 0, BIG),
    prefixDigits: int(env, 'KIRIM_BUDGET_PREFIX_DIGITS', 7, 3, 14),
    prefixPerHour: int(env, 'KIRIM_BUDGET_PREFIX_PER_HOUR', 30, 0, BIG),
    keyPerHour: int(env, 'KIRIM_BUDGET_KEY_PER_HOUR', 1000, 0, BIG),
    keyPerDay: int(env, 'KIRIM_BUDGET_KEY_PER_DAY', 10000, 0, BIG),
    countryPerHour: int(env, 'KIRIM_BUDGET_COUNTRY_PER_HOUR', 1000, 0, BIG),
    gatewaySmsPerHour: int(env, 'KIRIM_GATEWAY_SMS_PER_HOUR', 200, 0, BIG),
    gatewaySmsPerDay: int(env, 'KIRIM_GATEWAY_SMS_PER_DAY', 1000, 0, BIG),
    gatewayRecipientsPerDay: int(env, 'KIRIM_GATEWAY_RECIPIENTS_PER_DAY', 100, 0, BIG),
    gatewayRecipientsPerMonth: int(env, 'KIRIM_GATEWAY_RECIPIENTS_PER_MONTH', 300, 0, BIG),
  };
}

/** Reads the server secret: the env value, or one generated once and kept in the data dir (mode 0600). */
export function loadSecret(dataDir: string, envSecret?: string): string {
  if (envSecret) {
    if (envSecret.length < 16) throw new ConfigError('KIRIM_SECRET must be at least 16 characters');
    return envSecret;
  }
  const file = join(dataDir, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}

export interface ConfigFlags {
  port?: string | number;
  host?: string;
  db?: string;
  dataDir?: string;
}

/** Builds the configuration; throws ConfigError with a precise message on a bad value. */
export function loadConfig(flags: ConfigFlags = {}, env: Env = process.env): ServerConfig {
  const portRaw = flags.port ?? env.KIRIM_PORT ?? '8080';
  const port = Number(portRaw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port ${portRaw}: expected 0-65535`);
  const dataDir = resolve(flags.dataDir ?? env.KIRIM_DATA_DIR ?? './data');
  const db = flags.db ?? env.KIRIM_DB ?? `sqlite:${join(dataDir, 'kirim.db')}`;
  const defaultRegion = country('KIRIM_DEFAULT_REGION', env.KIRIM_DEFAULT_REGION ?? 'ID');
  const allowedCountries = env.KIRIM_ALLOWED_COUNTRIES
    ? env.KIRIM_ALLOWED_COUNTRIES.split(',').filter((s) => s.trim()).map((c) => country('KIRIM_ALLOWED_COUNTRIES', c))
    : [defaultRegion];
  const locale = env.KIRIM_DEFAULT_LOCALE ?? 'id';
  if (locale !== 'id' && locale !== 'en') throw new ConfigError(`KIRIM_DEFAULT_LOCALE=${locale}: expected id or en`);
  const smtpUrl = env.KIRIM_SMTP_URL || undefined;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) throw new ConfigError('KIRIM_SMTP_URL: expected smtp://user:pass@host:port or smtps://...');
  if (smtpUrl && !URL.canParse(smtpUrl)) throw new ConfigError('KIRIM_SMTP_URL is not a valid URL: expected smtp://user:pass@host:port or smtps://... (percent-encode special characters in the password)');
  const mailFrom = env.KIRIM_MAIL_FROM ?? 'Kirim <no-reply@localhost>';
  if (/[\r\n\0]/.test(mailFrom)) throw new ConfigError('KIRIM_MAIL_FROM must be a single line');
  const appName = env.KIRIM_APP_NAME ?? 'Kirim';
  if (!/^[A-Za-z0-9 ._-]{1,20}$/.test(appName)) throw new ConfigError('KIRIM_APP_NAME: 1-20 letters, digits, spaces, dots, dashes (it goes into one-segment SMS)');
  const demoOrigin = env.KIRIM_DEMO_ORIGIN || undefined;
  const demoOriginProblem = demoOrigin ? originProblem(demoOrigin) : undefined;
  if (demoOriginProblem) throw new ConfigError(`KIRIM_DEMO_ORIGIN=${demoOrigin}: ${demoOriginProblem}`);
  const publicDocs = (env.KIRIM_PUBLIC_DOCS ?? 'true').toLowerCase();
  if (!['true', 'false'].includes(publicDocs)) throw new ConfigError(`KIRIM_PUBLIC_DOCS=${env.KIRIM_PUBLIC_DOCS}: expected true or false`);
  const metricsToken = env.KIRIM_METRICS_TOKEN || undefined;
  if (metricsToken && !/^[\x21-\x7e]{16,200}$/.test(metricsToken)) throw new ConfigError('KIRIM_METRICS_TOKEN: 16-200 visible ASCII characters, no spaces');
  const cooloffSeconds = int(env, 'KIRIM_GUESS_COOLOFF_SECONDS', 60, 1, 86400);
  const cooloffMaxSeconds = int(env, 'KIRIM_GUESS_COOLOFF_MAX_SECONDS', 86400, 1, 30 * 86400);
  if (cooloffMaxSeconds < cooloffSeconds) throw new ConfigError(`KIRIM_GUESS_COOLOFF_MAX_SECONDS=${cooloffMaxSeconds}: must not be shorter than KIRIM_GUESS_COOLOFF_SECONDS (${cooloffSeconds})`);
  const resend = (env.KIRIM_OTP_RESEND_DELAYS ?? '30,60,120,300').split(',').map((s) => Number(s));
  if (resend.some((n) => !Number.isInteger(n) || n < 0 || n > 3600)) throw new ConfigError('KIRIM_OTP_RESEND_DELAYS: comma-separated seconds, each 0-3600');
  return {
    port,
    host: flags.host ?? env.KIRIM_HOST ?? '127.0.0.1',
    db,
    dataDir,
    secret: '', // filled by resolveSecret() once the data dir may be written
    previousSecrets: previousSecrets(env),
    smtpUrl,
    mailFrom,
    appName,
    ...(demoOrigin ? { demoOrigin } : {}),
    defaultRegion,
    allowedCountries,
    defaultLocale: locale,
    otp: {
      digits: int(env, 'KIRIM_OTP_DIGITS', 6, 4, 10),
      // As short as 10 s so tests (the demo's expired-code path) need not wait minutes.
      ttlSeconds: int(env, 'KIRIM_OTP_TTL_SECONDS', 600, 10, 86400),
      maxAttempts: int(env, 'KIRIM_OTP_MAX_ATTEMPTS', 5, 1, 20),
      maxSends: int(env, 'KIRIM_OTP_MAX_SENDS', 5, 1, 20),
      resendDelaysSeconds: resend,
    },
    guesses: {
      // NIST SP 800-63B-4 §3.2.2 caps consecutive failures at 100; docs/security.md.
      freeFailures: int(env, 'KIRIM_GUESS_FREE_FAILURES', 10, 1, 100),
      cooloffSeconds,
      cooloffMaxSeconds,
    },
    leaseSeconds: int(env, 'KIRIM_LEASE_SECONDS', DEFAULT_LEASE_SECONDS, 5, 600),
    heartbeatSeconds: int(env, 'KIRIM_HEARTBEAT_SECONDS', DEFAULT_HEARTBEAT_SECONDS, 1, 300),
    gatewayOfflineSeconds: int(env, 'KIRIM_GATEWAY_OFFLINE_SECONDS', 45, 3, 3600),
    pollRecheckMs: int(env, 'KIRIM_POLL_RECHECK_MS', 1000, 100, 600_000),
    fallbackAfterSeconds: int(env, 'KIRIM_FALLBACK_AFTER_SECONDS', 30, 5, 3600),
    gatewayMaxOutbox: int(env, 'KIRIM_GATEWAY_MAX_OUTBOX', 100, 1, BIG),
    monitor: {
      failureRate: fraction(env, 'KIRIM_GATEWAY_FAILURE_RATE', 0.5),
      windowSeconds: int(env, 'KIRIM_GATEWAY_FAILURE_WINDOW_SECONDS', 600, 10, 7 * 86400),
      minSamples: int(env, 'KIRIM_GATEWAY_FAILURE_MIN_SAMPLES', 10, 1, 10_000),
      cooloffSeconds: int(env, 'KIRIM_GATEWAY_COOLOFF_SECONDS', 300, 1, 86400),
    },
    inboundOwnerDays: int(env, 'KIRIM_INBOUND_OWNER_DAYS', 7, 1, 365),
    emailMaxAttempts: int(env, 'KIRIM_EMAIL_MAX_ATTEMPTS', 6, 1, 50),
    budgets: budgets(env),
    seedOutboxDir: env.KIRIM_SEED_OUTBOX ? resolve(env.KIRIM_SEED_OUTBOX) : undefined,
    ...(env.KIRIM_SMS_PROVIDERS ? { providers: smsProviders(env.KIRIM_SMS_PROVIDERS, env) } : {}),
    bodyLimitBytes: int(env, 'KIRIM_BODY_LIMIT_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
    publicDocs: publicDocs === 'true',
    ...(metricsToken ? { metricsToken } : {}),
    logLevel: logLevel(env),
    trustProxy: bool(env, 'KIRIM_TRUST_PROXY', false),
    cookieSecure: bool(env, 'KIRIM_COOKIE_SECURE', false),
    webhookAllowPrivate: allowPrivate(env),
  };
}

/** The providers file, its errors as ConfigError naming the setting. */
function smsProviders(path: string, env: Env): ProvidersConfig {
  try {
    return loadProviders(resolve(path), env);
  } catch (err) {
    if (err instanceof ProvidersConfigError) throw new ConfigError(`KIRIM_SMS_PROVIDERS: ${err.message}`);
    throw err;
  }
}

/** Fills in the secret (generating it in the data dir when unset). */
export function resolveSecret(config: ServerConfig, env: Env = process.env): ServerConfig {
  return { ...config, secret: loadSecret(config.dataDir, env.KIRIM_SECRET) };
}
