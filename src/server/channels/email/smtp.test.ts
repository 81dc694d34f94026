import { strict as assert } from 'node:assert';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { createSmtpTransport } from './smtp.js';
import { renderOtpEmail } from './templates.js';
import type { OutgoingEmail } from './types.js';

/** An SMTP server on 127.0.0.1 that parses and keeps every message it accepts. */
async function startSmtp(options: Partial<SMTPServerOptions> = {}) {
  const received: ParsedMail[] = [];
  const stats = { connections: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      stats.connections++;
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          callback();
        },
        (err: Error) => callback(err),
      );
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, stats, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

const addresses = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address));

function otpMail(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  const rendered = renderOtpEmail({ appName: 'Toko', code: '482913', ttlMinutes: 10, locale: 'en' });
  return { messageId: 'msg_01TEST', to: 'budi@example.com', from: 'Toko <no-reply@toko.example>', ...rendered, ...overrides };
}

test('a server that accepts receives a parseable message with every part', async () => {
  const smtp = await startSmtp();
  const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${smtp.port}` });
  try {
    const result = await transport.send(otpMail());
    assert.equal(result.ok, true);
    assert.ok(result.ok && result.providerId?.includes('msg_01TEST'), 'providerId is the Message-ID');
    assert.equal(smtp.received.length, 1);
    const mail = smtp.received[0] as ParsedMail;
    assert.deepEqual(addresses(mail.to), ['budi@example.com']);
    assert.deepEqual(addresses(mail.from), ['no-reply@toko.example']);
    assert.equal(mail.from?.value[0]?.name, 'Toko');
    assert.equal(mail.subject, 'Toko verification code: 482913');
    assert.match(mail.text ?? '', /482913/);
    assert.match(mail.text ?? '', /10 minutes/);
    assert.equal(typeof mail.html, 'string');
    assert.match(mail.html as string, />482913</);
    assert.equal(mail.messageId, '<msg_01TEST@toko.example>');
    assert.equal(mail.headers.get('x-kirim-message-id'), 'msg_01TEST');
    assert.equal(transport.describe(), `smtp://127.0.0.1:${smtp.port}`);
  } finally {
    await transport.close();
    await smtp.close();
  }
});

test('a 4xx reply is a temporary failure and the next attempt goes through', async () => {
  let rcptCalls = 0;
  const smtp = await startSmtp({
    onRcptTo(_address, _session, callback) {
      rcptCalls++;
      callback(rcptCalls === 1 ? smtpError(451, 'Greylisted, try again later') : null);
    },
  });
  const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${smtp.port}` });
  try {
    const first = await transport.send(otpMail());
    assert.equal(first.ok, false);
    assert.ok(!first.ok);
    assert.equal(first.temporary, true);
    assert.match(first.detail, /451/);
    assert.match(first.detail, /Greylisted/);
    assert.doesNotMatch(first.detail, /[\r\n]/);
    assert.equal(smtp.received.length, 0);

    const second = await transport.send(otpMail());
    assert.equal(second.ok, true);
    assert.equal(smtp.received.length, 1);
    assert.equal(rcptCalls, 2, 'the transport made exactly one attempt per send (no hidden retries)');
  } finally {
    await transport.close();
    await smtp.close();
  }
});

test('a 5xx reply is a permanent failure', async () => {
  const smtp = await startSmtp({
    onRcptTo(_address, _session, callback) {
      callback(smtpError(550, 'No such user here'));
    },
  });
  const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${smtp.port}` });
  try {
    const result = await transport.send(otpMail());
    assert.ok(!result.ok);
    assert.equal(result.temporary, false);
    assert.match(result.detail, /550/);
    assert.match(result.detail, /No such user/);
    assert.equal(smtp.received.length, 0);
  } finally {
    await transport.close();
    await smtp.close();
  }
});

