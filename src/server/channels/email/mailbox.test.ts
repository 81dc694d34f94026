import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import { createMailboxTransport, listMailbox, mailboxDir } from './mailbox.js';
import { renderOtpEmail, renderPlainEmail } from './templates.js';
import { createEmailTransport } from './transport.js';

async function tempDataDir() {
  return mkdtemp(join(tmpdir(), 'kirim-mailbox-'));
}

test('the mailbox writes a real .eml that mailparser reads back, and lists it', async () => {
  const dataDir = await tempDataDir();
  try {
    const dir = mailboxDir(dataDir);
    const transport = createMailboxTransport({ dir, now: () => new Date('2026-11-25T23:07:18.123Z') });
    const mail = renderOtpEmail({ appName: 'Toko', code: '907154', ttlMinutes: 5, locale: 'id' });
    const result = await transport.send({ messageId: 'msg_01ABC', to: 'Siti@Example.com', from: 'Toko <no-reply@toko.example>', ...mail });
    assert.deepEqual(result, { ok: true, providerId: '2026-11-25T23-07-18.123Z-msg_01ABC.eml' });

    const files = await readdir(dir);
    assert.deepEqual(files, ['2026-11-25T23-07-18.123Z-msg_01ABC.eml'], 'one file, no temporary leftovers');
    const raw = await readFile(join(dir, files[0] as string));
    assert.match(raw.toString('latin1'), /\r\nSubject: /, 'CRLF line endings as RFC 5322 wants');
    const parsed = await simpleParser(raw);
    assert.equal(parsed.subject, 'Kode verifikasi Toko: 907154');
    assert.match(parsed.text ?? '', /907154/);
    assert.match(parsed.text ?? '', /5 menit/);
    assert.match(String(parsed.html), /907154/);
    assert.equal(parsed.date?.toISOString(), '2026-11-25T23:07:18.000Z');

    const list = await listMailbox(dir);
    assert.equal(list.length, 1);
    const entry = list[0];
    assert.equal(entry?.file, '2026-11-25T23-07-18.123Z-msg_01ABC.eml');
    assert.equal(entry?.messageId, 'msg_01ABC');
    assert.equal(entry?.to, 'Siti@example.com'); // mailparser lower-cases the domain
    assert.equal(entry?.from, 'no-reply@toko.example');
    assert.equal(entry?.subject, 'Kode verifikasi Toko: 907154');
    assert.equal(entry?.date, '2026-11-25T23:07:18.000Z');
    assert.match(entry?.text ?? '', /Kode verifikasi Toko Anda:\n\n907154\n/);
    assert.match(entry?.html ?? '', /907154/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('listMailbox is newest first, filters by recipient (any case) and honours the limit', async () => {
  const dataDir = await tempDataDir();
  try {
    const dir = mailboxDir(dataDir);
    let t = Date.parse('2026-01-01T00:00:00Z');
    const transport = createMailboxTransport({ dir, now: () => new Date((t += 1000)) });
    for (const [i, to] of ['a@example.com', 'b@example.com', 'a@example.com', 'c@example.com'].entries()) {
      const r = await transport.send({ messageId: `msg_${i}`, to, from: 'no-reply@kirim.example', ...renderPlainEmail({ subject: `Message ${i}`, text: `Body ${i}` }) });
      assert.equal(r.ok, true);
    }
    // Stray files a reader must ignore: a half-written temporary and a non-eml.
    await writeFile(join(dir, '.2026-01-01T00-00-09.000Z-msg_x.eml.abcd.tmp'), 'partial');
    await writeFile(join(dir, 'notes.txt'), 'hello');

    assert.deepEqual((await listMailbox(dir)).map((e) => e.subject), ['Message 3', 'Message 2', 'Message 1', 'Message 0']);
    assert.deepEqual((await listMailbox(dir, { to: 'A@EXAMPLE.COM' })).map((e) => e.subject), ['Message 2', 'Message 0']);
    assert.deepEqual((await listMailbox(dir, { limit: 2 })).map((e) => e.subject), ['Message 3', 'Message 2']);
    assert.deepEqual((await listMailbox(dir, { to: 'a@example.com', limit: 1 })).map((e) => e.text.trim()), ['Body 2']);
    assert.deepEqual(await listMailbox(dir, { to: 'nobody@example.com' }), []);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a missing mailbox folder lists as empty', async () => {
  const dataDir = await tempDataDir();
  try {
    assert.deepEqual(await listMailbox(mailboxDir(dataDir)), []);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('unsafe message ids become safe file names; header injection is refused', async () => {
  const dataDir = await tempDataDir();
  try {
    const dir = mailboxDir(dataDir);
    const transport = createMailboxTransport({ dir, now: () => new Date('2026-02-03T04:05:06.007Z') });
    const ok = await transport.send({ messageId: '../../etc/passwd', to: 'a@example.com', from: 'x@example.com', subject: 's', text: 't' });
    assert.deepEqual(ok, { ok: true, providerId: '2026-02-03T04-05-06.007Z-.._.._etc_passwd.eml' });
    assert.deepEqual(await readdir(dir), ['2026-02-03T04-05-06.007Z-.._.._etc_passwd.eml']);

    const bad = await transport.send({ messageId: 'm2', to: 'a@example.com', from: 'x@example.com', subject: 'Hi\r\nBcc: b@example.com', text: 't' });
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok && !bad.temporary && /subject/.test(bad.detail));
    assert.equal((await readdir(dir)).length, 1);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a mailbox that cannot be written reports a temporary failure', async () => {
  const dataDir = await tempDataDir();
  try {
    // A file where the folder should be: mkdir fails with EEXIST/ENOTDIR.
    await writeFile(join(dataDir, 'mailbox'), 'not a folder');
    const transport = createMailboxTransport({ dir: join(dataDir, 'mailbox') });
    const result = await transport.send({ messageId: 'm', to: 'a@example.com', from: 'x@example.com', subject: 's', text: 't' });
    assert.ok(!result.ok);
    assert.equal(result.temporary, true);
    assert.match(result.detail, /^mailbox write failed: /);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('createEmailTransport picks the mailbox without an SMTP URL and SMTP with one', async () => {
  const dataDir = await tempDataDir();
  try {
    const mailbox = createEmailTransport({ dataDir });
    assert.equal(mailbox.describe(), `mailbox ${join(dataDir, 'mailbox')}`);
    assert.equal((await mailbox.send({ messageId: 'm', to: 'a@example.com', from: 'x@example.com', subject: 's', text: 't' })).ok, true);
    assert.equal((await listMailbox(mailboxDir(dataDir))).length, 1);
    const smtp = createEmailTransport({ dataDir, smtpUrl: 'smtps://user:secret@mail.example.com' });
    assert.equal(smtp.describe(), 'smtps://mail.example.com:465');
    await smtp.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
