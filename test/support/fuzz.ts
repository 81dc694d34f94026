/**
 * Shared pieces of the property-based ("fuzz") tests, *.fuzz.test.ts:
 * - {@link fuzzRuns}: how many cases a property runs. `npm test` and CI use
 *   the small default; `npm run fuzz` sets KIRIM_FUZZ_RUNS=10000;
 * - {@link fromZod}: an arbitrary derived from a zod schema (through its
 *   JSON Schema), producing mostly valid values with the schema's own
 *   ranges, formats and enums, then {@link hostile} bends them: wrong
 *   types, missing and extra fields, huge and unicode strings, control
 *   characters, arbitrary JSON.
 * A failing property prints its seed and shortest counterexample; rerun
 * it with KIRIM_FUZZ_SEED=<seed> (and KIRIM_FUZZ_PATH=<path>).
 */
import fc from 'fast-check';
import { z } from 'zod';

/** Cases per property: KIRIM_FUZZ_RUNS when set, else `ciDefault`. */
export function fuzzRuns(ciDefault: number): number {
  const n = Number(process.env.KIRIM_FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : ciDefault;
}

/** fast-check parameters for a property of `ciDefault` cases (seed and path from the environment for replays). */
export function fuzzParams(ciDefault: number): fc.Parameters<unknown> {
  const seed = Number(process.env.KIRIM_FUZZ_SEED);
  return {
    numRuns: fuzzRuns(ciDefault),
    ...(Number.isInteger(seed) ? { seed } : {}),
    ...(process.env.KIRIM_FUZZ_PATH ? { path: process.env.KIRIM_FUZZ_PATH } : {}),
  };
}

/** Strings people and attackers type: unicode of every kind, controls, separators, traversal, injection. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  // A control character inside ordinary text (NUL: PostgreSQL refuses it in text).
  fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom('\u0000', '\u0001', '\u001b', '\u007f', '\r', '\n', '\u0085'), fc.string({ maxLength: 10 })).map((p) => p.join('')),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '', ' ', '\u0000', '\r\n', '\t', '\u2028', '\ufeff', '\ud800', '\udfff', '�', '..', '../../etc/passwd', '%00', '%2e%2e%2f',
    "' or 1=1 --", '"; drop table messages; --', '<script>alert(1)</script>', '${jndi:x}', '{{7*7}}', '__proto__', 'constructor',
    '081234567890', '+6281234567890', '+62 812-3456-7890', '0812345678901234567890', 'a@b.co', 'ä@ö.de', 'x@[127.0.0.1]',
    'sms', 'email', 'high', 'normal', 'low', 'id', 'en', '*', 'message.sent', '2026-01-15T08:30:00Z', '9999-12-31T23:59:59Z',
    '0000-01-01T00:00:00Z', '1e309', '-0', 'NaN', 'Infinity', 'null', 'true', '[]', '{}',
  ),
);

/** A string far past any limit (the body limit is 64 KiB; this stays under it so the route sees it). */
export const hugeString: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 255, max: 12_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 100, max: 4000 }).map((n) => '✓'.repeat(n)),
  fc.integer({ min: 100, max: 3000 }).map((n) => '😀'.repeat(n)),
);

/** Numbers at and past the edges. */
export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 0.5, 2 ** 31, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 5e-324),
);

