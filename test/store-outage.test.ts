/**
 * `kirim server` when its database goes away, as real processes:
 * - PostgreSQL (a private cluster this test starts, stops and starts again):
 *   the server keeps running, answers 503 `store_unavailable` with
 *   Retry-After and /readyz 503, its background loops log the outage once
 *   each instead of crashing, and when the database returns everything
 *   resumes by itself: what was accepted before the outage is delivered;
 * - SQLite locked by another process, and SQLite on a disk that fills up:
 *   a clear 503, no crash, and service resumes;
 * - SIGTERM is prompt while a webhook attempt hangs.
 */
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { TEST_RECEIVERS_ALLOWED } from '../src/server/testing.js';
import { apiClient, kirim, startServerProcess, tempDir, waitFor, type ServerProcess } from './support/process.js';
import { postgresBinDir, startPrivatePostgres, type PrivatePostgres } from './support/postgres.js';

/** An SMTP server in this process; the first attempt for an address starting with `later` gets 451 (try again later). */
async function smtpSink() {
  const mails: Array<{ to: string; text: string }> = [];
  const refused = new Set<string>();
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(a, _s, cb) {
      if (a.address.startsWith('later') && !refused.has(a.address)) {
        refused.add(a.address);
        return cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
      }
      cb();
    },
    onData(stream, _s, cb) {
      simpleParser(stream).then((m) => {
        mails.push({ to: (m.to as { text: string }).text, text: m.text ?? '' });
        cb();
      }, cb);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  return { mails, refused, url: `smtp://127.0.0.1:${(smtp.server.address() as { port: number }).port}`, close: () => new Promise<void>((r) => smtp.close(() => r())) };
}

/** A webhook receiver; `hang` keeps requests open without answering. */
async function hookSink() {
  const events: Array<{ type: string; data: { id: string } }> = [];
  const state = { hang: false, hanging: 0 };
  const http = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (state.hang) {
        state.hanging++;
        return;
      }
      events.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    events,
    state,
    url: `http://127.0.0.1:${(http.address() as { port: number }).port}/hook`,
    close: () => {
      http.closeAllConnections();
      http.close();
    },
  };
}

const metric = async (url: string, name: string, labels: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
};

const pg = postgresBinDir();