test('a 5xx reply to the message data is permanent too', async () => {
  const smtp = await startSmtp({
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback(smtpError(554, 'Message rejected as spam')));
    },
  });
  const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${smtp.port}` });
  try {
    const result = await transport.send(otpMail());
    assert.ok(!result.ok);
    assert.equal(result.temporary, false);
    assert.match(result.detail, /554/);
    assert.match(result.detail, /spam/);
  } finally {
    await transport.close();
    await smtp.close();
  }
});

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

test('connection refused is a temporary failure', async () => {
  const port = await closedPort();
  const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${port}` });
  try {
    const result = await transport.send(otpMail());
    assert.ok(!result.ok);
    assert.equal(result.temporary, true);
    assert.match(result.detail, /ECONNREFUSED/);
  } finally {
    await transport.close();
  }
});

test('a server that never greets times out as a temporary failure', async () => {
  const sockets: Socket[] = [];
  // Accepts and says nothing.
  const silent: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  const port = (silent.address() as AddressInfo).port;
  const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${port}`, greetingTimeoutMs: 300 });
  const started = Date.now();
  try {
    const result = await transport.send(otpMail());
    assert.ok(!result.ok);
    assert.equal(result.temporary, true);
    assert.match(result.detail, /ETIMEDOUT|timeout/i);
    assert.ok(Date.now() - started < 5_000, 'the greeting timeout applied');
  } finally {
    await transport.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

test('credentials from the URL log in, and never appear in a failure detail', async () => {
  const smtp = await startSmtp({
    allowInsecureAuth: true,
    authOptional: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'kirim' && auth.password === 's3cret-pa55') callback(null, { user: 'kirim' });
      else callback(smtpError(535, 'Authentication credentials invalid'));
    },
  });
  const good = createSmtpTransport({ url: `smtp://kirim:s3cret-pa55@127.0.0.1:${smtp.port}` });
  const bad = createSmtpTransport({ url: `smtp://kirim:wr0ng-pa55@127.0.0.1:${smtp.port}` });
  try {
    assert.equal((await good.send(otpMail())).ok, true);
    assert.equal(smtp.received.length, 1);
    const result = await bad.send(otpMail());
    assert.ok(!result.ok);
    assert.equal(result.temporary, false);
    assert.match(result.detail, /535/);
    assert.doesNotMatch(result.detail, /wr0ng-pa55/);
    assert.doesNotMatch(bad.describe(), /wr0ng|kirim:/);
  } finally {
    await good.close();
    await bad.close();
    await smtp.close();
  }
});

test('CR, LF or NUL in to, from or subject is refused permanently before any connection', async () => {
  const smtp = await startSmtp();
  const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${smtp.port}` });
  try {
    for (const bad of [
      { to: 'budi@example.com\r\nBcc: victim@example.com' },
      { subject: 'Hello\nBcc: victim@example.com' },
      { from: 'a@example.com\0' },
    ]) {
      const result = await transport.send(otpMail(bad));
      assert.ok(!result.ok, JSON.stringify(bad));
      assert.equal(result.temporary, false);
      assert.match(result.detail, /header injection/);
      assert.match(result.detail, new RegExp(Object.keys(bad)[0] as string));
    }
    assert.equal(smtp.received.length, 0);
    assert.equal(smtp.stats.connections, 0);
    // The same transport still works for a clean message (and the counter counts).
    assert.equal((await transport.send(otpMail())).ok, true);
    assert.equal(smtp.stats.connections, 1);
  } finally {
    await transport.close();
    await smtp.close();
  }
});

test('a non-SMTP URL is a configuration error', () => {
  assert.throws(() => createSmtpTransport({ url: 'http://127.0.0.1:25' }), /smtp:\/\/ or smtps:\/\//);
  assert.throws(() => createSmtpTransport({ url: 'not a url' }), /not a valid URL/);
});

test('the pooled transport delivers several messages', async () => {
  const smtp = await startSmtp();
  const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${smtp.port}`, pool: true });
  try {
    const results = await Promise.all([1, 2, 3].map((n) => transport.send(otpMail({ messageId: `msg_${n}`, to: `user${n}@example.com` }))));
    assert.deepEqual(results.map((r) => r.ok), [true, true, true]);
    assert.deepEqual(smtp.received.flatMap((m) => addresses(m.to)).sort(), ['user1@example.com', 'user2@example.com', 'user3@example.com']);
  } finally {
    await transport.close();
    await smtp.close();
  }
});
