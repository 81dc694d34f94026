/**
 * The SMS providers file (`KIRIM_SMS_PROVIDERS`, a JSON file the operator
 * writes; docs/providers.md): which providers Kirim may hand SMS to, how to
 * speak to each, and the routing rules that choose between the modem
 * gateways and the providers.
 *
 * Promises:
 * - the file is checked whole at start; a bad file stops the server with
 *   one message naming the field (`providers[1].url: ...`), never a crash
 *   later on the first send;
 * - a secret may be written in place or as `{"env": "NAME"}`, read from
 *   the environment at start (a missing variable is an error naming it), so
 *   the file itself can be shared; resolved secrets live only in memory and
 *   are never logged (error messages name the field, never its value);
 * - ids are unique and spell a route: `provider:<id>`.
 */
import { readFileSync } from 'node:fs';
import { getCountries } from 'libphonenumber-js/max';
import { z } from 'zod';

type Env = Record<string, string | undefined>;

export class ProvidersConfigError extends Error {
  override name = 'ProvidersConfigError';
}

/** A value written in place, or read from the environment at start. */
const secret = z.union([z.string().min(1), z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') })]);

const httpUrl = z.string().refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'an http:// or https:// URL');
const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, '1-32 lower-case letters, digits, - or _ (it names the route provider:<id>)');

const common = {
  id,
  /** How long one HTTP call may take before its outcome is unknown. */
  timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
  /** At most this many SMS handed to the provider at once. */
  max_in_flight: z.number().int().min(1).max(64).default(4),
  /** First retry delay after a temporary failure; doubles per attempt up to `retry_max_ms`. */
  retry_base_ms: z.number().int().min(100).max(3_600_000).default(2_000),
  retry_max_ms: z.number().int().min(100).max(86_400_000).default(300_000),
};

/** A JSON path into a response: `messages.0.id` (dots; digits index arrays). */
const path = z.string().regex(/^[A-Za-z0-9_$@-]+(\.[A-Za-z0-9_$@-]+)*$/, 'a dotted path such as messages.0.id');

/** A JSON body template: any JSON value; string leaves may hold placeholders, `{"env": NAME}` leaves are secrets. */
const jsonTemplate: z.ZodType<unknown> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), secret, z.array(jsonTemplate), z.record(z.string(), jsonTemplate)]));

const httpProvider = z.strictObject({
  ...common,
  type: z.literal('http'),
  url: httpUrl,
  method: z.enum(['POST', 'PUT', 'GET']).default('POST'),
  /** Header values may be secrets; `{"env": "TOKEN", "prefix": "Bearer "}` puts a prefix before one. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), z.union([z.string(), z.strictObject({ env: z.string().min(1), prefix: z.string().default('') })])).default({}),
  body: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('json'), template: jsonTemplate }),
    z.strictObject({ type: z.literal('form'), fields: z.record(z.string().min(1), z.union([z.string(), secret])) }),
  ]),
  response: z.strictObject({
    /** Where the provider's message id is in a JSON answer. */
    id_path: path.optional(),
    /** A 2xx answer counts as accepted only when the value at `path` equals `equals` (some providers answer 200 with an error inside). */
    success: z.strictObject({ path, equals: z.union([z.string(), z.number(), z.boolean()]) }).optional(),
    /** Where the provider's error text is, for the message's history. */
    error_path: path.optional(),
  }).default({}),
  /** Delivery reports the provider posts to `{{callback_url}}`. */
  dlr: z.strictObject({
    /** Where the status is: a JSON path in a JSON body, or a field name in a form body or the query string. */
    status_path: path,
    delivered: z.array(z.string().min(1)).min(1),
    failed: z.array(z.string().min(1)).min(1),
    error_path: path.optional(),
  }).optional(),
});

const kannelProvider = z.strictObject({
  ...common,
  type: z.literal('kannel'),
  /** smsbox's sendsms URL, e.g. http://127.0.0.1:13013/cgi-bin/sendsms. */
  url: httpUrl,
  username: z.string().min(1),
  password: secret,
  from: z.string().min(1).max(20).optional(),
  smsc: z.string().min(1).optional(),
  /** Kannel's dlr-mask: 1 delivered, 2 failed, 4 buffered, 8 accepted by the SMSC, 16 rejected by the SMSC. */
  dlr_mask: z.number().int().min(0).max(31).default(27),
});

const channel = z.string().refine((c) => c === 'modem' || /^[a-z0-9][a-z0-9_-]{0,31}$/.test(c), '"modem" or a provider id');

