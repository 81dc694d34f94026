/**
 * The doctor's checks of the modem port, `[gammu] device`:
 *
 * - no inline comment in the value (gammu keeps `# ...` after a value as
 *   part of it: libgammu/misc/cfg.c, /work/shared/gammu/FACTS.md), checked
 *   for every connection but proxyat, whose value is a shell command;
 * - for a device path (the value starts with `/`): it exists, is a device
 *   (or a FIFO, which gammu can also open), and is readable and writable by
 *   the user a running gammu-smsd with this config runs as (its effective
 *   UID, GID and groups from /proc; mode bits only, ACLs are not read);
 * - no other process holds it open (every /proc/<pid>/fd link; another
 *   user's descriptors are visible to root only), the daemons serving this
 *   config excepted;
 * - the SIM's PIN state: from a running daemon's own log (a PIN complaint
 *   with no message sent or received since), else with `gammu
 *   getsecuritystatus` only when nothing holds the port (no gammu-smsd with
 *   this config, no holder of the path): the doctor never takes the modem
 *   from a running daemon, whose shared memory (gammu-smsd-monitor)
 *   carries no PIN state.
 *
 * Each finding is one problem with its fix.
 */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, promises as fs, readdirSync, readFileSync, readlinkSync, readSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SmsdConfig } from './smsdrc.js';
import { findGammuSmsd } from './gammu-processes.js';

export interface DeviceProblem {
  code: string;
  problem: string;
  fix: string;
}

export interface DeviceCheckOptions {
  /** Run the checks against the machine (existence, access, holders, PIN); false: the comment check only. */
  machine: boolean;
  /** True when the `gammu` command can be run (for the PIN state). */
  gammuInstalled: boolean;
  /** The /proc to read (tests). */
  proc?: string;
  /** Longest wait for `gammu getsecuritystatus`. */
  pinTimeoutMs?: number;
}

interface Credentials {
  uid: number;
  gid: number;
  groups: number[];
}

/** Effective UID, GID and supplementary groups of a process, from /proc/<pid>/status. */
export function processCredentials(pid: number, proc = '/proc'): Credentials | undefined {
  try {
    const status = readFileSync(`${proc}/${pid}/status`, 'utf8');
    const field = (name: string) => (new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
    const [, euid] = field('Uid');
    const [, egid] = field('Gid');
    if (euid === undefined || egid === undefined) return undefined;
    return { uid: euid, gid: egid, groups: field('Groups') };
  } catch {
    return undefined;
  }
}

/** Whether mode bits let `who` read and write a file owned by `uid`:`gid` (root always may). */
export function canReadWrite(st: { mode: number; uid: number; gid: number }, who: Credentials): boolean {
  if (who.uid === 0) return true;
  const bits = who.uid === st.uid ? (st.mode >> 6) & 7 : who.gid === st.gid || who.groups.includes(st.gid) ? (st.mode >> 3) & 7 : st.mode & 7;
  return (bits & 6) === 6;
}

function nameOf(file: '/etc/passwd' | '/etc/group', id: number): string {
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const f = line.split(':');
      if (Number(f[2]) === id && f[0]) return f[0];
    }
  } catch {
    // No name: the number will do.
  }
  return String(id);
}

