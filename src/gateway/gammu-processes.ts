/**
 * The gammu-smsd daemons running on this machine and the outbox each one
 * serves, read from /proc (cmdline, cwd) and each daemon's own config file.
 * Two daemons on one outbox both take its files, so each message goes out
 * twice: the gateway refuses to start then, and the doctor reports it.
 *
 * Promises: a daemon is found whatever its argv[0] path and whichever way
 * its config was given (`-c F`, `-cF`, `--config F`, `--config=F`, or none:
 * gammu-smsd's default /etc/gammu-smsdrc); relative config and spool paths
 * resolve against the daemon's own working directory when it can be read;
 * a daemon whose config this user cannot read is still listed, with the
 * reason, never silently dropped. Linux only (elsewhere: none found).
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { readSmsdConfig, SPOOL_KEYS } from './smsdrc.js';

export interface GammuSmsdProcess {
  pid: number;
  /** The config file it runs with, as an absolute path. */
  config: string;
  /** Real path of the outbox it serves; undefined when its config could not be read. */
  outbox?: string;
  /** Why the outbox is unknown. */
  error?: string;
}

/** gammu-smsd's default config file (gammu-smsd(1)). */
export const DEFAULT_SMSDRC = '/etc/gammu-smsdrc';

/** The config file named by gammu-smsd's arguments. */
export function configFromArgs(args: string[]): string {
  let config = DEFAULT_SMSDRC;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if ((a === '-c' || a === '--config') && i + 1 < args.length) config = args[++i]!;
    else if (a.startsWith('--config=')) config = a.slice('--config='.length);
    else if (a.startsWith('-c') && a.length > 2 && !a.startsWith('--')) config = a.slice(2);
  }
  return config;
}

/** A folder's real path (symlinks resolved), or the path itself when it does not exist. */
export function realDir(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Every running gammu-smsd, with its outbox. */
export function findGammuSmsd(proc = '/proc'): GammuSmsdProcess[] {
  let entries: string[];
  try {
    entries = readdirSync(proc).filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
  const found: GammuSmsdProcess[] = [];
  for (const name of entries) {
    let argv: string[];
    try {
      argv = readFileSync(`${proc}/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // Gone meanwhile.
    }
    if (argv.length && argv[argv.length - 1] === '') argv.pop();
    if (!argv[0] || basename(argv[0]) !== 'gammu-smsd') continue;
    let cwd = '/';
    try {
      cwd = readlinkSync(`${proc}/${name}/cwd`);
    } catch {
      // Another user's daemon: its working directory is hidden; assume systemd's "/".
    }
    const config = resolve(cwd, configFromArgs(argv.slice(1)));
    const entry: GammuSmsdProcess = { pid: Number(name), config };
    try {
      const outbox = readSmsdConfig(config, { cwd }).smsd(SPOOL_KEYS.outbox);
      if (outbox) entry.outbox = realDir(resolve(cwd, outbox));
      else entry.error = `${config} sets no ${SPOOL_KEYS.outbox}`;
    } catch (err) {
      entry.error = err instanceof Error ? err.message : String(err);
    }
    found.push(entry);
  }
  return found.sort((a, b) => a.pid - b.pid);
}

/** The running gammu-smsd daemons whose outbox is `outbox`. */
export function daemonsServing(outbox: string, proc = '/proc'): GammuSmsdProcess[] {
  const target = realDir(outbox);
  return findGammuSmsd(proc).filter((p) => p.outbox === target);
}

/** One line naming the daemons that share an outbox and what to do. */
export function twoDaemonsProblem(outbox: string, daemons: GammuSmsdProcess[]): string {
  const who = daemons.map((d) => `PID ${d.pid} with ${d.config}`).join(', ');
  return `${daemons.length} gammu-smsd processes serve the outbox ${outbox} (${who}), so every message would be sent ${daemons.length} times; stop all but one (the one systemd runs: systemctl status gammu-smsd)`;
}
