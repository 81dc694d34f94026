/**
 * `kirim gateway doctor`: checks a gammu-smsd config for what breaks or
 * endangers delivery with the files backend. Each finding names the problem
 * and its fix; the values checked are read exactly as gammu-smsd 1.42 reads
 * them (smsdrc.ts), including its defaults where they differ from its docs
 * (an unset TransmitFormat means 7-bit, an unset CommTimeout 30 s).
 */
import { promises as fs, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { isAbsolute, dirname } from 'node:path';
import { readSmsdConfig, SmsdConfigError, SPOOL_KEYS, type SmsdConfig } from './smsdrc.js';
import { readModemHealth } from './monitor.js';
import { MAX_NAME_BYTES } from '../gammu/names.js';
import { daemonsServing, twoDaemonsProblem } from './gammu-processes.js';
import { deviceProblems } from './doctor-device.js';

/** One finding. */
export interface Problem {
  /** Stable short code, e.g. `transmitformat`. */
  code: string;
  problem: string;
  fix: string;
}

export interface DoctorOptions {
  /** Skip the checks that need gammu-smsd installed and running. */
  skipProcessChecks?: boolean;
  monitorCommand?: string;
  /** PATH lookup, replaceable in tests. */
  which?: (cmd: string) => boolean;
  /** Check the modem port and SIM on this machine (doctor-device.ts); default true unless skipProcessChecks. */
  checkDevice?: boolean;
}

function defaultWhich(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Runs every check; an empty list means the config is fine. */
export async function runDoctor(smsdrc: string, { skipProcessChecks = false, monitorCommand, which = defaultWhich, checkDevice = true }: DoctorOptions = {}): Promise<Problem[]> {
  let config: SmsdConfig;
  try {
    config = readSmsdConfig(smsdrc);
  } catch (err) {
    if (err instanceof SmsdConfigError) return [{ code: 'config', problem: `${err.message}.`, fix: 'Pass the gammu-smsd config file (the one gammu-smsd runs with -c).' }];
    throw err;
  }
  const problems: Problem[] = [];
  const add = (code: string, problem: string, fix: string) => problems.push({ code, problem, fix });
  const v = (key: string) => config.smsd(key);

  if (!config.sections.some((s) => s.name.toLowerCase() === 'gammu')) {
    add('gammu-section', 'There is no [gammu] section, so gammu-smsd does not know the modem.', 'Add [gammu] with connection and device (e.g. connection = at115200, device = /dev/ttyUSB0).');
  }
  const machine = !skipProcessChecks && checkDevice;
  for (const p of await deviceProblems(config, smsdrc, { machine, gammuInstalled: machine && which('gammu') })) add(p.code, p.problem, p.fix);

  const service = v('service');
  if (!service || service.toLowerCase() !== 'files') {
    add('service', `service is ${service ? `"${service}"` : 'unset'}; Kirim works with the files backend only.`, 'Set "service = files" in [smsd].');
  }

  // Spool folders.
  const resolved = new Map<string, string>();
  for (const key of Object.values(SPOOL_KEYS)) {
    const value = v(key);
    if (!value) {
      add(key, `${key} is not set, so gammu uses its working directory.`, `Set "${key} = /var/spool/gammu/${key.replace(/smspath|path/, '')}/" (an absolute folder ending with "/").`);
      continue;
    }
    if (/\s[#;]/.test(value)) {
      add(`${key}-comment`, `${key} = ${value} has a comment after the value; gammu keeps it as part of the path.`, `Put the comment on its own line and leave only the folder after "${key} =".`);
      continue;
    }
    if (!value.endsWith('/')) {
      add(`${key}-slash`, `${key} = ${value} lacks the trailing "/"; gammu appends file names directly and looks in the wrong place.`, `Write "${key} = ${value}/".`);
    }
    if (!isAbsolute(value)) {
      add(`${key}-relative`, `${key} = ${value} is relative, so it depends on gammu-smsd's working directory.`, `Use an absolute path.`);
    }
    const path = config.resolvePath(value.endsWith('/') ? value : value + '/');
    resolved.set(key, path);
    try {
      const st = await fs.stat(path);
      if (!st.isDirectory()) {
        add(`${key}-missing`, `${key} ${path} is not a folder.`, `Create the folder: mkdir -p ${path}`);
        continue;
      }
      await fs.access(path, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') add(`${key}-missing`, `${key} ${path} does not exist; gammu-smsd will not start.`, `Create it: mkdir -p ${path}`);
      else add(`${key}-access`, `${key} ${path} is not readable and writable by this user (${code}).`, `Give gammu-smsd's user and the gateway's user write access, e.g. a shared group with chmod 2775.`);
    }
  }
  const seen = new Map<string, string>();
  for (const [key, path] of resolved) {
    const other = seen.get(path);
    if (other) add('same-folder', `${other} and ${key} are the same folder ${path}; ${key === 'sentsmspath' || other === 'outboxpath' ? 'sent messages are then deleted and never reported' : 'files cannot be told apart'}.`, `Give each of inboxpath, outboxpath, sentsmspath and errorsmspath its own folder.`);
    seen.set(path, key);
  }

  // Encoding.
  const transmit = v('transmitformat');
  if (!transmit || transmit.toLowerCase() !== 'auto') {
    add('transmitformat', `transmitformat is ${transmit ? `"${transmit}"` : 'unset (gammu 1.42 then sends 7-bit)'}; text outside the GSM alphabet is sent as garbage or wastes parts.`, 'Set "transmitformat = auto".');
  }
  const inboxFormat = v('inboxformat');
  if (inboxFormat?.toLowerCase() === 'unicode') {
    add('inboxformat', 'inboxformat = unicode writes received text with trailing garbage in gammu 1.42.', 'Set "inboxformat = standard" (or detail).');
  }

  // Latency and CPU.
  const commTimeout = Number(v('commtimeout') ?? 30);
  if (Number.isFinite(commTimeout) && commTimeout > 5) {
    add('commtimeout', `commtimeout is ${v('commtimeout') ?? 'unset (30 s)'}; each idle loop waits that long, adding up to ${commTimeout} s before a new message is sent.`, 'Set "commtimeout = 1".');
  }
  const loopSleep = v('loopsleep');
  if (loopSleep !== undefined && Number(loopSleep) <= 0) {
    add('loopsleep', 'loopsleep = 0 makes gammu-smsd busy-loop (about 80 % CPU while idle).', 'Set "loopsleep = 1".');
  }
  const dr = v('deliveryreport');
  if (dr && !['no', 'log', 'sms'].includes(dr.toLowerCase())) {
    add('deliveryreport', `deliveryreport = ${dr} is not one of no, log, sms.`, 'Set "deliveryreport = sms" (reports are saved to the inbox, where the gateway reads them).');
  }

  // Hooks: gammu runs `sh -c "<cmd> <file names>"` without quoting.
  for (const [key, what] of [
    ['runonreceive', 'inbox file names carry the sender, which the network can set to any text'],
    ['runonsent', 'outbox file names are appended'],
    ['runonfailure', 'outbox file names are appended'],
  ] as const) {
    const cmd = v(key);
    if (cmd && !/\s#\s*$/.test(cmd)) {
      add(key, `${key} = ${cmd} gets file names appended unquoted by sh -c; ${what}, so a crafted name can run commands.`, `End the command with " #" (the shell then ignores the appended names) and read the SMS_* environment variables instead.`);
    }
  }

  // Log file: the gateway reads it to find failing files and message references.
  const logfile = v('logfile');
  if (!logfile) {
    add('logfile', 'logfile is not set; the gateway cannot see send failures or message references, so stuck files are found late and delivery reports match less exactly.', 'Set "logfile = /var/log/gammu-smsd.log" (readable by the gateway).');
  } else if (logfile.toLowerCase() === 'syslog' || logfile.toLowerCase() === 'eventlog') {
    add('logfile', `logfile = ${logfile}; the gateway reads gammu's log from a file.`, 'Set "logfile = /var/log/gammu-smsd.log" (readable by the gateway).');
  } else {
    const path = config.resolvePath(logfile);
    if (!isAbsolute(logfile)) add('logfile-relative', `logfile = ${logfile} is relative, so it depends on gammu-smsd's working directory.`, 'Use an absolute path.');
    try {
      await fs.access(path, constants.R_OK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        try {
          await fs.access(dirname(path), constants.W_OK);
        } catch {
          add('logfile-access', `the folder of logfile ${path} does not exist or is not writable.`, `Create it or choose another path for logfile.`);
        }
      } else {
        add('logfile-access', `logfile ${path} is not readable by this user.`, 'Make it readable by the gateway, e.g. chmod g+r and a shared group.');
      }
    }
  }
  const debug = Number(v('debuglevel') ?? 0);
  if (Number.isFinite(debug) && (debug & 1) === 1) {
    add('debuglevel', `debuglevel = ${v('debuglevel')} writes the text of every message (OTP codes) into gammu's log.`, 'Set "debuglevel = 0"; the gateway needs only the lines gammu always logs.');
  }

  // Outbox names that crash gammu-smsd (a buffer of 100 bytes), on every start.
  const outbox = resolved.get('outboxpath');
  if (outbox) {
    try {
      for (const name of await fs.readdir(outbox)) {
        if (!name.startsWith('.') && Buffer.byteLength(name) > MAX_NAME_BYTES) {
          add('long-name', `the outbox holds ${name.slice(0, 40)}… whose name is ${Buffer.byteLength(name)} bytes; gammu-smsd crashes on names of 100 bytes or more.`, `Move it out of ${outbox}.`);
        }
      }
    } catch {
      // Reported above.
    }
  }

  if (!skipProcessChecks) {
    if (outbox) {
      const daemons = daemonsServing(outbox);
      if (daemons.length > 1) {
        add('two-daemons', `${twoDaemonsProblem(outbox, daemons).replace(/; stop all but one.*$/, '')}.`, 'Stop all but one of them (the one systemd runs: systemctl status gammu-smsd), e.g. kill <PID> for one started by hand.');
      }
    }
    if (!which('gammu-smsd')) {
      add('not-installed', 'gammu-smsd is not installed.', 'Install it: sudo apt-get install gammu-smsd');
    } else {
      const health = await readModemHealth({ smsdrc, timeoutMs: 5000, ...(monitorCommand ? { command: monitorCommand } : {}) });
      if (!health.ok && health.error && /not running|shared memory/.test(health.error)) {
        add('not-running', `gammu-smsd is not running with ${smsdrc}.`, `Start it: sudo systemctl start gammu-smsd (or gammu-smsd -c ${smsdrc}); it must use this same file path.`);
      } else if (!health.ok && health.error && /not installed/.test(health.error)) {
        add('monitor-missing', 'gammu-smsd-monitor is not installed, so modem health cannot be read.', 'Install the gammu-smsd package.');
      }
    }
  }
  return problems;
}
