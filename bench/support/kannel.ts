/**
 * Kannel on 127.0.0.1 for the comparison in bench/kannel.ts: bearerbox with
 * a `fake` SMSC, smsbox serving `sendsms`, and Kannel's own `fakesmsc` as
 * the SMS side, connected to bearerbox's fake SMSC port. fakesmsc prints
 * one "Got message" line per SMS bearerbox hands it; those lines are the
 * count of messages handed to the SMS side.
 *
 * Debian's `kannel` (bearerbox, smsbox in /usr/sbin) and `kannel-extras`
 * (fakesmsc in /usr/lib/kannel/test/) packages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stopChild } from '../../src/dev/stop-child.js';
import { sleep, type Cleanup } from './sms-rig.js';

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

export type KannelStore = 'memory' | 'spool';

export interface Kannel {
  /** Base URL of smsbox's sendsms service. */
  sendsmsUrl: string;
  /** The query string of a sendsms request without `to` and `text`. */
  auth: string;
  /** SMS fakesmsc has received so far. */
  handed(): number;
  /** bearerbox and smsbox (their CPU is Kannel's share of the machine). */
  pids: number[];
  stop(): Promise<void>;
}

/**
 * Starts bearerbox (queue in memory, or `store-type = spool` in `dir`),
 * fakesmsc and smsbox, and resolves once one SMS went through all of them.
 */
export async function startKannel(cleanup: Cleanup, dir: string, store: KannelStore): Promise<Kannel> {
  mkdirSync(dir, { recursive: true });
  const [admin, boxPort, smscPort, sendsmsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const spool = join(dir, 'spool');
  if (store === 'spool') mkdirSync(spool, { recursive: true });
  // Access logs on, as a deployment has them (Kirim logs each request too).
  const conf = `group = core
admin-port = ${admin}
admin-password = bench
admin-interface = 127.0.0.1
smsbox-port = ${boxPort}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-level = 2
log-file = "${join(dir, 'bearerbox.log')}"
access-log = "${join(dir, 'bearerbox-access.log')}"
${store === 'spool' ? `store-type = spool\nstore-location = "${spool}"\n` : ''}
group = smsc
smsc = fake
smsc-id = fake
host = 127.0.0.1
port = ${smscPort}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${boxPort}
sendsms-port = ${sendsmsPort}
sendsms-interface = 127.0.0.1
log-level = 2
log-file = "${join(dir, 'smsbox.log')}"
access-log = "${join(dir, 'smsbox-access.log')}"

group = sendsms-user
username = bench
password = bench
concatenation = false
max-messages = 1

group = sms-service
keyword = default
text = "no service"
`;
  const file = join(dir, 'kannel.conf');
  writeFileSync(file, conf);

  const children: ChildProcess[] = [];
  const start = (cmd: string, args: string[]) => {
    const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    const keep = (d: Buffer) => {
      out = (out + String(d)).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    cleanup.add(`${cmd} pid ${child.pid}`, () => stopChild(child, { graceMs: 10_000 }));
    return { child, output: () => out };
  };

  const bearerbox = start(BEARERBOX, ['-v', '2', file]);
  await waitForPort(smscPort, 20_000, () => `bearerbox did not open its fake SMSC port: ${bearerbox.output()}`);

  // fakesmsc prints each SMS it receives; -m 0 sends none of its own.
  const fakesmsc = spawn(FAKESMSC, ['-H', '127.0.0.1', '-r', String(smscPort), '-m', '0', '1 2 text unused'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(fakesmsc);
  cleanup.add(`fakesmsc pid ${fakesmsc.pid}`, () => stopChild(fakesmsc));
  let received = 0;
  const count = () => {
    let tail = '';
    return (d: Buffer) => {
      const text = tail + String(d);
      const lines = text.split('\n');
      tail = lines.pop()!;
      for (const l of lines) if (l.includes('Got message')) received++;
    };
  };
  fakesmsc.stdout!.on('data', count());
  fakesmsc.stderr!.on('data', count());

  const smsbox = start(SMSBOX, ['-v', '2', file]);
  await waitForPort(sendsmsPort, 20_000, () => `smsbox did not open sendsms: ${smsbox.output()}`);

  const sendsmsUrl = `http://127.0.0.1:${sendsmsPort}`;
  const auth = 'username=bench&password=bench&from=KIRIM';
  // One SMS all the way through before any measurement (fakesmsc connected, smsbox attached).
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${sendsmsUrl}/cgi-bin/sendsms?${auth}&to=%2B6281200000000&text=warm+up`).catch(() => undefined);
    if (res?.status === 202) break;
    if (Date.now() > deadline) throw new Error(`smsbox does not accept: ${res?.status} ${smsbox.output()}`);
    await sleep(200);
  }
  while (received < 1) {
    if (Date.now() > deadline) throw new Error(`fakesmsc got nothing: ${bearerbox.output()}`);
    await sleep(50);
  }
  return {
    sendsmsUrl,
    auth,
    handed: () => received,
    pids: [bearerbox.child.pid!, smsbox.child.pid!],
    async stop() {
      for (const c of children.reverse()) await stopChild(c, { graceMs: 10_000 });
    },
  };
}

async function waitForPort(port: number, timeoutMs: number, why: () => string): Promise<void> {
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