/** Any value of a wrong type for a field. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  edgeNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(nastyString, { maxLength: 3 }),
  fc.dictionary(nastyString, nastyString, { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);

type JsonSchema = Record<string, any>;

/** An arbitrary of values the JSON Schema describes (the subset zod emits). */
function fromJsonSchema(schema: JsonSchema, defs: Record<string, JsonSchema>, depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) return fromJsonSchema(defs[String(schema.$ref).replace('#/$defs/', '')] ?? {}, defs, depth);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  const alts = schema.anyOf ?? schema.oneOf;
  if (alts) return fc.oneof(...(alts as JsonSchema[]).map((s) => fromJsonSchema(s, defs, depth)));
  switch (schema.type) {
    case 'string': {
      const max = Math.min(schema.maxLength ?? 60, 60);
      const min = Math.min(schema.minLength ?? 0, max);
      if (schema.format === 'date-time') return fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.format === 'ipv4') return fc.ipV4();
      if (schema.format === 'ipv6') return fc.ipV6();
      return fc.oneof(fc.string({ minLength: min, maxLength: max }), fc.string({ unit: 'grapheme', minLength: min, maxLength: max }), nastyString);
    }
    case 'integer':
      return fc.oneof(fc.integer({ min: Math.max(schema.minimum ?? -1e6, -(2 ** 31)), max: Math.min(schema.maximum ?? 1e6, 2 ** 31) }), edgeNumber);
    case 'number':
      return fc.oneof(fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true }), edgeNumber);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (depth > 3) return fc.constant([]);
      const item = fromJsonSchema(schema.items ?? {}, defs, depth + 1);
      return fc.array(item, { minLength: Math.min(schema.minItems ?? 0, 3), maxLength: Math.min(schema.maxItems ?? 4, 4) });
    }
    case 'object': {
      if (depth > 3) return fc.constant({});
      const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set<string>(schema.required ?? []);
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, s] of Object.entries(props)) shape[k] = fromJsonSchema(s, defs, depth + 1);
      return fc.record(shape, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Mostly-valid values of a zod schema (as sent over the wire: its input side). */
export function fromZod(schema: z.ZodType): fc.Arbitrary<unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return fromJsonSchema(json, (json.$defs ?? {}) as Record<string, JsonSchema>);
}

/**
 * Bends a valid-looking value: sometimes as is, sometimes with a field
 * given a wrong or huge value, a field dropped, an unknown field added, or
 * replaced by arbitrary JSON altogether.
 */
export function hostile(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  return fc.oneof(
    { weight: 3, arbitrary: valid },
    {
      weight: 3,
      arbitrary: fc.tuple(valid, fc.nat(), fc.oneof(wrongValue, hugeString)).map(([v, i, w]) => {
        if (!obj(v)) return w;
        const keys = Object.keys(v);
        if (keys.length === 0) return { x: w };
        return { ...v, [keys[i % keys.length]!]: w };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.nat()).map(([v, i]) => {
        if (!obj(v)) return v;
        const keys = Object.keys(v);
        if (keys.length === 0) return v;
        const { [keys[i % keys.length]!]: _gone, ...rest } = v;
        return rest;
      }),
    },
    { weight: 1, arbitrary: fc.tuple(valid, nastyString, wrongValue).map(([v, k, w]) => (obj(v) ? { ...v, [k]: w } : v)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  );
}

/** Query-string values: every field a string (as a query carries it), bent like {@link hostile}. */
export function queryOf(schema: z.ZodType): fc.Arbitrary<Record<string, string | string[]>> {
  // JSON for objects: fast-check builds some without a prototype, which String() cannot convert.
  const one = (x: unknown): string => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x));
  const asText = (v: unknown): string | string[] => (Array.isArray(v) ? v.map(one) : one(v));
  return hostile(fromZod(schema)).map((v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { q: asText(v) };
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asText(x)]));
  });
}

/** Content types a client might send, right and wrong. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      undefined,
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/problem+json',
      'application/octet-stream',
      '',
      ';;;',
      'application/json, text/plain',
      'application/jsonx',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).filter((s) => /^[\t\x20-\x7e]*$/.test(s)) },
);

/** A body as bytes: mostly the JSON of a value, sometimes broken JSON or raw bytes. */
export function bodyBytes(value: fc.Arbitrary<unknown>): fc.Arbitrary<string | Buffer> {
  return fc.oneof(
    { weight: 8, arbitrary: value.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: value.chain((v) => fc.nat().map((n) => { const s = JSON.stringify(v) ?? ''; return s.slice(0, n % (s.length + 1)); })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  );
}
