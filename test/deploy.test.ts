/**
 * The deployment files in deploy/ and the commands in the guides:
 *
 * - deploy/gammu-smsdrc passes `kirim gateway doctor` (copied with its spool
 *   folders and log moved into a temp folder): the only finding left is
 *   gammu-smsd not running, and with real gammu-smsd 1.42 running on it
 *   (dummy phone instead of /dev/ttyUSB0) there is none;
 * - the gateway unit's privileges are enough: an unprivileged user in the
 *   spool folders' group with CAP_IPC_OWNER (what the unit grants) gets a
 *   clean doctor against a root gammu-smsd, as Debian's unit runs it;
 * - the systemd units carry the directives the guide relies on and pass
 *   `systemd-analyze verify`;
 * - the env examples name only variables Kirim reads;
 * - every `kirim …` / `kirim-gateway.js …` command in docs/raspberry-pi.md
 *   and docs/seed-compat.md uses real subcommands and flags.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Command } from 'commander';
import { buildProgram } from '../src/cli/main.js';
import { AGENT_OPTIONS } from '../src/gateway/run.js';
import { defaultStateDir, readSmsdConfig, spoolDirs } from '../src/gateway/smsdrc.js';
import { gammuSmsdInstalled, RECOMMENDED_SMSD } from '../src/dev/gammu-smsd.js';
import { buildGatewayBundle } from './support/bundle.js';
import { gatewayUnitNodeFlags } from './support/process.js';

const ROOT = resolve(import.meta.dirname, '..');
const DEPLOY = join(ROOT, 'deploy');
const KIRIM = join(ROOT, 'bin', 'kirim.js');
const SMSDRC = join(DEPLOY, 'gammu-smsdrc');

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const isRoot = process.getuid?.() === 0;

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kirim-deploy-'));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * deploy/gammu-smsdrc with /var/spool/gammu/ and the log moved under `dir`
 * (folders created); with `dummyPhone`, the [gammu] section drives gammu's
 * dummy phone instead of /dev/ttyUSB0 so the daemon can really start.
 */
function localCopy(dir: string, { dummyPhone = false } = {}): { file: string; spool: string; text: string } {
  const original = readFileSync(SMSDRC, 'utf8');
  const spool = join(dir, 'spool') + '/';
  let text = original.replaceAll('/var/spool/gammu/', spool).replace('= /var/log/gammu-smsd.log', `= ${join(dir, 'gammu-smsd.log')}`);
  // Only the four folder lines and the log line changed.
  const changed = original.split('\n').filter((line, i) => line !== text.split('\n')[i]);
  assert.deepEqual(
    changed.map((l) => l.split('=')[0]!.trim()),
    ['inboxpath', 'outboxpath', 'sentsmspath', 'errorsmspath', 'logfile'],
  );
  if (dummyPhone) {
    mkdirSync(join(dir, 'phone'), { recursive: true });
    text = text
      .replace(/^device = \/dev\/ttyUSB0$/m, `device = ${join(dir, 'phone')}`)
      .replace(/^connection = at115200$/m, 'connection = none')
      .replace(/^model = at$/m, 'model = dummy');
  }
  for (const f of ['inbox', 'outbox', 'sent', 'error']) mkdirSync(join(spool, f), { recursive: true });
  const file = join(dir, 'gammu-smsdrc');
  writeFileSync(file, text, { mode: 0o644 });
  return { file, spool, text };
}

/** `kirim gateway doctor`, or with `bundle` what the unit runs: `node <unit flags> kirim-gateway.js doctor`. */
function doctor(file: string, wrap: string[] = [], bundle?: string): { status: number | null; lines: string[]; stderr: string } {
  const cmd = bundle ? [...gatewayUnitNodeFlags(), bundle] : [KIRIM, 'gateway'];
  const argv = [...wrap, process.execPath, ...cmd, 'doctor', '--smsdrc', file];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 60_000, env: { ...process.env, KIRIM_SMSDRC: '' } });
  return { status: r.status, lines: r.stdout.trim().split('\n').filter(Boolean), stderr: r.stderr };
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs gammu-smsd in the foreground on `file`; resolves once the doctor sees it running. */
async function startGammu(file: string, dir: string): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn('gammu-smsd', ['-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d));
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      child.kill('SIGTERM');
    });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gammu-smsd exited with ${child.exitCode}: ${err} ${readLog(dir)}`);
    // The shared memory exists once the daemon has read its config.
    const r = spawnSync('gammu-smsd-monitor', ['-c', file, '-C', '-n', '1', '-d', '0'], { encoding: 'utf8', timeout: 10_000 });
    if (r.status === 0) return { child, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`gammu-smsd did not come up: ${err} ${readLog(dir)}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'gammu-smsd.log'), 'utf8');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------- gammu-smsdrc

