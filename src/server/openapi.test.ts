/**
 * The served /openapi.json: OpenAPI 3.1 in shape, named schemas referred to
 * by $ref (every $ref resolves, no component unused), the Idempotency-Key
 * header on each creating POST, a `webhooks` entry per event with its
 * payload, and examples that their own schemas accept.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
// Ajv comes with Fastify (its own validator); its 2020-12 dialect is the
// JSON Schema dialect of OpenAPI 3.1.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { apiSchemas, WEBHOOK_EVENTS } from '../protocol/api.js';
import { capturingTransport, createTestServer, type TestServer } from './testing.js';

let s: TestServer;
let doc: any;
before(async () => {
  s = await createTestServer({ transport: capturingTransport() });
  const res = await s.app.inject({ url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  doc = JSON.parse(res.body);
});
after(() => s.close());

/** Every `$ref` in a value, with the JSON path where it sits. */
function refs(value: unknown, path = '#', out: Array<{ ref: string; at: string }> = []) {
  if (Array.isArray(value)) value.forEach((v, i) => refs(v, `${path}/${i}`, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push({ ref: v, at: path });
      else refs(v, `${path}/${k}`, out);
    }
  }
  return out;
}

const resolve = (ref: string) => ref.replace(/^#\//, '').split('/').reduce((o: any, k) => o?.[k], doc);
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

test('the document has the shape of OpenAPI 3.1', () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(typeof doc.info.title, 'string');
  assert.equal(typeof doc.info.version, 'string');
  const allowed = new Set(['openapi', 'info', 'jsonSchemaDialect', 'servers', 'paths', 'webhooks', 'components', 'security', 'tags', 'externalDocs']);
  for (const k of Object.keys(doc)) assert.ok(allowed.has(k) || k.startsWith('x-'), `unknown top-level field ${k}`);
  const operationIds = new Set<string>();
  const operations = [...Object.values(doc.paths), ...Object.values(doc.webhooks)].flatMap((item: any) => METHODS.filter((m) => item[m]).map((m) => item[m]));
  assert.ok(operations.length > 10);
  for (const op of operations) {
    assert.ok(op.responses && Object.keys(op.responses).length > 0, `${op.summary}: responses`);
    for (const [code, r] of Object.entries<any>(op.responses)) {
      assert.match(code, /^([1-5][0-9X]{2}|default)$/, `${op.summary}: response ${code}`);
      assert.equal(typeof r.description, 'string', `${op.summary} ${code}: description is required`);
    }
    for (const p of op.parameters ?? []) {
      const param = p.$ref ? resolve(p.$ref) : p;
      assert.ok(param.name && ['query', 'header', 'path', 'cookie'].includes(param.in), JSON.stringify(p));
      if (param.in === 'path') assert.equal(param.required, true);
    }
    if (op.operationId) {
      assert.ok(!operationIds.has(op.operationId), `duplicate operationId ${op.operationId}`);
      operationIds.add(op.operationId);
    }
  }
  // Every path template names its parameters.
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const name of path.match(/\{[^}]+\}/g) ?? []) {
      for (const m of METHODS.filter((x) => item[x])) {
        assert.ok(item[m].parameters?.some((p: any) => p.in === 'path' && `{${p.name}}` === name), `${m} ${path} declares ${name}`);
      }
    }
  }
});

test('every component schema is valid JSON Schema 2020-12 (the dialect of OpenAPI 3.1)', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  for (const [name, schema] of Object.entries<any>(doc.components.schemas)) {
    assert.doesNotMatch(JSON.stringify(schema), /"nullable"/, `${name}: nullable is OpenAPI 3.0, not 3.1`);
    assert.doesNotThrow(() => ajv.addSchema(schema, `#/components/schemas/${name}`), `${name} compiles`);
  }
});

test('every $ref resolves, and no component is listed that nothing refers to', () => {
  const all = refs(doc);
  assert.ok(all.length > 20);
  for (const { ref, at } of all) assert.ok(resolve(ref) !== undefined, `${ref} (at ${at}) resolves`);
  const referenced = new Set(all.map((r) => r.ref));
  for (const name of Object.keys(doc.components.schemas)) assert.ok(referenced.has(`#/components/schemas/${name}`), `${name} is used`);
});