describe('kirim server across a PostgreSQL restart', { skip: 'missing' in pg ? pg.missing : false }, () => {
  let db: PrivatePostgres;
  before(async () => {
    db = await startPrivatePostgres();
  });
  after(() => db?.destroy());

  test('keeps serving, answers 503 store_unavailable while the database is down, and loses nothing accepted before it', async () => {
    const smtp = await smtpSink();
    const hooks = await hookSink();
    const dataDir = tempDir('kirim-outage');
    const srv = await startServerProcess(['--db', db.url, '--data-dir', dataDir], { KIRIM_SMTP_URL: smtp.url, KIRIM_LOG_LEVEL: 'info', ...TEST_RECEIVERS_ALLOWED });
    try {
      const k = kirim(['keys', 'create', '--name', 'app', '--db', db.url, '--data-dir', dataDir]);
      assert.equal(k.status, 0, k.stderr);
      const api = apiClient(srv.url, k.stdout.trim());
      assert.equal((await api('POST', '/v1/webhooks', { url: hooks.url, events: ['message.sent'] })).status, 201);

      // Accepted before the outage, but not delivered yet: the mail server
      // said "later", and the retry (seconds away) comes due during the outage.
      const before: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await api('POST', '/v1/messages', { to: `later${i}@example.test`, channel: 'email', text: `before ${i}` });
        assert.equal(r.status, 202);
        before.push(r.body.id);
      }
      await waitFor(() => smtp.refused.size === 3, { what: 'three refused first attempts' });
      await waitFor(async () => (await api('GET', `/v1/messages/${before[2]}`)).body.status === 'queued', { what: 'the retry to be scheduled' });

      db.stop();
      const down = await waitFor(async () => {
        const r = await api('POST', '/v1/messages', { to: 'during@example.test', channel: 'email', text: 'during' });
        return r.status === 503 ? r : null;
      }, { what: 'a 503 while the database is down', timeoutMs: 30_000 });
      assert.equal(down.body.code, 'store_unavailable');
      assert.match(down.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.match(down.headers.get('retry-after') ?? '', /^\d+$/);
      assert.match(down.body.detail, /database does not answer/);
      const ready = await fetch(`${srv.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
      // The background loops met the outage (observable in their error counter), more than once each.
      await waitFor(async () => (await metric(srv.url, 'kirim_background_errors_total', 'loop="email"')) >= 2 && (await metric(srv.url, 'kirim_background_errors_total', 'loop="expiry"')) >= 2, { what: 'the loops to fail against the dead database', timeoutMs: 30_000 });
      assert.equal(await metric(srv.url, 'kirim_store_up', ''), 0);
      assert.equal(srv.child.exitCode, null, 'the server is still running');

      db.start();
      await waitFor(async () => (await fetch(`${srv.url}/readyz`)).status === 200, { what: '/readyz to answer again', timeoutMs: 30_000 });
      const afterOutage = await waitFor(async () => {
        const r = await api('POST', '/v1/messages', { to: 'after@example.test', channel: 'email', text: 'after' });
        return r.status === 202 ? r : null;
      }, { what: 'the API to accept again' });

      // Everything accepted before the outage, and after it, is delivered once, with its webhook.
      const all = [...before, afterOutage.body.id];
      let states: string[] = [];
      await waitFor(async () => {
        states = await Promise.all(all.map(async (id) => (await api('GET', `/v1/messages/${id}`)).body.status as string));
        return states.every((st) => st === 'sent');
      }, { what: `every message to be sent (now ${states.join(', ')})`, timeoutMs: 60_000 }).catch((err) => assert.fail(`${err.message}: ${states.join(', ')}`));
      assert.deepEqual(smtp.mails.map((m) => m.to).sort(), ['after@example.test', 'later0@example.test', 'later1@example.test', 'later2@example.test']);
      await waitFor(() => all.every((id) => hooks.events.some((e) => e.type === 'message.sent' && e.data.id === id)), { what: 'the message.sent webhooks' });

      // Each loop logged the outage once, not once per tick; so did the API.
      const lines = srv.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { loop?: string; msg: string; level: number });
      for (const loop of ['email', 'expiry', 'leases', 'webhooks']) {
        const warned = lines.filter((l) => l.loop === loop && /does not answer/.test(l.msg));
        assert.ok(warned.length <= 1, `${loop}: ${warned.length} outage lines`);
      }
      assert.equal(lines.filter((l) => l.loop === 'email' && /does not answer/.test(l.msg)).length, 1);
      assert.equal(lines.filter((l) => /working again/.test(l.msg) && l.loop === 'email').length, 1);
      assert.equal(lines.filter((l) => /^store unavailable/.test(l.msg)).length, 1);
      assert.equal(await srv.stop(), 0, 'SIGTERM after the outage exits 0');
    } finally {
      await srv.stop();
      await smtp.close();
      hooks.close();
    }
  });
});

describe('kirim server on SQLite that cannot be written', () => {
  test('a database locked by another process answers 503 store_unavailable, then service resumes', async () => {
    const dataDir = tempDir('kirim-locked');
    const file = join(dataDir, 'kirim.db');
    const srv = await startServerProcess(['--db', `sqlite:${file}`, '--data-dir', dataDir]);
    try {
      const k = kirim(['keys', 'create', '--name', 'app', '--db', `sqlite:${file}`, '--data-dir', dataDir]);
      assert.equal(k.status, 0, k.stderr);
      const api = apiClient(srv.url, k.stdout.trim());
      const other = new Database(file);
      other.exec('begin exclusive');
      try {
        const r = await api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'x' });
        assert.equal(r.status, 503);
        assert.equal(r.body.code, 'store_unavailable');
        assert.match(r.body.detail, /locked by another process/);
      } finally {
        other.exec('rollback');
        other.close();
      }
      assert.equal((await api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'y' })).status, 202);
      assert.equal(await srv.stop(), 0);
    } finally {
      await srv.stop();
    }
  });

  test('a database whose disk fills up answers 503 naming it, keeps running, and resumes when there is room', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('mounting a small file system needs root');
    const dataDir = tempDir('kirim-full');
    const mnt = join(dataDir, 'db');
    mkdirSync(mnt);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt], { encoding: 'utf8' });
    if (m.status !== 0) return t.skip(`cannot mount a tmpfs here: ${m.stderr.trim()}`);
    let srv: ServerProcess | undefined;
    try {
      const file = join(mnt, 'kirim.db');
      srv = await startServerProcess(['--db', `sqlite:${file}`, '--data-dir', dataDir]);
      const k = kirim(['keys', 'create', '--name', 'app', '--db', `sqlite:${file}`, '--data-dir', dataDir]);
      assert.equal(k.status, 0, k.stderr);
      const api = apiClient(srv.url, k.stdout.trim());
      const accepted = await api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'before' });
      assert.equal(accepted.status, 202);
      // Fill the file system to the last block.
      spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=64k'], { encoding: 'utf8' });
      const text = 'x'.repeat(4000);
      const full = await waitFor(async () => {
        const r = await api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: text.slice(0, 150) + Math.random() });
        return r.status === 503 ? r : null;
      }, { what: 'a 503 once the disk is full' });
      assert.equal(full.body.code, 'store_unavailable');
      assert.match(full.body.detail, /disk holding the database is full|cannot be used/);
      assert.equal(srv.child.exitCode, null, 'still running');
      assert.equal((await api('GET', `/v1/messages/${accepted.body.id}`)).status, 200, 'reading still works');
      rmSync(join(mnt, 'filler'));
      await waitFor(async () => (await api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'after' })).status === 202, { what: 'writes to work again' });
      assert.equal((await api('GET', `/v1/messages/${accepted.body.id}`)).body.status, 'queued', 'nothing accepted was lost');
      assert.equal(await srv.stop(), 0);
    } finally {
      await srv?.stop();
      spawnSync('umount', ['-l', mnt]);
    }
  });
});

describe('stopping', () => {
  test('SIGTERM stops at once while a webhook endpoint hangs', async () => {
    const hooks = await hookSink();
    hooks.state.hang = true;
    const dataDir = tempDir('kirim-stop');
    const dbUrl = `sqlite:${join(dataDir, 'kirim.db')}`;
    const srv = await startServerProcess(['--db', dbUrl, '--data-dir', dataDir], TEST_RECEIVERS_ALLOWED);
    try {
      const k = kirim(['keys', 'create', '--name', 'app', '--db', dbUrl, '--data-dir', dataDir]);
      const api = apiClient(srv.url, k.stdout.trim());
      assert.equal((await api('POST', '/v1/webhooks', { url: hooks.url, events: ['message.queued'] })).status, 201);
      assert.equal((await api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: 'x' })).status, 202);
      await waitFor(() => hooks.state.hanging > 0, { what: 'a webhook attempt in flight' });
      const started = Date.now();
      assert.equal(await srv.stop('SIGTERM'), 0);
      // A webhook attempt may take 10 s before it times out; the stop must not wait for it.
      const took = Date.now() - started;
      assert.ok(took < 5_000, `stopped in ${took} ms`);
    } finally {
      await srv.stop();
      hooks.close();
    }
  });
});