test('deploy/gammu-smsdrc has the settings Kirim expects, each with its reason', () => {
  const config = readSmsdConfig(SMSDRC);
  assert.equal(config.get('gammu', 'connection'), 'at115200');
  assert.equal(config.get('gammu', 'device'), '/dev/ttyUSB0');
  assert.equal(config.get('gammu', 'model'), 'at');
  assert.deepEqual(spoolDirs(config), {
    inbox: '/var/spool/gammu/inbox/',
    outbox: '/var/spool/gammu/outbox/',
    sent: '/var/spool/gammu/sent/',
    error: '/var/spool/gammu/error/',
  });
  // The values measured for the files backend, as the development config uses them.
  for (const key of ['service', 'transmitformat', 'inboxformat', 'loopsleep', 'commtimeout', 'deliveryreport']) {
    assert.equal(config.smsd(key), String(RECOMMENDED_SMSD[key]), key);
  }
  assert.equal(config.smsd('receivefrequency'), '5');
  assert.equal(config.smsd('statusfrequency'), '15');
  assert.equal(config.smsd('logfile'), '/var/log/gammu-smsd.log');
  assert.equal(config.smsd('debuglevel'), '0');
  assert.equal(config.smsd('pin'), undefined, 'the PIN line stays commented out');
  assert.equal(config.get('gammu', 'logformat'), undefined);

  // Every run of setting lines follows a comment; no value carries an inline
  // comment (gammu would keep it as part of the value).
  const lines = readFileSync(SMSDRC, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!/^\s*[a-z]+\s*=/i.test(line)) return;
    assert.doesNotMatch(line, /\s[#;]/, `inline comment on line ${i + 1}`);
    let j = i - 1;
    while (j >= 0 && /^\s*[a-z]+\s*=/i.test(lines[j]!)) j--;
    assert.match(lines[j] ?? '', /^\s*#/, `line ${i + 1} (${line}) has no comment above it`);
  });
});

test('kirim gateway doctor on deploy/gammu-smsdrc: only "not running" (and, without a modem plugged in, its absence) is left', () => {
  const dir = tempDir();
  try {
    const { file } = localCopy(dir);
    const r = doctor(file);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 1, r.lines.join('\n'));
    const expected = [
      ...(existsSync('/dev/ttyUSB0') ? [] : [/^\[gammu\] device \/dev\/ttyUSB0 does not exist: .* Fix: /]),
      gammuSmsdInstalled() ? new RegExp(`^gammu-smsd is not running with ${esc(file)}\\. Fix: `) : /^gammu-smsd is not installed\. Fix: /,
    ];
    assert.equal(r.lines.length, expected.length, r.lines.join('\n'));
    expected.forEach((pattern, i) => assert.match(r.lines[i]!, pattern));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('real gammu-smsd runs on deploy/gammu-smsdrc and the doctor then finds nothing', { skip: !gammuSmsdInstalled() && 'gammu-smsd is not installed' }, async () => {
  const dir = tempDir();
  const { file } = localCopy(dir, { dummyPhone: true });
  const g = await startGammu(file, dir);
  try {
    const r = doctor(file);
    assert.equal(r.status, 0, r.lines.join('\n') + r.stderr);
    assert.deepEqual(r.lines, [`${file}: no problems found`]);
    // gammu-smsd writes the log file the gateway reads.
    assert.match(readLog(dir), /Starting phone communication/);
  } finally {
    await g.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

const setprivSkip = !gammuSmsdInstalled() ? 'gammu-smsd is not installed' : !isRoot ? 'needs root to start gammu-smsd as root and switch users' : !has('setpriv') ? 'setpriv (util-linux) is not installed' : false;

test('the gateway unit\'s privileges suffice: group access to the spool plus CAP_IPC_OWNER for gammu-smsd-monitor', { skip: setprivSkip }, async () => {
  const dir = tempDir();
  const { file, spool } = localCopy(dir, { dummyPhone: true });
  // As Debian sets the folders up: owned by gammu's group, mode 0770; the
  // gateway's user is not their owner, only in that group.
  const group = spawnSync('getent', ['group', 'gammu'], { encoding: 'utf8' }).stdout.split(':')[2] ?? '65534';
  const gid = Number(group);
  for (const f of ['inbox', 'outbox', 'sent', 'error']) {
    chownSync(join(spool, f), 0, gid);
    chmodSync(join(spool, f), 0o770);
  }
  chmodSync(spool, 0o755);
  const asGateway = (caps: boolean) => [
    'setpriv',
    '--reuid=nobody',
    `--regid=${gid}`,
    '--clear-groups',
    ...(caps ? ['--inh-caps=+ipc_owner', '--ambient-caps=+ipc_owner'] : []),
  ];
  // The unit's program: the bundle, where any user can read it (as
  // /opt/kirim/ is), run with the unit's Node flags. Not the checkout, which
  // may sit in a folder that only root can enter.
  const bundle = await buildGatewayBundle(join(dir, 'opt'));
  chmodSync(join(dir, 'opt'), 0o755);
  chmodSync(bundle, 0o644);
  const g = await startGammu(file, dir); // as root, like Debian's gammu-smsd.service
  try {
    const ok = doctor(file, asGateway(true), bundle);
    assert.equal(ok.status, 0, ok.lines.join('\n') + ok.stderr);
    assert.deepEqual(ok.lines, [`${file}: no problems found`]);
    // Without the capability the monitor cannot attach gammu-smsd's shared
    // memory (mode 0744, owned by root): the doctor cannot see the daemon.
    const denied = doctor(file, asGateway(false), bundle);
    assert.equal(denied.status, 1);
    assert.equal(denied.lines.length, 1, denied.lines.join('\n'));
    assert.match(denied.lines[0]!, /gammu-smsd/);
  } finally {
    await g.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- systemd units

/** Parses a unit file: section → key → values in order (comments dropped). */
function parseUnit(path: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | undefined;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^\[(.+)\]$/.exec(line);
    if (m) {
      section = out.get(m[1]!) ?? new Map();
      out.set(m[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(section && eq > 0, `${path}: stray line ${line}`);
    const key = line.slice(0, eq).trim();
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return out;
}

function one(unit: Map<string, Map<string, string[]>>, section: string, key: string): string | undefined {
  const v = unit.get(section)?.get(key);
  return v?.[v.length - 1];
}

function words(unit: Map<string, Map<string, string[]>>, section: string, key: string): string[] {
  return (unit.get(section)?.get(key) ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean);
}

test('kirim-gateway.service: the bundle, its env file, after gammu-smsd, restarts, a confined user', () => {
  const u = parseUnit(join(DEPLOY, 'systemd', 'kirim-gateway.service'));
  assert.equal(one(u, 'Service', 'ExecStart'), '/usr/bin/node --jitless --no-expose-wasm --max-semi-space-size=1 /opt/kirim/kirim-gateway.js');
  assert.equal(one(u, 'Service', 'EnvironmentFile'), '/etc/kirim/gateway.env');
  assert.ok(words(u, 'Unit', 'After').includes('gammu-smsd.service'));
  assert.ok(words(u, 'Unit', 'Wants').includes('gammu-smsd.service'));
  assert.equal(one(u, 'Service', 'Restart'), 'on-failure');
  assert.ok(one(u, 'Service', 'RestartSec'));
  assert.equal(one(u, 'Unit', 'StartLimitIntervalSec'), '0');
  assert.equal(one(u, 'Service', 'User'), 'kirim');
  assert.equal(one(u, 'Service', 'Group'), 'gammu');
  for (const [key, value] of [
    ['NoNewPrivileges', 'yes'],
    ['ProtectSystem', 'strict'],
    ['ProtectHome', 'yes'],
    ['PrivateTmp', 'yes'],
    ['PrivateDevices', 'yes'],
    ['AmbientCapabilities', 'CAP_IPC_OWNER'],
    ['CapabilityBoundingSet', 'CAP_IPC_OWNER'],
  ]) {
    assert.equal(one(u, 'Service', key!), value, key);
  }
  // gammu-smsd-monitor needs the daemon's SysV shared memory; Node's JIT needs W+X pages.
  assert.equal(one(u, 'Service', 'PrivateIPC'), undefined);
  // --jitless makes it possible: V8 never maps writable+executable memory.
  assert.equal(one(u, 'Service', 'MemoryDenyWriteExecute'), 'yes');
  // Writable: exactly what the agent writes for deploy/gammu-smsdrc, as one mount.
  const rw = words(u, 'Service', 'ReadWritePaths');
  assert.deepEqual(rw, ['/var/spool/gammu']);
  const dirs = spoolDirs(readSmsdConfig(SMSDRC));
  for (const p of [...Object.values(dirs), defaultStateDir(dirs) + '/']) {
    assert.ok(p.startsWith(rw[0] + '/'), `${p} is writable`);
  }
});

test('kirim-server.service: kirim server with its env file and /var/lib/kirim', () => {
  const u = parseUnit(join(DEPLOY, 'systemd', 'kirim-server.service'));
  assert.equal(one(u, 'Service', 'ExecStart'), '/usr/bin/node /opt/kirim/node_modules/kirim/bin/kirim.js server');
  assert.equal(one(u, 'Service', 'EnvironmentFile'), '/etc/kirim/server.env');
  assert.equal(one(u, 'Service', 'StateDirectory'), 'kirim');
  assert.ok(words(u, 'Service', 'Environment').includes('KIRIM_DATA_DIR=/var/lib/kirim'));
  assert.equal(one(u, 'Service', 'Restart'), 'on-failure');
  assert.equal(one(u, 'Service', 'User'), 'kirim');
  for (const [key, value] of [
    ['NoNewPrivileges', 'yes'],
    ['ProtectSystem', 'strict'],
    ['ProtectHome', 'yes'],
    ['PrivateTmp', 'yes'],
    ['CapabilityBoundingSet', ''],
  ]) {
    assert.equal(one(u, 'Service', key!), value, key);
  }
});

test('gammu-smsd drop-in: Debian\'s unit restarts a crashed daemon', () => {
  const u = parseUnit(join(DEPLOY, 'systemd', 'gammu-smsd.service.d', 'kirim.conf'));
  assert.equal(one(u, 'Service', 'Restart'), 'on-failure');
  assert.equal(one(u, 'Unit', 'StartLimitIntervalSec'), '0');
});

const verifySkip = !has('systemd-analyze') ? 'systemd-analyze is not installed (apt-get install systemd); the units were only parsed' : false;
const DEBIAN_GAMMU_UNIT = '/lib/systemd/system/gammu-smsd.service';
const dropInSkip = verifySkip || (!existsSync(DEBIAN_GAMMU_UNIT) && `Debian's ${DEBIAN_GAMMU_UNIT} is not installed (apt-get install gammu-smsd)`);

function systemdVersion(): number {
  const r = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  return Number(/systemd (\d+)/.exec(r.stdout)?.[1] ?? 0);
}

/** stderr lines systemd older than 254 prints for the backoff keys it does not know yet. */
function allowedWarning(line: string, version: number): boolean {
  return version < 254 && /: Unknown key '(RestartSteps|RestartMaxDelaySec)' in section \[Service\], ignoring\.$/.test(line);
}

test('systemd-analyze verify accepts the units', { skip: verifySkip }, () => {
  const dir = tempDir();
  try {
    const version = systemdVersion();
    // verify checks that ExecStart's program exists: where Node lives elsewhere, the copy names this one.
    const node = existsSync('/usr/bin/node') ? '/usr/bin/node' : process.execPath;
    const units = ['kirim-gateway.service', 'kirim-server.service'].map((u) => {
      writeFileSync(join(dir, u), readFileSync(join(DEPLOY, 'systemd', u), 'utf8').replace(/^ExecStart=\/usr\/bin\/node /m, `ExecStart=${node} `));
      return join(dir, u);
    });
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...units], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const unexpected = r.stderr.split('\n').filter((l) => l.trim() && !allowedWarning(l, version));
    assert.deepEqual(unexpected, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('systemd-analyze verify accepts the drop-in applied to Debian\'s gammu-smsd.service', { skip: dropInSkip }, () => {
  const dir = tempDir();
  try {
    const unitDir = join(dir, 'units');
    mkdirSync(join(unitDir, 'gammu-smsd.service.d'), { recursive: true });
    cpSync(DEBIAN_GAMMU_UNIT, join(unitDir, 'gammu-smsd.service'));
    cpSync(join(DEPLOY, 'systemd', 'gammu-smsd.service.d', 'kirim.conf'), join(unitDir, 'gammu-smsd.service.d', 'kirim.conf'));
    const d = spawnSync('systemd-analyze', ['verify', '--man=no', 'gammu-smsd.service'], {
      encoding: 'utf8',
      cwd: unitDir,
      env: { ...process.env, SYSTEMD_UNIT_PATH: `${unitDir}:` },
    });
    assert.equal(d.status, 0, d.stderr);
    assert.equal(d.stderr.trim(), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- env examples

/** KEY of every `KEY=value` line, commented out or not. */
function envKeys(path: string): { set: Map<string, string>; all: string[] } {
  const set = new Map<string, string>();
  const all: string[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^(#)?(KIRIM_[A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    all.push(m[2]!);
    if (!m[1]) set.set(m[2]!, m[3]!);
  }
  return { set, all };
}

test('gateway.env.example: the three settings the unit needs, and only variables the agent reads', () => {
  const { set, all } = envKeys(join(DEPLOY, 'gateway.env.example'));
  assert.deepEqual([...set.keys()].sort(), ['KIRIM_GATEWAY_TOKEN', 'KIRIM_SERVER', 'KIRIM_SMSDRC']);
  assert.equal(set.get('KIRIM_SMSDRC'), '/etc/gammu-smsdrc');
  const agent = AGENT_OPTIONS.map((o) => o.env);
  const known = new Set([...agent, 'KIRIM_LOG_LEVEL']);
  for (const k of all) assert.ok(known.has(k), `${k} is not read by the gateway`);
});

test('server.env.example: only variables the server reads', () => {
  const { all } = envKeys(join(DEPLOY, 'server.env.example'));
  const config = readFileSync(join(ROOT, 'src', 'server', 'config.ts'), 'utf8');
  assert.ok(all.length > 5);
  for (const k of all) assert.match(config, new RegExp(`\\b${k}\\b`), `${k} is not read by the server`);
});

// ---------------------------------------------------------------- commands in the guides

/** Shell commands in the fenced code blocks of a Markdown file (continuations joined). */
function shellLines(path: string): string[] {
  const out: string[] = [];
  let inBlock = false;
  let pending = '';
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (/^\s*```/.test(line)) {
      inBlock = !inBlock;
      pending = '';
      continue;
    }
    if (!inBlock) continue;
    if (line.trimEnd().endsWith('\\')) {
      pending += line.trimEnd().slice(0, -1) + ' ';
      continue;
    }
    out.push(pending + line);
    pending = '';
  }
  return out;
}

function findSub(cmd: Command, name: string): Command | undefined {
  return cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

for (const doc of ['raspberry-pi.md', 'seed-compat.md']) {
  test(`docs/${doc}: every kirim command uses real subcommands and flags`, () => {
    const program = buildProgram();
    let checked = 0;
    for (const line of shellLines(join(ROOT, 'docs', doc))) {
      const tokens = line.split(/\s+/).map((t) => t.replace(/^["']|["']$/g, ''));
      tokens.forEach((tok, i) => {
        const base = basename(tok);
        let cmd: Command | undefined;
        let j = i + 1;
        if (base === 'kirim-gateway.js') {
          cmd = findSub(program, 'gateway');
        } else if (base === 'kirim' || base === 'kirim.js') {
          if (!tokens[j] || !findSub(program, tokens[j]!)) return;
          cmd = program;
        } else return;
        while (cmd && tokens[j] && findSub(cmd, tokens[j]!)) cmd = findSub(cmd, tokens[j++]!);
        assert.ok(cmd);
        for (; j < tokens.length; j++) {
          const t = tokens[j]!;
          if (/^(\||;|&&|\|\||>|>>|2>&1|#|\))$/.test(t) || t.startsWith('#') || t.startsWith('$(')) break;
          if (!t.startsWith('--')) continue;
          const flag = t.split('=')[0]!;
          const ok = ['--help', '--version'].includes(flag) || [cmd, cmd.parent].some((c) => c?.options.some((o) => o.long === flag));
          assert.ok(ok, `docs/${doc}: \`${line.trim()}\`: ${cmd.name()} has no ${flag}`);
        }
        checked++;
      });
    }
    assert.ok(checked > 0, `no kirim command found in docs/${doc}`);
  });
}
