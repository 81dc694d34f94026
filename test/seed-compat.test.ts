/**
 * Seed compatibility: with KIRIM_SEED_OUTBOX set, SMS become gammu outbox
 * files in that folder, and the seed's exact `rsync -r --remove-source-files`
 * carries them to a real gammu-smsd, which sends them through modem-sim.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGammuSmsd, type GammuSmsdInstance } from '../src/dev/gammu-smsd.js';
import { waitForHandsetMessage } from '../src/modem-sim/state.js';
import { createSeedOutboxWriter } from '../src/server/channels/seed-outbox/writer.js';
import { capturingTransport, createTestServer, type TestServer } from '../src/server/testing.js';
import { KIRIM_BIN, tempDir, waitFor } from './support/process.js';

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('seed compatibility: cron + rsync into gammu-smsd', () => {
  let s: TestServer;
  let gammu: GammuSmsdInstance;
  let seedDir: string;
  let simState: string;
  before(async () => {
    const root = tempDir('kirim-seed');
    seedDir = join(root, 'var/lib/aplikasi-saya/smsout');
    simState = join(root, 'modem-sim');
    s = await createTestServer({ transport: capturingTransport(), env: { KIRIM_SEED_OUTBOX: seedDir }, start: true });
    gammu = startGammuSmsd({
      dir: join(root, 'gammu'),
      modem: { kind: 'modem-sim', command: `${shq(process.execPath)} ${shq(KIRIM_BIN)} modem-sim --state ${shq(simState)}` },
      env: { LANG: 'C' },
    });
  });
  after(async () => {
    await gammu?.stop();
    await s?.close();
  });

  /** One run of the seed's cron line, against local folders. */
  const rsync = () => {
    const r = spawnSync('rsync', ['-r', '--remove-source-files', `${seedDir}/`, gammu.spool.outbox], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };

  test('an OTP becomes an outbox file (UTF-16 with BOM) that the seed rsync delivers to the handset', async () => {
    const v = await s.api('POST', '/v1/verifications', { to: '081234567890', channel: 'sms' });
    assert.equal(v.status, 201);
    const byVerification = async () => (await s.api('GET', '/v1/messages?limit=100')).body.data.find((m: { verification_id?: string }) => m.verification_id === v.body.id);
    const id = (await byVerification()).id as string;
    const file = await waitFor(() => readdirSync(seedDir).find((f) => f.includes(id)), { what: 'its file in the seed folder' });
    assert.match(file, /^OUTA\d{8}_\d{6}_\d{3}_\+6281234567890_msg_[0-9a-z]{26}\.txt$/);
    assert.ok(Buffer.byteLength(file) <= 99);
    const bytes = readFileSync(join(seedDir, file));
    assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xfe]);
    const msg = await byVerification();
    assert.equal(msg.status, 'spooled');
    assert.match(msg.events.at(-1).detail, /no status comes back/);
    // Nothing but outbox files is visible to rsync: staging lives outside the folder.
    assert.deepEqual(readdirSync(seedDir).filter((f) => !/^OUT[ABC]\d{8}_.+\.txt$/.test(f)), []);

    rsync();
    assert.deepEqual(readdirSync(seedDir), [], '--remove-source-files emptied the folder');
    const got = await waitForHandsetMessage(simState, '+6281234567890', { timeoutMs: 30_000 });
    assert.match(got.text, /^Kode verifikasi Kirim Anda: \d{6}\. Berlaku 10 menit\./);
  });

  test('non-GSM text survives the trip under LANG=C', async () => {
    const r = await s.api('POST', '/v1/messages', { to: '081234567891', channel: 'sms', text: 'Kode: 654321 — ✓' });
    await waitFor(() => readdirSync(seedDir).some((f) => f.includes(r.body.id)), { what: 'the file' });
    rsync();
    const got = await waitForHandsetMessage(simState, '+6281234567891', { timeoutMs: 30_000 });
    assert.equal(got.text, 'Kode: 654321 — ✓');
  });

  test('a file still waiting when its message expires is withdrawn and the message expired', async () => {
    const r = await s.api('POST', '/v1/messages', { to: '081234567892', channel: 'sms', text: 'too late' });
    await waitFor(() => readdirSync(seedDir).some((f) => f.includes(r.body.id)), { what: 'the file' });
    await s.store.db.updateTable('messages').set({ expires_at: Date.now() - 1 }).where('id', '=', r.body.id).execute();
    await waitFor(async () => (await s.api('GET', `/v1/messages/${r.body.id}`)).body.status === 'expired', { what: 'expired' });
    assert.ok(!readdirSync(seedDir).some((f) => f.includes(r.body.id)), 'withdrawn from the folder');
  });

  test('after a crash, staged files of spooled messages are moved in and the others dropped (nothing twice)', async () => {
    const staging = join(seedDir, '..', '.smsout.kirim-staging');
    mkdirSync(staging, { recursive: true });
    const r = await s.api('POST', '/v1/messages', { to: '081234567893', channel: 'sms', text: 'staged' });
    await waitFor(() => readdirSync(seedDir).some((f) => f.includes(r.body.id)), { what: 'the file' });
    // Simulate a crash after marking but before the rename, and an orphan.
    const name = readdirSync(seedDir).find((f) => f.includes(r.body.id))!;
    writeFileSync(join(staging, name), readFileSync(join(seedDir, name)));
    spawnSync('rm', [join(seedDir, name)]);
    const orphan = 'OUTB20260101_000000_000_+6281234567899_msg_unknownunknownunknownunkno.txt';
    writeFileSync(join(staging, orphan), 'x');
    const writer = createSeedOutboxWriter(s.services.ctx, s.services.messages, seedDir);
    await writer.runOnce();
    assert.deepEqual(readdirSync(staging), []);
    assert.deepEqual(readdirSync(seedDir).filter((f) => f.includes(r.body.id)), [name]);
    assert.ok(!readdirSync(seedDir).includes(orphan));
  });
});
