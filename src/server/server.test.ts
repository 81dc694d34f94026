/**
 * `kirim server`'s SMTP check at start, against real SMTP over TCP: a relay
 * that answers is one info line; a closed port or a refused login is one
 * warning that names the relay (never the password) and the fix, and the
 * server runs either way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { createLogger } from '../protocol/log.js';
import { loadConfig } from './config.js';
import { startServer } from './server.js';
import { tempDir, waitFor } from '../../test/support/process.js';

interface Line {
  level: number;
  msg: string;
}

async function serverWithSmtp(smtpUrl: string) {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Line);
      done();
    },
  });
  const dataDir = tempDir('kirim-smtp-check');
  const config = loadConfig({ dataDir, port: 0 }, { KIRIM_SMTP_URL: smtpUrl, KIRIM_SECRET: 'test-secret-0123456789abcdef' });
  const server = await startServer(config, { logger: createLogger({ level: 'info', destination }) });
  return { server, lines, smtpLine: () => lines.find((l) => /^SMTP /.test(l.msg)) };
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

async function smtp(onAuth: NonNullable<SMTPServerOptions['onAuth']>) {
  const server = new SMTPServer({ secure: false, authOptional: false, disabledCommands: ['STARTTLS'], allowInsecureAuth: true, onAuth, logger: false });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.server.address() as { port: number }).port };
}

test('a relay that answers and accepts the login: one info line', async () => {
  const relay = await smtp((auth, _session, cb) => cb(null, { user: auth.username }));
  const s = await serverWithSmtp(`smtp://kirim:pw-right-123@127.0.0.1:${relay.port}?ignoreTLS=true`);
  try {
    const line = await waitFor(() => s.smtpLine(), { what: 'the SMTP check line' });
    assert.equal(line.level, 30);
    assert.equal(line.msg, `SMTP smtp://127.0.0.1:${relay.port} answers`);
  } finally {
    await s.server.close();
    relay.server.close();
  }
});

test('a closed port: a warning naming the relay and the setting; the server still serves', async () => {
  const port = await closedPort();
  const s = await serverWithSmtp(`smtp://kirim:pw-secret-123@127.0.0.1:${port}`);
  try {
    assert.equal((await fetch(`${s.server.url}/healthz`)).status, 200, 'the server runs');
    const line = await waitFor(() => s.smtpLine(), { what: 'the SMTP check line' });
    assert.equal(line.level, 40);
    assert.match(line.msg, new RegExp(`^SMTP check failed for smtp://127\\.0\\.0\\.1:${port}: connection problem .*ECONNREFUSED.*; emails wait in the queue until it answers \\(check KIRIM_SMTP_URL\\)$`));
    assert.doesNotMatch(JSON.stringify(s.lines), /pw-secret-123/);
  } finally {
    await s.server.close();
  }
});

test('a refused login: a warning with the relay\'s answer, never the password', async () => {
  const relay = await smtp((_auth, _session, cb) => cb(new Error('Invalid username or password')));
  const s = await serverWithSmtp(`smtp://kirim:pw-wrong-123@127.0.0.1:${relay.port}?ignoreTLS=true`);
  try {
    const line = await waitFor(() => s.smtpLine(), { what: 'the SMTP check line' });
    assert.equal(line.level, 40);
    assert.match(line.msg, /^SMTP check failed for smtp:\/\/127\.0\.0\.1:\d+: SMTP 535 .*Invalid username or password/);
    assert.doesNotMatch(JSON.stringify(s.lines), /pw-wrong-123/);
    assert.equal((await fetch(`${s.server.url}/healthz`)).status, 200);
  } finally {
    await s.server.close();
    relay.server.close();
  }
});

test('the development mailbox has nothing to check: no SMTP line', async () => {
  const dataDir = tempDir('kirim-smtp-check');
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const server = await startServer(loadConfig({ dataDir, port: 0 }, { KIRIM_SECRET: 'test-secret-0123456789abcdef' }), { logger: createLogger({ level: 'info', destination }) });
  try {
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    await server.close();
  }
  assert.ok(!lines.some((l) => /"msg":"SMTP /.test(l)));
});
