/**
 * Ory Kratos' HTTP courier, as a contract: the request config and Jsonnet
 * body shown in docs/integrations/kratos.md (the files under
 * docs/integrations/kratos/, read here) are evaluated the way Kratos
 * evaluates them — Debian's `jsonnet` with the message as the top-level
 * argument `ctx` (Kratos' request/builder.go: `vm.TLACode("ctx", ...)`),
 * the context shaped as Kratos' courier/http_channel.go `httpDataModel`
 * and its SMS templates' models — and the request goes to a listening
 * Kirim over HTTP with the configured method, headers and auth.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { createApiKey } from '../credentials.js';
import { DIALECTS } from '../store/index.js';
import { capturingTransport, createTestServer, type TestServer } from '../testing.js';
import { inClear, leaseAll, tablesHolding } from './testing.js';

const DIR = new URL('../../../docs/integrations/kratos/', import.meta.url);
const JSONNET = new URL('kirim.sms.jsonnet', DIR).pathname;
const CONFIG = parse(readFileSync(new URL('kratos.courier.yml', DIR), 'utf8'));

interface RequestConfig {
  url: string;
  method: string;
  body: string;
  headers?: Record<string, string>;
  auth?: { type: 'api_key' | 'basic_auth'; config: Record<string, string> };
}
const smsChannel = (CONFIG.courier.channels as Array<{ id: string; type: string; request_config: RequestConfig }>).find((c) => c.id === 'sms')!;

/** Kratos' `ctx` for an SMS: courier/http_channel.go httpDataModel, its template's model as `template_data`. */
function kratosContext(templateType: string, body: string, templateData: Record<string, unknown>) {
  return { recipient: templateData.to, subject: '', body, template_type: templateType, template_data: templateData, message_type: 'sms', request_headers: { 'User-Agent': ['Mozilla/5.0'] } };
}

/** Kratos' built-in SMS texts (courier/template/courier/builtin/templates/<type>/sms.body.gotmpl), rendered. */
const identity = { id: '5f0b5b9c-7c1e-4a3b-9a57-0a4d5f3e2b11', traits: { phone: '+6281234567890' } };
const CASES = [
  {
    type: 'login_code_valid',
    code: '381204',
    body: 'Your login code is: 381204\n\nIt expires in 15 minutes.\n\n@auth.example.com #381204\n',
    data: { to: '+6281234567890', login_code: '381204', identity, request_url: 'https://auth.example.com/self-service/login?flow=1', request_url_domain: 'auth.example.com', transient_payload: {}, expires_in_minutes: 15 },
  },
  {
    type: 'verification_code_valid',
    code: '907711',
    body: 'Your verification code is: 907711\n\nIf this was not you, do nothing. It expires in 60 minutes.\n',
    data: { to: '081234567890', verification_code: '907711', identity, request_url: '', request_url_domain: '', transient_payload: {}, expires_in_minutes: 60 },
  },
  {
    type: 'registration_code_valid',
    code: '550123',
    body: 'Your registration code is: 550123\n\nIt expires in 15 minutes.\n',
    data: { to: '+6281234567890', registration_code: '550123', identity, request_url: '', request_url_domain: '', transient_payload: {}, expires_in_minutes: 15 },
  },
] as const;

/** What Kratos' request builder does with the config and the evaluated body: the request, sent to `origin` instead of the config's host. */
async function sendAsKratos(rc: RequestConfig, ctx: unknown, origin: string): Promise<Response> {
  const { stdout } = await promisify(execFile)('jsonnet', ['--tla-code', `ctx=${JSON.stringify(ctx)}`, JSONNET]);
  const headers: Record<string, string> = { ...(rc.headers ?? {}) };
  headers['Content-Type'] ??= 'application/json';
  assert.equal(headers['Content-Type'], 'application/json', 'the documented config sends JSON');
  if (rc.auth?.type === 'api_key') {
    assert.notEqual(rc.auth.config.in, 'cookie');
    headers[rc.auth.config.name!] = rc.auth.config.value!;
  } else if (rc.auth?.type === 'basic_auth') {
    headers.Authorization = `Basic ${Buffer.from(`${rc.auth.config.user}:${rc.auth.config.password}`).toString('base64')}`;
  }
  const url = new URL(rc.url);
  return fetch(origin + url.pathname + url.search, { method: rc.method, headers, body: JSON.stringify(JSON.parse(stdout)) });
}