const rule = z.strictObject({
  /** ISO 3166 countries, e.g. ["ID"]. */
  countries: z.array(z.string().transform((c) => c.toUpperCase()).refine((c) => (getCountries() as string[]).includes(c), 'an ISO 3166 two-letter country code')).min(1).optional(),
  /** E.164 number prefixes, e.g. ["+62811"]. */
  prefixes: z.array(z.string().regex(/^\+[1-9][0-9]{0,13}$/, '+ then the country calling code and more digits, e.g. +62811')).min(1).optional(),
  priorities: z.array(z.enum(['high', 'normal', 'low'])).min(1).optional(),
  /** The channels to use, best first: "modem" (the gammu gateways) or a provider id. */
  channels: z.array(channel).min(1),
});

const file = z.strictObject({
  /** Kirim's address as the providers reach it, for delivery-report callbacks. */
  callback_base_url: httpUrl.optional(),
  providers: z.array(z.discriminatedUnion('type', [httpProvider, kannelProvider])).default([]),
  rules: z.array(rule).default([]),
});

type Raw = z.infer<typeof file>;
export type HttpProviderConfig = Resolved<Extract<Raw['providers'][number], { type: 'http' }>>;
export type KannelProviderConfig = Resolved<Extract<Raw['providers'][number], { type: 'kannel' }>>;
export type ProviderConfig = HttpProviderConfig | KannelProviderConfig;
export type RoutingRule = Raw['rules'][number];

/** Secret references replaced by their values. */
type Resolved<T> = T extends { env: string } ? string : T extends string | number | boolean | null | undefined ? T : T extends Array<infer U> ? Array<Resolved<U>> : T extends object ? { [K in keyof T]: Resolved<T[K]> } : T;

export interface ProvidersConfig {
  callbackBaseUrl?: string;
  providers: ProviderConfig[];
  rules: RoutingRule[];
}

const isRef = (v: unknown): v is { env: string; prefix?: string } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { env?: unknown }).env === 'string' && Object.keys(v).every((k) => k === 'env' || k === 'prefix');

/** Replaces every `{"env": NAME}` (with its optional prefix) by the variable's value; throws naming the field and the variable. */
function resolveSecrets(value: unknown, env: Env, at: string): unknown {
  if (isRef(value)) {
    const v = env[value.env];
    if (v === undefined || v === '') throw new ProvidersConfigError(`${at}: the environment variable ${value.env} is not set`);
    return (value.prefix ?? '') + v;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveSecrets(v, env, `${at}[${i}]`));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveSecrets(v, env, at ? `${at}.${k}` : k)]));
  return value;
}

const where = (p: PropertyKey[]) => p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '');

/** Checks a parsed providers file; throws ProvidersConfigError naming the first bad field. */
export function parseProviders(input: unknown, env: Env = process.env): ProvidersConfig {
  const r = file.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ProvidersConfigError(`${where(issue.path) || '(file)'}: ${issue.message}`);
  }
  const raw = r.data;
  const ids = new Set<string>();
  raw.providers.forEach((p, i) => {
    if (ids.has(p.id)) throw new ProvidersConfigError(`providers[${i}].id: ${p.id} is used twice`);
    ids.add(p.id);
    if (p.retry_max_ms < p.retry_base_ms) throw new ProvidersConfigError(`providers[${i}].retry_max_ms: must not be shorter than retry_base_ms`);
    const wantsCallback = p.type === 'kannel' ? p.dlr_mask > 0 : p.dlr !== undefined;
    if (wantsCallback && !raw.callback_base_url) throw new ProvidersConfigError(`callback_base_url: required for the delivery reports of provider ${p.id} (${p.type === 'kannel' ? 'dlr_mask > 0' : 'dlr'}); set it to Kirim's address as the provider reaches it`);
  });
  raw.rules.forEach((rl, i) =>
    rl.channels.forEach((c, j) => {
      if (c !== 'modem' && !ids.has(c)) throw new ProvidersConfigError(`rules[${i}].channels[${j}]: no provider has the id ${c} (known: modem${[...ids].map((x) => `, ${x}`).join('')})`);
    }),
  );
  const providers = raw.providers.map((p, i) => resolveSecrets(p, env, `providers[${i}]`)) as ProviderConfig[];
  return { ...(raw.callback_base_url ? { callbackBaseUrl: raw.callback_base_url.replace(/\/+$/, '') } : {}), providers, rules: raw.rules };
}

/** Reads and checks the file at `path`. */
export function loadProviders(path: string, env: Env = process.env): ProvidersConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProvidersConfigError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ProvidersConfigError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return parseProviders(json, env);
  } catch (err) {
    if (err instanceof ProvidersConfigError) throw new ProvidersConfigError(`${path}: ${err.message}`);
    throw err;
  }
}

/** The route of SMS handed to provider `id`. */
export const providerRoute = (id: string) => `provider:${id}`;
/** The provider a route names, or undefined for a gateway route. */
export const routeProvider = (route: string | null | undefined) => (route?.startsWith('provider:') ? route.slice('provider:'.length) : undefined);
