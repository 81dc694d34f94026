/**
 * Secrets never in clear, checked from the outside: a real `kirim server`
 * process runs a full scenario — an email verification through the
 * development mailbox with a resend, an SMS verification leased and
 * reported by a gateway, a wrong and a right check of each, two webhook
 * endpoints (one verifying every signature, one failing), /metrics — and
 * then the SQLite database file and its WAL, the server's log output at
 * debug level, /metrics, every API answer and every dashboard read are
 * searched for the plain codes, the API key, the gateway token, the
 * webhook secrets and the dashboard session.
 *
 * Only the channels themselves may carry them: the .eml files and the
 * gateway's lease answer (the SMS text) carry the code, the answer that
 * creates a webhook carries its secret once, `kirim keys create` and
 * `kirim gateways create` print theirs once, the login answer sets the
 * session cookie. Those are not scanned.
 *
 * To show the scan can fail, values are then planted where the scan looks
 * (a message text holding the API key, a request path holding the gateway
 * token) and the scan must find them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { listMailbox } from '../src/server/channels/email/mailbox.js';
import { verifyWebhook } from '../src/server/webhooks/sign.js';
import { spawnSync } from 'node:child_process';
import { KIRIM_BIN, kirim, startServerProcess, tempDir, waitFor, type ServerProcess } from './support/process.js';

interface Answer {
  what: string;
  status: number;
  text: string;
}

/** A receiver on 127.0.0.1 answering `status`; records whether each signature verified. */
async function receiver(status: number) {
  const seen: Array<{ type: string; valid: boolean }> = [];
  let secret = '';
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ type: JSON.parse(body).type, valid: secret !== '' && verifyWebhook({ secret, headers: req.headers as Record<string, string>, body }).ok });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 300 ? 'receiver is down' : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`,
    seen,
    setSecret: (s: string) => (secret = s),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Where each secret shows up in `haystack`; a code counts only as a number of its own (no digit on either side). */
function findIn(haystack: string, secrets: Record<string, string>): string[] {
  const hits: string[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    const found = /^\d+$/.test(value) ? new RegExp(`(?<!\\d)${value}(?!\\d)`).test(haystack) : haystack.includes(value);
    if (found) hits.push(name);
  }
  return hits;
}

test('a full scenario leaves no code, API key, gateway token or webhook secret in the database, its WAL, the logs, /metrics or any API answer', async () => {
  const dataDir = join(tempDir('kirim-scan'), 'data');
  const good = await receiver(204);
  const bad = await receiver(500);
  let srv: ServerProcess | undefined;
  let stdout = '';
  try {
    srv = await startServerProcess(['--data-dir', dataDir], {
      KIRIM_LOG_LEVEL: 'debug',
      KIRIM_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32',
      KIRIM_OTP_RESEND_DELAYS: '0',
    });
    srv.child.stdout!.on('data', (d) => (stdout += String(d)));
    const url = srv.url;

    const keyOut = kirim(['keys', 'create', '--name', 'scan', '--data-dir', dataDir]);
    assert.equal(keyOut.status, 0, keyOut.stderr);
    const apiKey = /\bkk_[A-Za-z0-9_-]{43}\b/.exec(keyOut.stdout)?.[0];
    const gwOut = kirim(['gateways', 'create', '--name', 'scan-gw', '--data-dir', dataDir]);
    assert.equal(gwOut.status, 0, gwOut.stderr);
    const gatewayToken = /\bkg_[A-Za-z0-9_-]{43}\b/.exec(gwOut.stdout)?.[0];
    assert.ok(apiKey && gatewayToken, `${keyOut.stdout} ${gwOut.stdout}`);

    const answers: Answer[] = [];
    const call = async (what: string, method: string, path: string, body?: unknown, token = apiKey, scan = true) => {
      const res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      const headers = JSON.stringify([...res.headers.entries()]);
      if (scan) answers.push({ what: `${what} (${method} ${path})`, status: res.status, text: `${headers}\n${text}` });
      return { status: res.status, body: /json/.test(res.headers.get('content-type') ?? '') && text ? JSON.parse(text) : text };
    };

    // Webhooks: the creation answers carry the secrets (shown once) and are not scanned.
    const hook = await call('webhook', 'POST', '/v1/webhooks', { url: good.url, events: ['*'] }, apiKey, false);
    assert.equal(hook.status, 201);
    good.setSecret(hook.body.secret);
    const failing = await call('webhook', 'POST', '/v1/webhooks', { url: bad.url, events: ['*'] }, apiKey, false);
    assert.equal(failing.status, 201);

    // Email, with a resend of the same code; the code is read from the mailbox.
    const email = 'scan@example.com';
    const started = await call('start email', 'POST', '/v1/verifications', { to: email, channel: 'email' });
    assert.equal(started.status, 201);
    const resent = await call('resend email', 'POST', '/v1/verifications', { to: email, channel: 'email' });
    assert.equal(resent.status, 200);
    assert.equal(resent.body.sends, 2);
    const mails = await waitFor(async () => {
      const m = await listMailbox(join(dataDir, 'mailbox'), { to: email });
      return m.length >= 2 ? m : null;
    }, { what: 'the email and its resend in the mailbox' });
    const emailCodes = new Set(mails.map((m) => /(?<!\d)(\d{6})(?!\d)/.exec(m.text)?.[1]));
    assert.equal(emailCodes.size, 1, 'a resend carries the same code');
    const emailCode = [...emailCodes][0]!;
    assert.ok(emailCode);

    // SMS, through the gateway protocol; the lease answer is the SMS itself and is not scanned.
    const sms = await call('start sms', 'POST', '/v1/verifications', { to: '081234567890', channel: 'sms' });
    assert.equal(sms.status, 201);
    const lease = await call('lease', 'POST', '/gateway/v1/lease', { max: 10, wait_ms: 0 }, gatewayToken, false);
    assert.equal(lease.status, 200);
    const leased = lease.body.messages.find((m: { to: string }) => m.to === '+6281234567890');
    assert.ok(leased, 'the SMS was leased');
    const smsCode = /(?<!\d)(\d{6})(?!\d)/.exec(leased.text)?.[1];
    assert.ok(smsCode);
    const at = new Date().toISOString();
    const reported = await call('reports', 'POST', '/gateway/v1/reports', { reports: [{ message_id: leased.id, status: 'spooled', at }, { message_id: leased.id, status: 'sent', at, parts: 1 }] }, gatewayToken);
    assert.equal(reported.status, 200);

    // A wrong check, then the right ones.
    const wrong = smsCode === '000000' ? '111111' : '000000';
    await call('wrong check', 'POST', '/v1/verifications/check', { to: email, code: wrong });
    assert.equal((await call('check email', 'POST', '/v1/verifications/check', { to: email, code: emailCode })).body.status, 'approved');
    assert.equal((await call('check sms', 'POST', '/v1/verifications/check', { to: '081234567890', code: smsCode })).body.status, 'approved');

    // Every read the API offers.
    await call('verification', 'GET', `/v1/verifications/${started.body.id}`);
    await call('verification', 'GET', `/v1/verifications/${sms.body.id}`);
    await call('messages', 'GET', '/v1/messages?limit=100');
    await call('message', 'GET', `/v1/messages/${leased.id}`);
    await call('webhooks', 'GET', '/v1/webhooks');
    await call('inbound', 'GET', '/v1/inbound');
    await call('openapi', 'GET', '/openapi.json');

    // Every read of the dashboard, signed in as an operator (the login answer sets the session cookie; not scanned).
    const op = spawnSync(process.execPath, [KIRIM_BIN, 'operators', 'create', 'scan', '--password-stdin', '--data-dir', dataDir], { input: 'a long enough password\n', encoding: 'utf8', timeout: 60_000 });
    assert.equal(op.status, 0, op.stderr);
    const login = await fetch(`${url}/dashboard/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify({ username: 'scan', password: 'a long enough password' }) });
    assert.equal(login.status, 200, await login.clone().text());
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const sessionToken = cookie.slice(cookie.indexOf('=') + 1);
    assert.ok(sessionToken.length >= 20, cookie);
    await waitFor(() => good.seen.filter((e) => e.type === 'verification.approved').length >= 2 && bad.seen.length >= 1, { what: 'webhook deliveries' });
    for (const path of ['/session', '/overview', '/messages', `/messages/${leased.id}`, '/verifications', `/verifications/${started.body.id}`, `/verifications/${sms.body.id}`, '/gateways', '/inbound', '/keys', '/webhooks']) {
      const res = await fetch(`${url}/dashboard/api${path}`, { headers: { cookie } });
      assert.equal(res.status, 200, `dashboard ${path}`);
      answers.push({ what: `dashboard ${path}`, status: res.status, text: `${JSON.stringify([...res.headers.entries()])}\n${await res.text()}` });
    }

    // The good endpoint hears the approvals with valid signatures; the failing one is tried and fails.
    await waitFor(() => good.seen.filter((e) => e.type === 'verification.approved').length >= 2 && bad.seen.length >= 1, { what: 'webhook deliveries' });
    assert.ok(good.seen.every((e) => e.valid), 'every delivery verifies with the endpoint secret');
    const metrics = await call('metrics', 'GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(answers.at(-1)!.text, /kirim_webhook_deliveries_total\{outcome="retry"\}/, 'the failed delivery is counted');

    const secrets: Record<string, string> = {
      'email code': emailCode,
      'SMS code': smsCode,
      'API key': apiKey,
      'gateway token': gatewayToken,
      'webhook secret': hook.body.secret,
      'webhook secret (key part)': String(hook.body.secret).slice('whsec_'.length),
      'failing webhook secret': failing.body.secret,
      'dashboard session': sessionToken,
    };
    const db = join(dataDir, 'kirim.db');
    const scan = () => {
      const places: Record<string, string> = {
        'the database file': readFileSync(db).toString('latin1'),
        'the WAL': existsSync(`${db}-wal`) ? readFileSync(`${db}-wal`).toString('latin1') : '',
        'the log output': srv!.stderr() + stdout,
      };
      for (const a of answers) places[`the answer to ${a.what}`] = a.text;
      const found: string[] = [];
      for (const [where, text] of Object.entries(places)) for (const name of findIn(text, secrets)) found.push(`${name} in ${where}`);
      return { found, places };
    };
    // Log lines are written asynchronously: a last request marks the end of what was logged.
    const flushed = async (marker: string) => {
      await call('marker', 'GET', `/v1/messages/${marker}`);
      await waitFor(() => (srv!.stderr() + stdout).includes(marker), { what: `the log line of ${marker}` });
    };
    await flushed('msg_end_of_scenario');
    const clean = scan();
    assert.ok(clean.places['the WAL']!.length > 0, 'the WAL was read while the server runs');
    assert.ok(clean.places['the log output']!.includes('/v1/verifications'), 'debug logs include the requests');
    assert.deepEqual(clean.found, []);

    // The scan can fail: plant the API key in a message text (stored and shown as sent) and the gateway token in a logged path.
    const planted = await call('planted', 'POST', '/v1/messages', { to: 'plant@example.com', channel: 'email', text: `planted ${apiKey}` });
    assert.equal(planted.status, 202);
    await call('planted read', 'GET', `/v1/messages/${planted.body.id}`);
    await call('planted path', 'GET', `/v1/messages/${gatewayToken}`);
    await flushed('msg_end_of_plant');
    const dirty = scan();
    assert.ok(dirty.found.some((f) => /^API key in the (database file|WAL)$/.test(f)), dirty.found.join('; '));
    assert.ok(dirty.found.includes('API key in the answer to planted read (GET /v1/messages/' + planted.body.id + ')'), dirty.found.join('; '));
    assert.ok(dirty.found.includes('gateway token in the log output'), dirty.found.join('; '));

    assert.equal(await srv.stop(), 0);
    srv = undefined;
  } finally {
    await srv?.stop();
    await good.close();
    await bad.close();
  }
});
