/**
 * Real Kannel on 127.0.0.1, for tests and the benchmark (bench/kannel.ts):
 * bearerbox with a `fake` SMSC, smsbox serving `sendsms`, and Kannel's own
 * `fakesmsc` as the SMS side, connected to bearerbox's fake SMSC port.
 * Debian's `kannel` (bearerbox, smsbox in /usr/sbin) and `kannel-extras`
 * (fakesmsc in /usr/lib/kannel/test/) packages.
 *
 * What this setup can and cannot do (found by running it; see
 * docs/providers.md):
 * - fakesmsc prints one "Got message N: <from to text ...>" line per SMS
 *   bearerbox hands it: `received` parses them, the count at the "handset";
 * - bearerbox's fake SMSC acknowledges every SMS it hands to fakesmsc and
 *   reports it delivered at once: with a dlr-url it calls back with type 8
 *   (accepted by the SMSC) then 1 (delivered). It cannot report a delivery
 *   failure (type 2);
 * - a number bearerbox cannot route (`denied-prefix` on the SMSC) is
 *   refused by smsbox with `403 Not routable. Do not try again.` and, with
 *   dlr-mask 16, reported as type 16 (`NACK/no SMSC`): the one negative
 *   report this setup can produce;
 * - when bearerbox dies, smsbox and fakesmsc exit too: `restart()` starts
 *   whatever is not running. With `store-type = spool` bearerbox keeps the
 *   SMS it accepted but had not handed over, and hands them over after the
 *   restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stopChild } from '../../src/dev/stop-child.js';

export const BEARERBOX = '/usr/sbin/bearerbox';
export const SMSBOX = '/usr/sbin/smsbox';
export const FAKESMSC = '/usr/lib/kannel/test/fakesmsc';

/** Why Kannel cannot run here, or undefined when it can. */
export function kannelMissing(): string | undefined {
  const gone = [BEARERBOX, SMSBOX, FAKESMSC].filter((f) => !existsSync(f));
  return gone.length ? `${gone.join(', ')} not found (Debian packages kannel and kannel-extras)` : undefined;
}

