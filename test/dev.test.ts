/**
 * `kirim dev`: one command gives a working stack; what it prints works; an
 * OTP reaches the simulated handset; SIGTERM stops everything it started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readHandset } from '../src/modem-sim/state.js';
import { KIRIM_BIN, apiClient, kirim, tempDir, waitFor } from './support/process.js';

/** Pids of processes whose command line mentions `needle`. */
function processesWith(needle: string): number[] {
  const r = spawnSync('pgrep', ['-f', needle], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

test('kirim dev runs server, gateway, gammu-smsd and modem-sim, and stops them all on SIGTERM', async () => {
  const dataDir = tempDir('kirim-dev');
  const child = spawn(process.execPath, [KIRIM_BIN, 'dev', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    await waitFor(() => /^Docs: /m.test(out), { timeoutMs: 60_000, what: `kirim dev to be ready (stderr: ${err})` });
    const key = /^API key: (kk_\S+)$/m.exec(out)?.[1];
    const apiUrl = /^API: (http:\/\/\S+)\/v1$/m.exec(out)?.[1];
    const docs = /^Docs: (http:\/\/\S+)$/m.exec(out)?.[1];
    assert.ok(key && apiUrl && docs, out);
    assert.equal((await fetch(docs)).status, 200);
    const api = apiClient(apiUrl, key);
    const v = await api('POST', '/v1/verifications', { to: '081234567890', channel: 'sms' });
    assert.equal(v.status, 201, JSON.stringify(v.body));
    const simState = join(dataDir, 'modem-sim');
    const got = await waitFor(() => readHandset(simState, '+6281234567890')[0], { timeoutMs: 45_000, what: 'the OTP on the simulated handset' });
    assert.match(got.text, /^Kode verifikasi Kirim Anda: \d{6}\./);
    // The simulated network confirms delivery, so the message ends delivered.
    const msgId = (await api('GET', '/v1/messages?limit=1')).body.data[0].id;
    await waitFor(async () => (await api('GET', `/v1/messages/${msgId}`)).body.status === 'delivered', { timeoutMs: 45_000, what: 'the OTP message to be delivered' });
    const e = await api('POST', '/v1/verifications', { to: 'dev@example.test', channel: 'email' });
    assert.equal(e.status, 201);
    // The development mailbox holds the mail.
    await waitFor(() => {
      const r = spawnSync('ls', [join(dataDir, 'mailbox')], { encoding: 'utf8' });
      return r.stdout.includes('.eml');
    }, { what: 'an .eml in the mailbox' });
    const inbox = kirim(['modem-sim', 'inbox', '--state', simState]);
    assert.equal(inbox.status, 0, inbox.stderr);
    assert.match(inbox.stdout, /\+6281234567890/);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, err);
  await waitFor(() => processesWith(dataDir).length === 0, { timeoutMs: 15_000, what: 'every child of kirim dev to stop' });
});

test('kirim dev says how to install gammu-smsd when it is missing', () => {
  const r = spawnSync(process.execPath, [KIRIM_BIN, 'dev', '--data-dir', tempDir('kirim-dev')], { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /gammu-smsd is not installed; install it with: sudo apt-get install -y gammu-smsd/);
});
