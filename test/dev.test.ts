/**
 * `kirim dev`: one command gives a working stack; what it prints works; an
 * OTP reaches the simulated handset; SIGTERM stops everything it started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gammuSmsdInstalled } from '../src/dev/gammu-smsd.js';
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
    // The dashboard line: its address and a login that works.
    const dash = /^Dashboard: (http:\/\/\S+\/dashboard) \(login: dev \/ (\S+)\)$/m.exec(out);
    assert.ok(dash, out);
    const signIn = await fetch(`${apiUrl}/dashboard/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dev', password: dash[2] }) });
    assert.equal(signIn.status, 200);
    const dashSession = await fetch(`${apiUrl}/dashboard/api/session`, { headers: { cookie: signIn.headers.getSetCookie()[0]!.split(';')[0]! } });
    assert.equal(((await dashSession.json()) as { dev: boolean }).dev, true, 'kirim dev turns the phone and mailbox views on');
    assert.equal((await fetch(dash[1]!)).status, 200);
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

    // A second kirim dev on this data dir would send every SMS again: it refuses, naming the first.
    const second = spawnSync(process.execPath, [KIRIM_BIN, 'dev', '--port', '0', '--data-dir', dataDir], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(second.status, 1, second.stderr);
    assert.equal(second.stderr, `kirim: data dir ${dataDir} is in use by kirim dev (PID ${child.pid}); stop it first, or pass another --data-dir\n`);
    // The export line works as printed: kirim send finds the server and the key.
    const exported = /^export KIRIM_SERVER=(\S+) KIRIM_API_KEY=(\S+)$/m.exec(out);
    assert.ok(exported, out);
    assert.deepEqual([exported[1], exported[2]], [apiUrl, key]);
    const sent = kirim(['send', '--to', '081234567891', '--text', 'hello'], { KIRIM_SERVER: exported[1]!, KIRIM_API_KEY: exported[2]! });
    assert.equal(sent.status, 0, sent.stderr);
    assert.match(sent.stdout, /^\S+\n$/);
    // Logs: where the banner says, as JSON lines; the gateway token is in no command line.
    const logs = /^Logs: (\S+) /m.exec(out)?.[1];
    assert.equal(logs, join(dataDir, 'logs'));
    await waitFor(() => readFileSync(join(logs!, 'server.log'), 'utf8').includes('"url":"/v1/verifications"'), { what: 'the API request in server.log' });
    assert.match(readFileSync(join(logs!, 'gateway.log'), 'utf8'), /"msg":"gateway started"/);
    const token = JSON.parse(readFileSync(join(dataDir, 'dev-credentials.json'), 'utf8')).gatewayToken as string;
    const tree = descendants(child.pid!);
    assert.ok(tree.some((p) => p.cmd.includes(' gateway ')), JSON.stringify(tree));
    for (const p of tree) assert.ok(!p.cmd.includes(token), `the gateway token is visible in ps: ${p.cmd}`);
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

/** The PIDs below `root` (children, grandchildren, ...), with their command lines, read from /proc. */
function descendants(root: number): Array<{ pid: number; cmd: string }> {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Field 4 of /proc/<pid>/stat, after the command name in parentheses.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const found: Array<{ pid: number; cmd: string }> = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent !== pid) continue;
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' ');
      } catch {
        // Gone meanwhile.
      }
      found.push({ pid: child, cmd });
      walk(child);
    }
  };
  walk(root);
  return found;
}

/** True while `pid` exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Starts `kirim dev` (under `sh` when `underShell`, so the test can kill its
 * parent), waits until it is ready, and returns its PID and the PIDs of
 * gammu-smsd, the gateway and modem-sim below it.
 */
async function startDev(underShell = false, { nodeArgs = [], env = {} }: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {}) {
  const dataDir = tempDir('kirim-dev-stop');
  const args = [...nodeArgs, KIRIM_BIN, 'dev', '--port', '0', '--data-dir', dataDir];
  const options: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } };
  const child = underShell ? spawn('sh', ['-c', '"$0" "$@" & wait', process.execPath, ...args], options) : spawn(process.execPath, args, options);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (err += String(d)));
  await waitFor(() => /^Docs: /m.test(out), { timeoutMs: 60_000, what: `kirim dev to be ready (stderr: ${err})` });
  const url = /^API: (http:\/\/\S+)\/v1$/m.exec(out)![1]!;
  const dev = underShell ? descendants(child.pid!).find((p) => p.cmd.includes(' dev '))!.pid : child.pid!;
  // modem-sim starts when gammu-smsd connects to the modem.
  const parts = await waitFor(() => {
    const tree = descendants(dev);
    const pick = (re: RegExp) => tree.find((p) => re.test(p.cmd))?.pid;
    const found = { 'gammu-smsd': pick(/gammu-smsd -c /), gateway: pick(/kirim\.js gateway /), 'modem-sim': pick(/kirim\.js modem-sim /) };
    return Object.values(found).every(Boolean) ? (found as Record<string, number>) : undefined;
  }, { timeoutMs: 30_000, what: `gammu-smsd, the gateway and modem-sim under kirim dev: ${JSON.stringify(descendants(dev))}` });
  return { child, dev, url, parts, dataDir, stderr: () => err };
}

async function assertAllGone(dev: number, parts: Record<string, number>, url: string) {
  const all = { 'kirim dev (and its server)': dev, ...parts };
  await waitFor(() => Object.values(all).every((pid) => !alive(pid)), {
    timeoutMs: 20_000,
    what: `every part to stop; still running: ${Object.entries(all).filter(([, pid]) => alive(pid)).map(([name]) => name).join(', ')}`,
  });
  await assert.rejects(fetch(`${url}/healthz`), 'the server still answers');
}

const noGammu = !gammuSmsdInstalled() && 'gammu-smsd is not installed';

test('kirim dev stops gammu-smsd, the gateway, modem-sim and the server on SIGHUP', { skip: noGammu }, async () => {
  const { child, dev, url, parts, stderr } = await startDev();
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  process.kill(dev, 'SIGHUP');
  assert.equal(await exited, 0, stderr());
  await assertAllGone(dev, parts, url);
});

test('kirim dev killed with SIGKILL: its children stop by themselves', { skip: noGammu }, async () => {
  const { dev, url, parts } = await startDev();
  process.kill(dev, 'SIGKILL');
  await assertAllGone(dev, parts, url);
});

test('kirim dev whose parent dies stops everything', { skip: noGammu }, async () => {
  const { child, dev, url, parts } = await startDev(true);
  child.kill('SIGKILL');
  await assertAllGone(dev, parts, url);
});

test('kirim dev hit by an uncaught error stops everything, then exits 2', { skip: noGammu }, async () => {
  const trigger = join(tempDir('kirim-dev-fault'), 'now');
  const { child, dev, url, parts, stderr } = await startDev(false, {
    nodeArgs: ['--import', join(import.meta.dirname, 'support', 'fault-on-trigger.mjs')],
    env: { KIRIM_TEST_FAULT_TRIGGER: trigger },
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  writeFileSync(trigger, '');
  assert.equal(await exited, 2, stderr());
  assert.match(stderr(), /kirim dev: unexpected error: injected fault; stopping\n/);
  await assertAllGone(dev, parts, url);
});
