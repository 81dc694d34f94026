/**
 * `kirim server`, `kirim keys`, `kirim send` as real processes: start,
 * clean stop on SIGTERM, SIGKILL mid-flight loses nothing accepted, email
 * over a real SMTP server (including a 4xx that is retried and a refusal),
 * and the CLI's exit codes.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { DIALECTS } from '../src/server/store/index.js';
import { freshDbUrl } from '../src/server/store/testing.js';
import { apiClient, initDatabase, kirim, startServerProcess, tempDir, waitFor } from './support/process.js';

for (const dialect of DIALECTS) {
  describe(`kirim server process on ${dialect}`, () => {
    const drops: Array<() => Promise<void>> = [];
    after(async () => {
      for (const d of drops) await d();
    });

    async function setup() {
      const dataDir = tempDir('kirim-srv');
      const { url: db, drop } = await freshDbUrl(dialect, join(dataDir, 'kirim.db'));
      drops.push(drop);
      await initDatabase(db);
      const k = kirim(['keys', 'create', '--name', 'app', '--db', db, '--data-dir', dataDir]);
      assert.equal(k.status, 0, k.stderr);
      const key = k.stdout.trim();
      assert.match(key, /^kk_[A-Za-z0-9_-]{43}$/);
      assert.equal(k.stdout.split('\n').filter(Boolean).length, 1, 'the key alone on stdout');
      return { dataDir, db, key };
    }

    test('SIGKILL during a burst of requests loses no accepted message; SIGTERM stops cleanly', async () => {
      const { dataDir, db, key } = await setup();
      // A burst to one number: lift its budget out of the way (limits.test.ts covers it).
      const burstEnv = { KIRIM_BUDGET_DESTINATION_PER_HOUR: '0', KIRIM_BUDGET_DESTINATION_PER_DAY: '0' };
      let srv = await startServerProcess(['--db', db, '--data-dir', dataDir], burstEnv);
      let api = apiClient(srv.url, key);
      const accepted: string[] = [];
      const burst = Array.from({ length: 300 }, (_, i) =>
        api('POST', '/v1/messages', { to: '081234567890', channel: 'sms', text: `burst ${i}` })
          .then((r) => {
            if (r.status === 202) accepted.push(r.body.id);
          })
          .catch(() => {}),
      );
      await waitFor(() => accepted.length >= 20, { what: 'some accepted messages' });
      srv.child.kill('SIGKILL');
      await Promise.all(burst);
      await srv.stop();
      assert.ok(accepted.length >= 20);

      srv = await startServerProcess(['--db', db, '--data-dir', dataDir], burstEnv);
      api = apiClient(srv.url, key);
      for (const id of accepted) {
        const r = await api('GET', `/v1/messages/${id}`);
        assert.equal(r.status, 200, `accepted message ${id} survived the crash`);
        assert.equal(r.body.status, 'queued');
        assert.equal(r.body.events.length, 1);
      }
      const code = await srv.stop('SIGTERM');
      assert.equal(code, 0, srv.stderr());
    });

    test('email verification over a real SMTP server: a 4xx is retried, then the code arrives and approves', async () => {
      const { dataDir, db, key } = await setup();
      const mails: Array<{ to: string; subject: string; text: string; html: string }> = [];
      let refuseNext = 1;
      const smtp = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onRcptTo(address, _s, cb) {
          if (address.address.startsWith('refuse')) return cb(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
          if (refuseNext > 0) {
            refuseNext--;
            return cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
          }
          cb();
        },
        onData(stream, _s, cb) {
          simpleParser(stream).then((m) => {
            mails.push({ to: (m.to as { text: string }).text, subject: m.subject ?? '', text: m.text ?? '', html: String(m.html) });
            cb();
          }, cb);
        },
      });
      await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
      const port = (smtp.server.address() as { port: number }).port;
      const srv = await startServerProcess(['--db', db, '--data-dir', dataDir], { KIRIM_SMTP_URL: `smtp://127.0.0.1:${port}`, KIRIM_MAIL_FROM: 'Kirim <otp@example.test>' });
      try {
        const api = apiClient(srv.url, key);
        const v = await api('POST', '/v1/verifications', { to: 'Budi@Example.test', channel: 'email', locale: 'id' });
        assert.equal(v.status, 201);
        const mail = await waitFor(() => mails.find((m) => m.to === 'budi@example.test'), { what: 'the OTP mail', timeoutMs: 30_000 });
        const code = /(\d{6})/.exec(mail.text)![1]!;
        assert.ok(mail.html.includes(code));
        assert.match(mail.subject, /Kirim/);
        // The SMTP server has the mail before the server has recorded the
        // answer to its DATA command: wait for the record.
        const m = await waitFor(async () => {
          const msgs = await api('GET', '/v1/messages?limit=5');
          const found = msgs.body.data.find((x: { verification_id?: string }) => x.verification_id === v.body.id);
          return found?.status === 'sent' ? found : null;
        }, { what: 'the OTP message to be recorded sent' });
        const statuses = m.events.map((e: { status: string }) => e.status);
        assert.deepEqual(statuses, ['queued', 'dispatched', 'queued', 'dispatched', 'sent'], 'one temporary failure, then sent');
        assert.match(m.events[2].detail, /451|try again/);
        const ok = await api('POST', '/v1/verifications/check', { to: 'budi@example.test', code });
        assert.equal(ok.body.status, 'approved');

        // A permanent refusal fails the message and its verification.
        const bad = await api('POST', '/v1/verifications', { to: 'refuse@example.test', channel: 'email' });
        const failed = await waitFor(async () => {
          const r = await api('GET', `/v1/verifications/${bad.body.id}`);
          return r.body.status === 'failed' ? r.body : null;
        }, { what: 'the verification to fail' });
        assert.equal(failed.status, 'failed');

        // kirim send through the running server.
        const sent = kirim(['send', '--to', 'ops@example.test', '--text', 'Halo dari Kirim', '--server', srv.url, '--api-key', key]);
        assert.equal(sent.status, 0, sent.stderr);
        assert.match(sent.stdout.trim(), /^msg_[0-9a-z]{26}$/);
        await waitFor(() => mails.find((x) => x.to === 'ops@example.test' && x.text.includes('Halo dari Kirim')), { what: 'the plain mail' });
      } finally {
        assert.equal(await srv.stop(), 0);
        await new Promise<void>((r) => smtp.close(() => r()));
      }
    });
  });
}

describe('CLI errors', () => {
  test('user errors exit 1 with one line on stderr', () => {
    const cases: Array<[string[], RegExp]> = [
      [['server', '--db', 'mysql://x'], /--db mysql:\/\/x: expected sqlite:<path> or postgres:/],
      [['keys', 'create'], /required option '--name <name>'/],
      [['keys', 'create', '--name', 'bad\nname', '--data-dir', tempDir()], /--name/],
      [['send', '--to', '0812', '--text', 'x'], /no API key/],
      [['send', '--to', '0812', '--text', 'x', '--api-key', 'kk_x', '--server', 'http://127.0.0.1:9'], /cannot reach/],
      [['no-such-command'], /unknown command/],
    ];
    for (const [args, pattern] of cases) {
      // No development key lying around either (kirim send falls back to it for a local server).
      const r = kirim(args, { KIRIM_SERVER: '', KIRIM_API_KEY: '', KIRIM_DATA_DIR: tempDir('kirim-nokey') });
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    }
  });

  test('gateways create prints a token once; gateways list shows the gateway', async () => {
    const dataDir = tempDir('kirim-gw-cli');
    await initDatabase(`sqlite:${join(dataDir, 'kirim.db')}`);
    const c = kirim(['gateways', 'create', '--name', 'rumah-pi', '--data-dir', dataDir]);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /^kg_[A-Za-z0-9_-]{43}\n$/);
    const l = kirim(['gateways', 'list', '--data-dir', dataDir]);
    assert.equal(l.status, 0, l.stderr);
    assert.match(l.stdout, /^gw_[0-9a-z]{26}\trumah-pi\tnew\tnever seen\tmodem unknown \(no heartbeat yet\)\tspool unknown\tpins: any number\tin rotation\tnumber: not set\n$/);
    assert.ok(!l.stdout.includes(c.stdout.trim()), 'the token is never shown again');
  });

  test('--help exits 0', () => {
    const r = kirim(['server', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--port/);
  });
});