/** The documented config with the test server's key in place of the placeholder. */
function withKey(rc: RequestConfig, key: string): RequestConfig {
  return JSON.parse(JSON.stringify(rc).replaceAll('kk_REPLACE_WITH_A_SEND_ONLY_KEY', key));
}

test('docs/integrations/kratos.md shows exactly the files this test uses', () => {
  const doc = readFileSync(new URL('../kratos.md', DIR), 'utf8');
  for (const file of ['kirim.sms.jsonnet', 'kratos.courier.yml']) {
    assert.ok(doc.includes(readFileSync(new URL(file, DIR), 'utf8').trimEnd()), `${file} is shown whole`);
  }
});

for (const dialect of DIALECTS) {
  describe(`Ory Kratos HTTP courier (${dialect})`, () => {
    let s: TestServer;
    let origin: string;
    let key: string;
    beforeEach(async () => {
      s = await createTestServer({ dialect, transport: capturingTransport() });
      origin = await s.app.listen({ host: '127.0.0.1', port: 0 });
      key = (await createApiKey(s.store, 'kratos', { scopes: ['send'] })).key;
    });
    afterEach(() => s.close());

    test('the documented config is an http channel posting the Jsonnet body to /integrations/send', () => {
      assert.equal(smsChannel.type, 'http');
      assert.equal(smsChannel.request_config.method, 'POST');
      assert.equal(new URL(smsChannel.request_config.url).pathname, '/integrations/send');
      assert.equal(smsChannel.request_config.body, 'file:///etc/kratos/kirim.sms.jsonnet');
      assert.equal(smsChannel.request_config.auth?.type, 'api_key');
    });

    for (const c of CASES) {
      test(`${c.type}: Kratos' request queues its text, the code masked in the store and whole at the gateway`, async () => {
        const res = await sendAsKratos(withKey(smsChannel.request_config, key), kratosContext(c.type, c.body, c.data), origin);
        const raw = await res.text();
        assert.equal(res.status, 202, raw);
        const answer = JSON.parse(raw) as { to: string; text: string; priority: string; created_at: string; expires_at: string };
        assert.equal(Date.parse(answer.expires_at) - Date.parse(answer.created_at), c.data.expires_in_minutes * 60_000, 'the SMS lives as long as the code');
        assert.equal(answer.to, '+6281234567890');
        assert.doesNotMatch(answer.text, inClear(c.code));
        assert.equal(answer.priority, 'high');
        assert.deepEqual(await tablesHolding(s, dialect, inClear(c.code)), [], 'the code is in no table in clear');
        const leased = await leaseAll(s);
        assert.deepEqual(leased.map((m) => [m.to, m.text]), [['+6281234567890', c.body]]);
      });
    }

    test("with Kratos' basic_auth (the key as password) the same request is accepted", async () => {
      const rc: RequestConfig = { ...smsChannel.request_config, auth: { type: 'basic_auth', config: { user: 'kratos', password: key } } };
      const c = CASES[0];
      const res = await sendAsKratos(rc, kratosContext(c.type, c.body, c.data), origin);
      assert.equal(res.status, 202, await res.text());
      assert.equal((await leaseAll(s))[0]!.text, c.body);
    });

    test('a wrong key is refused with 401, which Kratos counts as a failed dispatch and retries', async () => {
      const c = CASES[0];
      const res = await sendAsKratos(withKey(smsChannel.request_config, 'kk_not_a_key'), kratosContext(c.type, c.body, c.data), origin);
      assert.equal(res.status, 401);
      assert.deepEqual(await leaseAll(s), []);
    });
  });
}
