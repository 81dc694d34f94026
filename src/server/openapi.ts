/**
 * The OpenAPI 3.1 document served at /openapi.json. Promises:
 * - request and answer schemas named in protocol/api.ts (`apiSchemas`) are
 *   listed once under `components.schemas` (an input form that differs
 *   from the answer form of the same name as `<Name>Input`) and
 *   referred to by `$ref`; no component is listed that nothing refers to;
 * - every creating POST (one that answers 201 or 202) names the
 *   `Idempotency-Key` header;
 * - error answers are `application/problem+json`, as they are sent;
 * - the `webhooks` section describes each event's POST, its signature
 *   headers and payload.
 */
import type { SwaggerOptions } from '@fastify/swagger';
import { createJsonSchemaTransformObject, jsonSchemaTransform } from 'fastify-type-provider-zod';
import { apiSchemas, webhookDeliverySchema, WEBHOOK_EVENTS } from '../protocol/api.js';

type Json = Record<string, any>;

const SCHEMA_REF = '#/components/schemas/';

const info = {
  title: 'Kirim API',
  version: '1.0.0',
  description: 'OTP verifications and messages by SMS (through your own GSM modem and gammu-smsd) and email.',
};

const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: the same key with the same body (for 24 hours, per API key) answers the first answer again, with `Idempotent-Replayed: true`, and creates nothing; the same key with another body answers 422 `idempotency_key_reused`; while the first request is still running, 409 `idempotency_conflict` with `Retry-After`.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
  example: 'order-8812-otp',
};

const signatureHeaders = [
  { name: 'webhook-id', in: 'header', required: true, description: 'Delivery id, the same on every retry: deduplicate on it.', schema: { type: 'string' } },
  { name: 'webhook-timestamp', in: 'header', required: true, description: 'Unix seconds of this attempt; refuse deliveries more than 5 minutes away from now.', schema: { type: 'string', pattern: '^[0-9]+$' } },
  {
    name: 'webhook-signature',
    in: 'header',
    required: true,
    description: 'Space-separated `v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the base64-decoded part of the endpoint secret after `whsec_` (Standard Webhooks). See docs/webhooks.md.',
    schema: { type: 'string' },
  },
];

/** One `webhooks` entry per event: a POST with the signature headers and the event's payload. */
function webhooks(): Json {
  const out: Json = {};
  for (const type of WEBHOOK_EVENTS) {
    const id = apiSchemas.get(webhookDeliverySchema(type))!.id;
    out[type] = {
      post: {
        summary: `${type} delivery`,
        description: apiSchemas.get(webhookDeliverySchema(type))!.description,
        parameters: signatureHeaders,
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: SCHEMA_REF + id } } } },
        responses: {
          '2XX': { description: 'Received. 408, 429, 5xx and timeouts are retried with backoff for about three days; 410 Gone removes the endpoint; other answers are not retried.' },
        },
      },
    };
  }
  return out;
}

/** Names of the components a part of the document refers to. */
function refsIn(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsIn(v, into);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMA_REF)) into.add(v.slice(SCHEMA_REF.length));
      else refsIn(v, into);
    }
  }
  return into;
}

/** Adds the Idempotency-Key header, the webhooks, and keeps only components in use. */
function finish(doc: Json): Json {
  for (const item of Object.values(doc.paths ?? {}) as Json[]) {
    const post = item.post as Json | undefined;
    if (post && (post.responses?.['201'] || post.responses?.['202'])) {
      post.parameters = [...(post.parameters ?? []), { $ref: '#/components/parameters/IdempotencyKey' }];
    }
    // Errors are sent as application/problem+json (app.ts), not application/json.
    for (const op of Object.values(item) as Json[]) {
      for (const [code, response] of Object.entries<Json>(op?.responses ?? {})) {
        const content = response?.content;
        if (Number(code) >= 400 && content?.['application/json']?.schema?.$ref === `${SCHEMA_REF}Problem`) {
          response.content = { 'application/problem+json': content['application/json'] };
          if (response.description === 'Default Response') response.description = 'A problem (RFC 9457); `code` says which';
        }
      }
    }
  }
  doc.webhooks = webhooks();
  doc.components = { ...doc.components, parameters: { ...doc.components?.parameters, IdempotencyKey: idempotencyKey } };
  // The zod provider lists an input and an output version of every named
  // schema; drop the ones no path, webhook or used component mentions.
  const all: Json = doc.components.schemas ?? {};
  const used = refsIn({ paths: doc.paths, webhooks: doc.webhooks }, new Set());
  for (let grew = true; grew; ) {
    grew = false;
    for (const name of [...used]) {
      for (const n of refsIn(all[name], new Set())) {
        if (!used.has(n)) {
          used.add(n);
          grew = true;
        }
      }
    }
  }
  doc.components.schemas = Object.fromEntries(Object.entries(all).filter(([name]) => used.has(name)));
  // An input form is called by its name when there is no answer form of
  // that name, or when both forms are the same schema (an enum).
  const merge = [...used].filter((name) => {
    const base = name.replace(/Input$/, '');
    return base !== name && (!used.has(base) || JSON.stringify(all[base]) === JSON.stringify(all[name]));
  });
  let text = JSON.stringify(doc);
  for (const name of merge) text = text.replaceAll(`"${SCHEMA_REF}${name}"`, `"${SCHEMA_REF}${name.replace(/Input$/, '')}"`);
  const out = JSON.parse(text) as Json;
  const schemas: Json = {};
  for (const [name, schema] of Object.entries(out.components.schemas as Json)) schemas[merge.includes(name) ? name.replace(/Input$/, '') : name] ??= schema;
  out.components.schemas = schemas;
  return out;
}

/** Options for @fastify/swagger. */
export function openapiOptions(): SwaggerOptions {
  const transformObject = createJsonSchemaTransformObject({});
  return {
    openapi: {
      openapi: '3.1.0',
      info,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key from `kirim keys create`' },
          basic: { type: 'http', scheme: 'basic', description: 'The integration endpoints only: an API key as the password (the user name is not checked)' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => finish(transformObject(input) as Json) as ReturnType<typeof transformObject>,
  };
}