/** A TCP port free on 127.0.0.1 at the time of asking. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => ok(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once something listens on `port` (127.0.0.1). */
export async function waitForPort(port: number, timeoutMs: number, why: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((ok) => {
      const s = createServer();
      s.once('error', () => ok(true));
      s.listen(port, '127.0.0.1', () => s.close(() => ok(false)));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(why());
    await sleep(100);
  }
}

export type KannelStore = 'memory' | 'spool';

export interface KannelOptions {
  /** Queue in memory, or `store-type = spool` in the directory (kept across restarts). */
  store: KannelStore;
  /** Numbers starting with this are not routable (403 and a type-16 report). */
  deniedPrefix?: string;
  /** Access logs on (the benchmark keeps them, as a deployment has them). */
  accessLogs?: boolean;
  /** Joins long texts (sendsms-user `concatenation`), up to this many parts. */
  maxMessages?: number;
}

export interface ReceivedSms {
  from: string;
  to: string;
  text: string;
}

export interface KannelRig {
  /** smsbox's sendsms URL (…/cgi-bin/sendsms). */
  sendsmsUrl: string;
  username: string;
  password: string;
  /** Every SMS fakesmsc got, across restarts, in order. */
  received: ReceivedSms[];
  /** bearerbox and smsbox of the current run (their CPU is Kannel's share of the machine). */
  pids(): number[];
  /** SIGKILLs bearerbox (smsbox and fakesmsc follow it out). */
  killBearerbox(): Promise<void>;
  /** Starts whatever is not running: bearerbox, then fakesmsc and smsbox, and waits for their ports. */
  restart(): Promise<void>;
  /** Logs of the current processes (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

const GOT = /Got message \d+: <(\S+) (\S+) \S+ (.*)>\s*$/;

export async function startKannelRig(dir: string, { store, deniedPrefix, accessLogs = false, maxMessages = 1 }: KannelOptions): Promise<KannelRig> {
  mkdirSync(dir, { recursive: true });
  const [admin, boxPort, smscPort, sendsmsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const spool = join(dir, 'spool');
  if (store === 'spool') mkdirSync(spool, { recursive: true });
  const username = 'kirim';
  const password = 'kannel-test-password';
  const log = (name: string) => `log-file = "${join(dir, `${name}.log`)}"\n${accessLogs ? `access-log = "${join(dir, `${name}-access.log`)}"\n` : ''}`;
  const conf = `group = core
admin-port = ${admin}
admin-password = test
admin-interface = 127.0.0.1
smsbox-port = ${boxPort}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-level = 2
${log('bearerbox')}${store === 'spool' ? `store-type = spool\nstore-location = "${spool}"\n` : ''}
group = smsc
smsc = fake
smsc-id = fake
host = 127.0.0.1
port = ${smscPort}
connect-allow-ip = 127.0.0.1
${deniedPrefix ? `denied-prefix = "${deniedPrefix}"\n` : ''}
group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${boxPort}
sendsms-port = ${sendsmsPort}
sendsms-interface = 127.0.0.1
log-level = 2
${log('smsbox')}
group = sendsms-user
username = ${username}
password = ${password}
concatenation = ${maxMessages > 1 ? 'true' : 'false'}
max-messages = ${maxMessages}

group = sms-service
keyword = default
text = "no service"
`;
  const file = join(dir, 'kannel.conf');
  writeFileSync(file, conf);

  const received: ReceivedSms[] = [];
  type Proc = { child: ChildProcess; out: string; exited: boolean };
  const procs: Record<'bearerbox' | 'fakesmsc' | 'smsbox', Proc | undefined> = { bearerbox: undefined, fakesmsc: undefined, smsbox: undefined };
  const start = (name: keyof typeof procs, cmd: string, args: string[], onLine?: (l: string) => void) => {
    const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const p: Proc = { child, out: '', exited: false };
    let tail = '';
    const keep = (d: Buffer) => {
      p.out = (p.out + String(d)).slice(-4000);
      if (!onLine) return;
      const lines = (tail + String(d)).split('\n');
      tail = lines.pop()!;
      for (const l of lines) onLine(l);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', () => {
      p.exited = true;
    });
    procs[name] = p;
    return p;
  };
  const running = (name: keyof typeof procs) => procs[name] !== undefined && !procs[name]!.exited;
  const output = () => Object.entries(procs).map(([n, p]) => `--- ${n}${p?.exited ? ' (exited)' : ''}:\n${p?.out ?? ''}`).join('\n');

  async function restart() {
    if (!running('bearerbox')) {
      // Its smsbox and fakesmsc go with it; wait for them to leave before starting new ones.
      for (const n of ['smsbox', 'fakesmsc'] as const) if (procs[n] && !procs[n]!.exited) await stopChild(procs[n]!.child, { graceMs: 5_000 });
      start('bearerbox', BEARERBOX, ['-v', '2', file]);
      await waitForPort(smscPort, 20_000, () => `bearerbox did not open its fake SMSC port: ${output()}`);
    }
    if (!running('fakesmsc')) {
      // fakesmsc prints each SMS it receives; -m 0 sends none of its own.
      start('fakesmsc', FAKESMSC, ['-H', '127.0.0.1', '-r', String(smscPort), '-m', '0', '1 2 text unused'], (l) => {
        const m = GOT.exec(l);
        if (m) received.push({ from: m[1]!, to: m[2]!, text: m[3]! });
      });
    }
    if (!running('smsbox')) {
      start('smsbox', SMSBOX, ['-v', '2', file]);
      await waitForPort(sendsmsPort, 20_000, () => `smsbox did not open sendsms: ${output()}`);
    }
  }
  await restart();

  return {
    sendsmsUrl: `http://127.0.0.1:${sendsmsPort}/cgi-bin/sendsms`,
    username,
    password,
    received,
    pids: () => [procs.bearerbox?.child.pid, procs.smsbox?.child.pid].filter((p): p is number => p !== undefined),
    async killBearerbox() {
      const b = procs.bearerbox;
      if (!b || b.exited) return;
      const gone = new Promise((ok) => b.child.once('exit', ok));
      b.child.kill('SIGKILL');
      await gone;
    },
    restart,
    output,
    async stop() {
      for (const n of ['smsbox', 'fakesmsc', 'bearerbox'] as const) if (procs[n] && !procs[n]!.exited) await stopChild(procs[n]!.child, { graceMs: 10_000 });
    },
  };
}