/** PIDs (with their command names) that hold `target` open, from /proc/<pid>/fd. */
export function holdersOf(target: string, proc = '/proc'): Array<{ pid: number; name: string }> {
  const found: Array<{ pid: number; name: string }> = [];
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((n) => /^\d+$/.test(n));
  } catch {
    return found;
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${proc}/${pid}/fd`);
    } catch {
      continue; // Gone, or another user's (visible to root only).
    }
    const holds = fds.some((fd) => {
      try {
        return readlinkSync(`${proc}/${pid}/fd/${fd}`) === target;
      } catch {
        return false;
      }
    });
    if (!holds) continue;
    let name = '?';
    try {
      name = readFileSync(`${proc}/${pid}/comm`, 'utf8').trim();
    } catch {
      // Gone meanwhile.
    }
    found.push({ pid: Number(pid), name });
  }
  return found;
}

/** `gammu -c <smsdrc> getsecuritystatus`: what the SIM waits for, or undefined when gammu could not tell. */
export function simSecurityStatus(smsdrc: string, timeoutMs = 30_000): Promise<string | undefined> {
  return new Promise((done) => {
    const child = spawn('gammu', ['-c', smsdrc, 'getsecuritystatus'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', () => done(undefined));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return done(undefined);
      if (/Nothing to enter/i.test(out)) return done('ready');
      const waiting = /Waiting for (.+?)\.?\s*$/im.exec(out)?.[1];
      done(waiting ?? undefined);
    });
  });
}

/**
 * The line in which gammu-smsd `pid` last said the SIM stopped it, unless a
 * message went out or came in after it; read from the end of its log. gammu-smsd 1.42 writes "Warning: no code in config when phone
 * might want one!" (checksecurity = 1, no pin) or "Error sending SMS:
 * Security error. Maybe no PIN?" (checksecurity = 0).
 */
export function pinTroubleInLog(logfile: string, pid: number, tailBytes = 256 * 1024): string | undefined {
  let text: string;
  try {
    const fd = openSync(logfile, 'r');
    try {
      const size = fstatSync(fd).size;
      const start = Math.max(0, size - tailBytes);
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      text = buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const mine = text.split('\n').filter((l) => l.includes(`gammu-smsd[${pid}]:`));
  let said: string | undefined;
  for (const line of mine) {
    const message = line.slice(line.indexOf(`gammu-smsd[${pid}]:`) + `gammu-smsd[${pid}]:`.length).trim();
    // Only a message that went out or came in shows the SIM working since.
    if (/^(Transmitted |SMS sent on device|Received IN|Delivery report)/.test(message)) said = undefined;
    else if (/no code in config when phone might want one|Security error|SECURITYERROR|\bPUK\b|PIN.*(wrong|bad|incorrect|required|needed)/i.test(message)) said = message;
  }
  return said;
}

export async function deviceProblems(config: SmsdConfig, smsdrc: string, opts: DeviceCheckOptions): Promise<DeviceProblem[]> {
  const problems: DeviceProblem[] = [];
  const add = (code: string, problem: string, fix: string) => problems.push({ code, problem, fix });
  if (!config.sections.some((s) => s.name.toLowerCase() === 'gammu')) return problems;
  const device = config.get('gammu', 'device');
  const connection = (config.get('gammu', 'connection') ?? '').toLowerCase();
  const proxy = connection.startsWith('proxy');
  if (!device) {
    add('device', '[gammu] device is not set, so gammu-smsd does not know the modem port.', 'Set it, e.g. "device = /dev/ttyUSB0" (better: the stable name under /dev/serial/by-id/).');
    return problems;
  }
  if (!proxy && /\s[#;]/.test(device)) {
    const bare = device.split(/\s[#;]/)[0]!.trim();
    add('device-comment', `[gammu] device = ${device} has a comment after the value; gammu keeps it as part of the port name and cannot open it.`, `Put the comment on its own line and write "device = ${bare}".`);
    return problems;
  }
  // The dummy driver (connection = none) has a folder for a device and no SIM.
  if (!opts.machine || connection === 'none') return problems;

  const daemons = findGammuSmsd(opts.proc).filter((p) => p.config === resolve(smsdrc));
  let holders: Array<{ pid: number; name: string }> = [];
  if (!proxy && device.startsWith('/')) {
    let st;
    try {
      st = await fs.stat(device);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        add('device-missing', `[gammu] device ${device} does not exist: the modem is unplugged, still in USB storage mode, or on another port.`, 'Plug it in; check lsusb (a modem in storage mode needs usb_modeswitch) and ls -l /dev/serial/by-id/, and use that stable name.');
      } else {
        add('device-access', `[gammu] device ${device} cannot be examined (${code}).`, 'Check the path and the permissions of its folders.');
      }
      return problems;
    }
    if (!st.isCharacterDevice() && !st.isFIFO()) {
      add('device-type', `[gammu] device ${device} is ${st.isDirectory() ? 'a folder' : 'a regular file'}, not a serial port.`, 'Point it at the modem\'s port, e.g. /dev/ttyUSB0 or its name under /dev/serial/by-id/.');
      return problems;
    }
    for (const daemon of daemons) {
      const who = processCredentials(daemon.pid, opts.proc);
      if (who && !canReadWrite(st, who)) {
        const user = nameOf('/etc/passwd', who.uid);
        const group = nameOf('/etc/group', st.gid);
        const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
        add(
          'device-permission',
          `[gammu] device ${device} (mode ${mode}, owner ${nameOf('/etc/passwd', st.uid)}:${group}) is not readable and writable by ${user}, whom gammu-smsd (PID ${daemon.pid}) runs as.`,
          st.gid === 0
            ? `Give the port a group and add ${user} to it: a udev rule with GROUP="dialout", MODE="0660", and sudo usermod -aG dialout ${user}; then restart gammu-smsd.`
            : `Add ${user} to the group ${group} (sudo usermod -aG ${group} ${user})${(st.mode & 0o060) === 0o060 ? '' : ` and let the group read and write it (mode 0660, through a udev rule to last)`}; then restart gammu-smsd.`,
        );
      }
    }
    let real = device;
    try {
      real = realpathSync(device);
    } catch {
      // Checked above.
    }
    const serving = new Set(daemons.map((d) => d.pid));
    holders = holdersOf(real, opts.proc);
    const others = holders.filter((h) => !serving.has(h.pid));
    if (others.length) {
      add(
        'device-busy',
        `[gammu] device ${device} is also held open by ${others.map((h) => `PID ${h.pid} (${h.name})`).join(', ')}; two programs on one modem port garble each other's commands.`,
        'Stop it: ModemManager with sudo systemctl disable --now ModemManager; a second gammu-smsd, gammu or terminal program with kill <PID>.',
      );
    }
  }

  // A running daemon holds the modem: its own log tells whether the SIM
  // stops it (the monitor's shared memory has no PIN state).
  const logfile = config.logfile;
  for (const daemon of logfile && logfile !== 'syslog' ? daemons : []) {
    const said = pinTroubleInLog(logfile!, daemon.pid);
    if (said) {
      const pin = config.smsd('pin');
      add(
        'sim-pin',
        `gammu-smsd (PID ${daemon.pid}) cannot use the SIM; its log says: "${said}".`,
        !pin
          ? `The SIM wants its PIN: check it once (stop gammu-smsd, then gammu -c ${smsdrc} entersecuritycode PIN -), set "pin = <PIN>" in [smsd] (a wrong pin, retried at every restart, ends in a PUK lock) and restart gammu-smsd; or remove the PIN in a phone.`
          : Number(config.smsd('checksecurity') ?? 1) === 0
            ? 'Set "checksecurity = 1" in [smsd] so gammu-smsd enters [smsd] pin, and restart it.'
            : 'Check [smsd] pin (a wrong one, retried at every restart, ends in a PUK lock), or unlock the SIM in a phone.',
      );
    }
  }

  // The SIM's PIN, only while nobody uses the modem.
  if (opts.gammuInstalled && daemons.length === 0 && holders.length === 0) {
    const status = await simSecurityStatus(smsdrc, opts.pinTimeoutMs);
    const pin = config.smsd('pin');
    const checks = config.smsd('checksecurity');
    if (status && /\bPUK\b/i.test(status)) {
      add('sim-puk', `The SIM is locked and waits for its ${status} (too many wrong PINs).`, 'Unlock it in a phone with the PUK from the SIM\'s card, then set the right "pin =" in [smsd].');
    } else if (status && /\bPIN\b/i.test(status) && !pin) {
      add('sim-pin', `The SIM waits for its ${status} and [smsd] pin is not set, so gammu-smsd cannot send.`, `Check the PIN once with: gammu -c ${smsdrc} entersecuritycode PIN - ; then set "pin = <PIN>" in [smsd] (a wrong pin, retried at every restart, ends in a PUK lock), or remove the PIN in a phone.`);
    } else if (status && /\bPIN\b/i.test(status) && checks !== undefined && Number(checks) === 0) {
      add('sim-pin', `The SIM waits for its ${status}, but checksecurity = 0 keeps gammu-smsd from entering [smsd] pin.`, 'Set "checksecurity = 1" in [smsd], or remove the PIN in a phone.');
    } else if (status && status !== 'ready' && !/\bPIN\b/i.test(status)) {
      add('sim-security', `The modem waits for a security code (${status}).`, `Enter it once with: gammu -c ${smsdrc} entersecuritycode <type> -`);
    }
  }
  return problems;
}