test('request and answer schemas are named components, referred to rather than inlined', () => {
  for (const name of ['Verification', 'Message', 'MessageList', 'Inbound', 'Webhook', 'Problem', 'StartVerification', 'SendMessage', 'CreateWebhook', 'MessageEventDelivery']) {
    assert.ok(doc.components.schemas[name], `components.schemas.${name}`);
  }
  const json = (op: any, code: string) => op.responses[code].content['application/json'].schema;
  assert.deepEqual(json(doc.paths['/v1/messages/{id}'].get, '200'), { $ref: '#/components/schemas/Message' });
  assert.deepEqual(json(doc.paths['/v1/verifications'].post, '201'), { $ref: '#/components/schemas/VerificationStart' });
  // The start answers the verification object, plus what to show for a reverse one.
  const start = doc.components.schemas.VerificationStart;
  for (const field of Object.keys(doc.components.schemas.Verification.properties)) assert.ok(start.properties[field], `VerificationStart.${field}`);
  assert.ok(start.properties.reverse, 'VerificationStart.reverse');
  assert.ok(doc.paths['/v1/gateways/{id}/number'].put, 'PUT /v1/gateways/{id}/number');
  const tooSoon = doc.paths['/v1/verifications'].post.responses['429'].content;
  assert.deepEqual(Object.keys(tooSoon), ['application/problem+json'], 'errors are documented as they are sent');
  assert.deepEqual(tooSoon['application/problem+json'].schema, { $ref: '#/components/schemas/Problem' });
  assert.deepEqual(doc.paths['/v1/messages'].post.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/SendMessage' });
  // Nowhere outside components is a Message or a Verification spelled out.
  const outside = JSON.stringify({ paths: doc.paths, webhooks: doc.webhooks });
  assert.doesNotMatch(outside, /"attempts_left"|"verification_id"/);
});

test('every creating POST names the Idempotency-Key header; other operations do not', () => {
  const param = doc.components.parameters.IdempotencyKey;
  assert.equal(param.name, 'Idempotency-Key');
  assert.equal(param.in, 'header');
  const withKey: string[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const m of METHODS.filter((x) => item[x])) {
      if ((item[m].parameters ?? []).some((p: any) => p.$ref === '#/components/parameters/IdempotencyKey')) withKey.push(`${m.toUpperCase()} ${path}`);
    }
  }
  assert.deepEqual(withKey.sort(), ['POST /integrations/authentik/sms', 'POST /integrations/send', 'POST /v1/messages', 'POST /v1/verifications', 'POST /v1/webhooks']);
});

test('the webhooks section describes every event: signature headers and its payload', () => {
  assert.deepEqual(Object.keys(doc.webhooks).sort(), [...WEBHOOK_EVENTS].sort());
  for (const type of WEBHOOK_EVENTS) {
    const post = doc.webhooks[type].post;
    assert.deepEqual(post.parameters.map((p: any) => p.name), ['webhook-id', 'webhook-timestamp', 'webhook-signature'], type);
    const payload = resolve(post.requestBody.content['application/json'].schema.$ref);
    assert.ok(payload.properties.type.enum.includes(type), `${type}: its payload schema names it`);
    assert.deepEqual(payload.required.sort(), ['data', 'timestamp', 'type']);
    assert.ok(resolve(payload.properties.data.$ref).properties.id, `${type}: data has an id`);
    assert.ok(post.responses['2XX']);
  }
});

test('examples are given for the main schemas, and each example passes its zod schema and its JSON Schema', () => {
  const ajv = new Ajv2020({ strict: false });
  ajv.addSchema({ $id: 'doc', components: doc.components });
  let checked = 0;
  for (const [schema, meta] of apiSchemas.all()) {
    const published = doc.components.schemas[meta.id] ?? doc.components.schemas[`${meta.id}Input`];
    for (const example of meta.examples ?? []) {
      assert.doesNotThrow(() => schema.parse(example), `${meta.id} example fits its zod schema`);
      const name = doc.components.schemas[meta.id] ? meta.id : `${meta.id}Input`;
      const validate = ajv.compile({ $ref: `doc#/components/schemas/${name}` });
      assert.ok(validate(example), `${meta.id} example fits its JSON Schema: ${ajv.errorsText(validate.errors)}`);
      assert.ok(published?.examples?.length, `${meta.id}: examples are published`);
      checked++;
    }
  }
  assert.ok(checked >= 14, `${checked} examples`);
  for (const name of ['Verification', 'Message', 'SendMessage', 'StartVerification', 'Problem', 'MessageEventDelivery', 'InboundEventDelivery', 'VerificationEventDelivery', 'GatewayEventDelivery']) {
    assert.ok(doc.components.schemas[name].examples?.length, `${name} has an example`);
  }
});
