/**
 * The HTTP API v1 and the gateway endpoints, in process (app.inject),
 * against every store dialect. Each test gets a server of its own and sets
 * up what it needs, so any one of them can run alone or in any order.
 */
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { sql } from 'kysely';
import { WEBHOOK_EVENTS } from '../protocol/api.js';
import { createLogger } from '../protocol/log.js';
import { DIALECTS, type Dialect } from './store/index.js';
import { capturingTransport, createTestServer, type TestServer } from './testing.js';

/** Leases every waiting SMS through the gateway API and returns them. */
async function leaseAll(s: TestServer) {
  const r = await s.gw('/lease', { max: 100, wait_ms: 0 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.messages as Array<{ id: string; to: string; text: string; expires_at: string; priority: string }>;
}

const codeIn = (text: string) => /(\d{6})/.exec(text)?.[1];

/** The code as a number of its own (digits on either side would make it part of another number, e.g. a timestamp). */
const inClear = (code: string) => new RegExp(`(?<![0-9])${code}(?![0-9])`);

/** Every row of every table of the store, as text (binary columns as latin1, so bytes in clear show too). */
async function dumpStore(s: TestServer, dialect: Dialect): Promise<Map<string, string>> {
  const names =
    dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(s.store.db)).rows.map((r) => r.name)
      : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(s.store.db)).rows.map((r) => r.name);
  const out = new Map<string, string>();
  for (const name of names) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(s.store.db)).rows;
    out.set(name, JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v?.type === 'Buffer' && Array.isArray(v.data) ? Buffer.from(v.data).toString('latin1') : v)));
  }
  return out;
}

for (const dialect of DIALECTS) {
  describe(`API v1 on ${dialect}`, () => {
    let s: TestServer;
    let transport: ReturnType<typeof capturingTransport>;
    beforeEach(async () => {
      transport = capturingTransport();
      s = await createTestServer({ dialect, transport });
    });
    afterEach(async () => {
      await s.close();
    });

    test('an SMS verification: start, code reaches the gateway, wrong code costs an attempt, right code approves once', async () => {
      const start = await s.api('POST', '/v1/verifications', { to: '081234567890', channel: 'sms' });
      assert.equal(start.status, 201, JSON.stringify(start.body));
      const v = start.body;
      assert.equal(v.to, '+6281234567890');
      assert.equal(v.status, 'pending');
      assert.equal(v.sends, 1);
      assert.equal(v.attempts_left, 5);
      assert.ok(!('code' in v), 'no code in the object');
      assert.equal(Date.parse(v.expires_at) - Date.parse(v.created_at), 600_000);

      const leased = await leaseAll(s);
      const sms = leased.find((m) => m.to === '+6281234567890');
      assert.ok(sms, 'the OTP SMS is leased to the gateway');
      assert.equal(sms.priority, 'high');
      assert.equal(sms.expires_at, v.expires_at);
      const code = codeIn(sms.text)!;
      assert.match(sms.text, /^Kode verifikasi Kirim Anda: \d{6}\. Berlaku 10 menit\. Jangan berikan kode ini kepada siapa pun\.$/);

      // The stored message has the code masked.
      const list = await s.api('GET', '/v1/messages?limit=5');
      const stored = list.body.data.find((m: { id: string }) => m.id === sms.id);
      assert.ok(stored.text.includes('******'));
      assert.ok(!stored.text.includes(code));
      assert.equal(stored.verification_id, v.id);
      assert.equal(stored.encoding, 'gsm7');
      assert.equal(stored.segments, 1);

      const wrong = code === '000000' ? '111111' : '000000';
      const bad = await s.api('POST', '/v1/verifications/check', { to: '+6281234567890', code: wrong });
      assert.equal(bad.status, 200);
      assert.equal(bad.body.status, 'pending');
      assert.equal(bad.body.attempts_left, 4);

      const good = await s.api('POST', '/v1/verifications/check', { id: v.id, code });
      assert.equal(good.status, 200);
      assert.equal(good.body.status, 'approved');

      const again = await s.api('POST', '/v1/verifications/check', { id: v.id, code });
      assert.equal(again.status, 404);
      assert.equal(again.body.code, 'not_found');

      // The code is erased once the verification ended.
      const row = await s.store.db.selectFrom('verifications').selectAll().where('id', '=', v.id).executeTakeFirstOrThrow();
      assert.equal(row.code_enc, null);
      assert.ok(!row.code_hash.includes(code));
    });

    test('resend: same code, 429 with Retry-After before next_resend_at, then 200 with sends incremented', async () => {
      const to = '+6281311111111';
      const first = await s.api('POST', '/v1/verifications', { to, channel: 'sms', locale: 'en' });
      assert.equal(first.status, 201);
      const early = await s.api('POST', '/v1/verifications', { to, channel: 'sms' });
      assert.equal(early.status, 429);
      assert.equal(early.body.code, 'rate_limited');
      assert.ok(Number(early.headers['retry-after']) >= 1);
      assert.equal(early.headers['content-type'], 'application/problem+json');
      // Move the resend time into the past.
      await s.store.db.updateTable('verifications').set({ next_resend_at: Date.now() - 1 }).where('id', '=', first.body.id).execute();
      const resend = await s.api('POST', '/v1/verifications', { to, channel: 'sms' });
      assert.equal(resend.status, 200);
      assert.equal(resend.body.id, first.body.id);
      assert.equal(resend.body.sends, 2);
      const leased = (await leaseAll(s)).filter((m) => m.to === to);
      // The unsent first copy was superseded: one SMS carries the code.
      assert.equal(leased.length, 1);
      assert.match(leased[0]!.text, /^Your Kirim verification code: \d{6}\./);
      const check = await s.api('POST', '/v1/verifications/check', { to, code: codeIn(leased[0]!.text) });
      assert.equal(check.body.status, 'approved');
    });

    test('five wrong codes end the verification; the right one no longer works', async () => {
      const to = '+6281322222222';
      const v = (await s.api('POST', '/v1/verifications', { to, channel: 'sms' })).body;
      const code = codeIn((await leaseAll(s)).find((m) => m.to === to)!.text)!;
      const wrong = code === '999999' ? '888888' : '999999';
      let last;
      for (let i = 0; i < 5; i++) last = await s.api('POST', '/v1/verifications/check', { id: v.id, code: wrong });
      assert.equal(last!.body.status, 'max_attempts_reached');
      assert.equal(last!.body.attempts_left, 0);
      const right = await s.api('POST', '/v1/verifications/check', { id: v.id, code });
      assert.equal(right.body.status, 'max_attempts_reached');
    });

    test('concurrent checks with the right code approve exactly once', async () => {
      const to = '+6281333333333';
      const v = (await s.api('POST', '/v1/verifications', { to, channel: 'sms' })).body;
      const code = codeIn((await leaseAll(s)).find((m) => m.to === to)!.text)!;
      const results = await Promise.all(Array.from({ length: 8 }, () => s.api('POST', '/v1/verifications/check', { id: v.id, code })));
      assert.equal(results.filter((r) => r.status === 200 && r.body.status === 'approved').length, 1);
    });

    test('email verification: the mail carries the code and the check approves it', async () => {
      const start = await s.api('POST', '/v1/verifications', { to: 'User@Example.COM', channel: 'email' });
      assert.equal(start.status, 201);
      assert.equal(start.body.to, 'user@example.com');
      await s.services.email.runOnce();
      const mail = transport.sent.find((m) => m.to === 'user@example.com');
      assert.ok(mail, 'an email was handed to the transport');
      const code = codeIn(mail.text)!;
      assert.ok(mail.html?.includes(code));
      const msg = (await s.api('GET', '/v1/messages?limit=20')).body.data.find((m: { verification_id?: string }) => m.verification_id === start.body.id);
      assert.equal(msg.status, 'sent');
      assert.deepEqual(msg.events.map((e: { status: string }) => e.status), ['queued', 'dispatched', 'sent']);
      const check = await s.api('POST', '/v1/verifications/check', { to: 'user@example.com', code });
      assert.equal(check.body.status, 'approved');
    });

    test('cancel: a pending verification becomes canceled and its queued SMS is canceled', async () => {
      const to = '+6281344444444';
      const v = (await s.api('POST', '/v1/verifications', { to, channel: 'sms' })).body;
      const c = await s.api('POST', `/v1/verifications/${v.id}/cancel`);
      assert.equal(c.status, 200);
      assert.equal(c.body.status, 'canceled');
      assert.equal((await leaseAll(s)).filter((m) => m.to === to).length, 0);
      assert.equal((await s.api('GET', `/v1/verifications/${v.id}`)).body.status, 'canceled');
    });

    test('messages: 202, gateway reports move it through spooled, sent, delivered; reports are idempotent', async () => {
      const r = await s.api('POST', '/v1/messages', { to: '+6281355555555', channel: 'sms', text: 'Halo € ✓', priority: 'low' });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.equal(r.body.status, 'queued');
      assert.equal(r.body.encoding, 'ucs2');
      const id = r.body.id;
      const leased = (await leaseAll(s)).find((m) => m.id === id)!;
      assert.equal(leased.text, 'Halo € ✓');
      const at = new Date().toISOString();
      const rep = await s.gw('/reports', { reports: [{ message_id: id, status: 'spooled', at }, { message_id: id, status: 'spooled', at }] });
      assert.deepEqual(rep.body.results.map((x: { outcome: string }) => x.outcome), ['applied', 'duplicate']);
      await s.gw('/reports', { reports: [{ message_id: id, status: 'sent', at, parts: 1 }] });
      await s.gw('/reports', { reports: [{ message_id: id, status: 'delivered', at }] });
      const late = await s.gw('/reports', { reports: [{ message_id: id, status: 'spooled', at }, { message_id: 'msg_unknown', status: 'sent', at }] });
      assert.deepEqual(late.body.results.map((x: { outcome: string }) => x.outcome), ['stale', 'unknown']);
      const m = (await s.api('GET', `/v1/messages/${id}`)).body;
      assert.equal(m.status, 'delivered');
      assert.equal(m.gateway, s.gatewayId);
      assert.deepEqual(m.events.map((e: { status: string }) => e.status), ['queued', 'dispatched', 'spooled', 'sent', 'delivered']);
      assert.equal(m.events.find((e: { status: string }) => e.status === 'sent').detail, 'sent by the modem (1 part)');
      const delivered = await s.api('GET', '/v1/messages?status=delivered');
      assert.ok(delivered.body.data.some((x: { id: string }) => x.id === id));
    });

    test('long-poll: a waiting lease answers as soon as an SMS is queued', async () => {
      const t0 = Date.now();
      const poll = s.gw('/lease', { max: 10, wait_ms: 10_000 });
      await new Promise((r) => setTimeout(r, 200));
      const created = await s.api('POST', '/v1/messages', { to: '+6281399999999', channel: 'sms', text: 'wake up' });
      const r = await poll;
      const waited = Date.now() - t0;
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.messages.map((m: { id: string }) => m.id), [created.body.id]);
      assert.ok(waited >= 200 && waited < 5_000, `answered after ${waited} ms`);
      const empty = Date.now();
      const none = await s.gw('/lease', { max: 10, wait_ms: 300 });
      assert.deepEqual(none.body.messages, []);
      assert.ok(Date.now() - empty >= 290, 'an empty poll waits its wait_ms');
    });

    test('a lease that lapses before spooled is requeued; a spooled message is never leased again', async () => {
      const a = (await s.api('POST', '/v1/messages', { to: '+6281400000001', channel: 'sms', text: 'lapse' })).body;
      const b = (await s.api('POST', '/v1/messages', { to: '+6281400000002', channel: 'sms', text: 'keep' })).body;
      const leased = await leaseAll(s);
      assert.ok(leased.some((m) => m.id === a.id) && leased.some((m) => m.id === b.id));
      await s.gw('/reports', { reports: [{ message_id: b.id, status: 'spooled', at: new Date().toISOString() }] });
      await s.store.db.updateTable('messages').set({ lease_until: Date.now() - 1 }).where('id', 'in', [a.id, b.id]).execute();
      await s.services.sweep();
      const ma = (await s.api('GET', `/v1/messages/${a.id}`)).body;
      assert.equal(ma.status, 'queued');
      assert.match(ma.events.at(-1).detail, /lease lapsed/);
      assert.equal((await s.api('GET', `/v1/messages/${b.id}`)).body.status, 'spooled');
      const again = await leaseAll(s);
      assert.deepEqual(again.filter((m) => m.id === a.id || m.id === b.id).map((m) => m.id), [a.id]);
      // The gateway that wrote it late may still report it: the report is accepted.
      const late = await s.gw('/reports', { reports: [{ message_id: a.id, status: 'sent', at: new Date().toISOString() }] });
      assert.equal(late.body.results[0].outcome, 'applied');
    });

    test('a verification whose SMS failed shows failed', async () => {
      const to = '+6281366666666';
      const v = (await s.api('POST', '/v1/verifications', { to, channel: 'sms' })).body;
      const sms = (await leaseAll(s)).find((m) => m.to === to)!;
      await s.gw('/reports', { reports: [{ message_id: sms.id, status: 'failed', at: new Date().toISOString(), detail: '+CMS ERROR: 38' }] });
      // The verification sync runs on the event; give it a turn.
      for (let i = 0; i < 50 && (await s.api('GET', `/v1/verifications/${v.id}`)).body.status === 'pending'; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal((await s.api('GET', `/v1/verifications/${v.id}`)).body.status, 'failed');
    });

    test('Idempotency-Key: a retry returns the first answer and creates nothing; another body is refused', async () => {
      const body = { to: '+6281377777777', channel: 'sms', text: 'once' };
      const h = { 'idempotency-key': `k-${dialect}-1` };
      const a = await s.api('POST', '/v1/messages', body, h);
      const b = await s.api('POST', '/v1/messages', body, h);
      assert.equal(a.status, 202);
      assert.equal(b.status, 202);
      assert.equal(b.body.id, a.body.id);
      assert.equal(b.headers['idempotent-replayed'], 'true');
      const c = await s.api('POST', '/v1/messages', { ...body, text: 'twice' }, h);
      assert.equal(c.status, 422);
      assert.equal(c.body.code, 'idempotency_key_reused');
      const all = (await s.api('GET', '/v1/messages?limit=100')).body.data.filter((m: { to: string }) => m.to === '+6281377777777');
      assert.equal(all.length, 1);
    });

    test('auth: missing, wrong, and gateway tokens are refused on /v1; API keys on /gateway/v1', async () => {
      const none = await s.app.inject({ method: 'GET', url: '/v1/messages' });
      assert.equal(none.statusCode, 401);
      assert.equal(JSON.parse(none.body).code, 'unauthorized');
      const wrong = await s.api('GET', '/v1/messages', undefined, { authorization: 'Bearer kk_wrongwrongwrongwrong' });
      assert.equal(wrong.status, 401);
      const gwOnApi = await s.api('GET', '/v1/messages', undefined, { authorization: `Bearer ${s.gatewayToken}` });
      assert.equal(gwOnApi.status, 401);
      const keyOnGw = await s.app.inject({ method: 'POST', url: '/gateway/v1/lease', headers: { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' }, payload: '{"wait_ms":0}' });
      assert.equal(keyOnGw.statusCode, 401);
    });

    test('another API key sees none of these verifications or messages', async () => {
      const other = await s.newApiKey();
      const mine = (await s.api('POST', '/v1/messages', { to: '+6281388888888', channel: 'sms', text: 'private' })).body;
      const theirs = await s.api('GET', `/v1/messages/${mine.id}`, undefined, { authorization: `Bearer ${other}` });
      assert.equal(theirs.status, 404);
    });

    test('operations: healthz, readyz, metrics, openapi', async () => {
      // One verification started and one SMS delivered, for the metrics to count.
      assert.equal((await s.api('POST', '/v1/verifications', { to: '+6281300000001', channel: 'sms' })).status, 201);
      const sms = (await s.api('POST', '/v1/messages', { to: '+6281300000002', channel: 'sms', text: 'counted' })).body;
      assert.ok((await leaseAll(s)).some((m) => m.id === sms.id));
      for (const status of ['spooled', 'sent', 'delivered']) await s.gw('/reports', { reports: [{ message_id: sms.id, status, at: new Date().toISOString() }] });
      assert.equal((await s.app.inject({ url: '/healthz' })).statusCode, 200);
      assert.equal((await s.app.inject({ url: '/readyz' })).statusCode, 200);
      const metrics = await s.app.inject({ url: '/metrics' });
      assert.match(metrics.body, /kirim_verifications_started_total\{channel="sms",outcome="created"\} \d+/);
      assert.match(metrics.body, /kirim_messages\{channel="sms",status="delivered"\} 1/);
      assert.match(metrics.body, /^kirim_process_cpu_seconds_total \d/m);
      assert.match(metrics.body, /^kirim_nodejs_heap_size_used_bytes \d/m);
      assert.doesNotMatch(metrics.body, /process_process_|nodejs_nodejs_/);
      const doc = JSON.parse((await s.app.inject({ url: '/openapi.json' })).body);
      assert.equal(doc.openapi, '3.1.0');
      for (const p of ['/v1/verifications', '/v1/verifications/check', '/v1/verifications/{id}', '/v1/verifications/{id}/cancel', '/v1/messages', '/v1/messages/{id}', '/v1/inbound', '/v1/webhooks']) {
        assert.ok(doc.paths[p], `${p} documented`);
      }
      assert.ok(!Object.keys(doc.paths).some((p) => p.startsWith('/gateway')), 'gateway endpoints stay internal');
      assert.equal((await s.app.inject({ url: '/docs/' })).statusCode, 200);
    });
  });

  test(`a code appears in clear only in the SMS and the email that carry it, never in an API answer, a log line, a webhook or the store (${dialect})`, async () => {
    const clock = { now: Date.parse('2026-03-02T08:00:00Z') };
    const log: string[] = [];
    const transport = capturingTransport();
    const s = await createTestServer({ dialect, transport, now: () => clock.now, logger: createLogger({ level: 'trace', destination: { write: (line: string) => void log.push(line) } }) });
    const hooks: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hooks.push(JSON.stringify(req.headers) + body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const answers: Array<{ what: string; text: string }> = [];
    /** Calls the API and keeps the whole answer: status, headers and body. */
    const call = async (method: string, url: string, body?: unknown, headers?: Record<string, string>) => {
      const r = await s.api(method, url, body, headers);
      answers.push({ what: `${method} ${url} ${JSON.stringify(body ?? '')}`, text: JSON.stringify(r) });
      return r;
    };
    try {
      const wh = await call('POST', '/v1/webhooks', { url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/h`, events: [...WEBHOOK_EVENTS] });
      assert.equal(wh.status, 201, JSON.stringify(wh.body));

      // SMS: started (and retried with its Idempotency-Key), sent, resent, checked wrong then right.
      const to = '+6281234500000';
      const v = await call('POST', '/v1/verifications', { to, channel: 'sms' }, { 'idempotency-key': 'leak-sms' });
      assert.equal(v.status, 201, JSON.stringify(v.body));
      assert.equal((await call('POST', '/v1/verifications', { to, channel: 'sms' }, { 'idempotency-key': 'leak-sms' })).body.id, v.body.id);
      const first = (await leaseAll(s)).find((m) => m.to === to)!;
      const smsCode = codeIn(first.text)!;
      assert.match(first.text, inClear(smsCode), 'the SMS carries the code');
      for (const status of ['spooled', 'sent']) await s.gw('/reports', { reports: [{ message_id: first.id, status, at: new Date(clock.now).toISOString() }] });
      clock.now += 31_000;
      assert.equal((await call('POST', '/v1/verifications', { to, channel: 'sms' })).status, 200, 'resent');
      const second = (await leaseAll(s)).find((m) => m.to === to)!;
      assert.equal(codeIn(second.text), smsCode, 'the resend carries the same code');
      const whilePending = await dumpStore(s, dialect);
      await call('GET', `/v1/verifications/${v.body.id}`);
      for (const m of (await call('GET', '/v1/messages?limit=100')).body.data) await call('GET', `/v1/messages/${m.id}`);
      await call('POST', '/v1/verifications/check', { id: v.body.id, code: smsCode === '000000' ? '111111' : '000000' });
      assert.equal((await call('POST', '/v1/verifications/check', { to, code: smsCode })).body.status, 'approved');
      await call('POST', '/v1/verifications/check', { to, code: smsCode });

      // Email: started, mailed, checked right.
      const e = await call('POST', '/v1/verifications', { to: 'leak@example.com', channel: 'email' });
      assert.equal(e.status, 201);
      await s.services.email.runOnce();
      const mail = transport.sent.find((m) => m.to === 'leak@example.com');
      assert.ok(mail, 'the email was sent');
      const mailCode = codeIn(mail.text)!;
      assert.match(mail.text, inClear(mailCode), 'the email carries the code');
      await call('GET', `/v1/verifications/${e.body.id}`);
      assert.equal((await call('POST', '/v1/verifications/check', { id: e.body.id, code: mailCode })).body.status, 'approved');
      for (const m of (await call('GET', '/v1/messages?limit=100')).body.data) await call('GET', `/v1/messages/${m.id}`);
      await call('GET', '/v1/webhooks');
      answers.push({ what: 'GET /metrics', text: (await s.app.inject({ url: '/metrics' })).body });

      await s.services.webhooks.runOnce();
      const afterwards = await dumpStore(s, dialect);

      // The places searched hold what they should, so an empty search cannot pass.
      assert.ok(log.some((l) => l.includes('/v1/verifications/check')), 'the log has the requests');
      assert.ok(hooks.some((h) => h.includes('verification.approved')), 'webhooks were delivered');
      for (const table of ['verifications', 'messages', 'idempotency_keys', 'webhook_deliveries']) {
        assert.ok((JSON.parse(afterwards.get(table) ?? '[]') as unknown[]).length > 0, `${table} has rows`);
      }

      for (const code of [smsCode, mailCode]) {
        const clear = inClear(code);
        for (const a of answers) assert.doesNotMatch(a.text, clear, `the code is in the answer to ${a.what}`);
        const line = log.find((l) => clear.test(l));
        assert.equal(line, undefined, `the code is in the log: ${line}`);
        for (const h of hooks) assert.doesNotMatch(h, clear, 'the code is in a webhook delivery');
        for (const dump of [whilePending, afterwards]) {
          for (const [table, rows] of dump) assert.doesNotMatch(rows, clear, `the code is in the table ${table}`);
        }
      }
    } finally {
      receiver.close();
      await s.close();
    }
  });
}
