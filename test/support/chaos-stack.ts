/**
 * The processes of the kill-everything chaos test, each of which the test
 * can SIGKILL and start again:
 * - `kirim server` instances on fixed ports (a restarted instance comes back
 *   where the proxies look for it), all on one PostgreSQL;
 * - gateways: each a real gammu-smsd driving its own `kirim modem-sim`, the
 *   `kirim gateway` agent beside it, and a TCP proxy between the agent and
 *   the servers (the network, and the load balancer over the instances).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGammuSmsd, type GammuSmsdInstance } from '../../src/dev/gammu-smsd.js';
import { clearFaults } from '../../src/modem-sim/control.js';
import { removeLeftoverSegment } from '../gateway-helpers.js';
import { KIRIM_BIN, waitFor } from './process.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Keeps the last `max` characters of a process's output. */
function tail(max = 200_000) {
  let text = '';
  return {
    add: (d: Buffer | string) => {
      text += String(d);
      if (text.length > max * 2) text = text.slice(-max);
    },
    get: () => text.slice(-max),
  };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

async function kill(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!child) return;
  const done = exited(child);
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  await done;
}

export class ServerInstance {
  private child: ChildProcess | undefined;
  private readonly out = tail();
  /** Exits the test did not cause (a crash), with the end of the output. */
  readonly crashes: string[] = [];
  private killing = false;
  constructor(
    readonly name: string,
    readonly port: number,
    private readonly args: string[],
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Starts `kirim server` and waits until it listens. It refuses to start
   * while the database is away (a restart in progress): tried again until
   * it listens.
   */
  async start(timeoutMs = 600_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const child = spawn(process.execPath, [KIRIM_BIN, 'server', '--host', '127.0.0.1', '--port', String(this.port), ...this.args], {
        env: { ...process.env, KIRIM_LOG_LEVEL: 'warn', ...this.env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      this.child = child;
      const listening = await new Promise<boolean>((resolve) => {
        let seen = '';
        child.stderr!.on('data', (d: Buffer) => {
          this.out.add(d);
          seen += String(d);
          if (seen.includes('listening on')) resolve(true);
        });
        child.once('exit', () => resolve(false));
      });
      if (listening) {
        child.once('exit', (code, sig) => {
          if (!this.killing) this.crashes.push(`${this.name} exited by itself (${code ?? sig}):\n${this.out.get().slice(-2000)}`);
        });
        return;
      }
      if (Date.now() > deadline) throw new Error(`${this.name} did not start:\n${this.out.get().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.killing = true;
    await kill(this.child, signal);
    this.killing = false;
  }

  log(): string {
    return this.out.get();
  }
}

/** PIDs of the modem simulators running on `stateDir`. */
function modemSimPids(stateDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(join('/proc', entry, 'cmdline'), 'utf8').split('\0');
      if (argv.includes('modem-sim') && argv.includes(stateDir)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export interface GatewayNodeOptions {
  name: string;
  dir: string;
  token: string;
  /** The server instances the proxy balances over. */
  servers: ServerInstance[];
}

export class GatewayNode {
  readonly name: string;
  readonly simState: string;
  readonly proxy: TcpProxy;
  gammu!: GammuSmsdInstance;
  private agent: ChildProcess | undefined;
  private readonly agentOut = tail();
  private killingAgent = false;
  private closed = false;
  private killingGammu = false;
  /** Agent and gammu-smsd exits the test did not cause; the process is started again, as systemd would. */
  readonly crashes: string[] = [];
  /** When gammu-smsd was SIGKILLed (epoch ms): a modem's duplicate PDU across one of these is gammu's resend. */
  readonly gammuKills: number[] = [];

  private constructor(
    private readonly o: GatewayNodeOptions,
    proxy: TcpProxy,
  ) {
    this.name = o.name;
    this.simState = join(o.dir, 'modem-sim');
    this.proxy = proxy;
  }

  static async start(o: GatewayNodeOptions): Promise<GatewayNode> {
    const proxy = await startTcpProxy(o.servers.map((s) => s.port));
    const node = new GatewayNode(o, proxy);
    await node.startGammu();
    node.startAgent();
    return node;
  }

  /** Starts gammu-smsd (which starts the modem simulator) and waits until the modem answers. */
  async startGammu(): Promise<void> {
    this.gammu = startGammuSmsd({
      dir: join(this.o.dir, 'gammu'),
      modem: { kind: 'modem-sim', command: `${shq(process.execPath)} ${shq(KIRIM_BIN)} modem-sim --state ${shq(this.simState)}` },
      smsd: { debuglevel: 0 },
      env: { LANG: 'C' },
    });
    const started = this.gammu;
    started.process.once('exit', (code, sig) => {
      if (this.killingGammu || this.closed || started !== this.gammu) return;
      this.crashes.push(`${this.name}'s gammu-smsd exited by itself (${code ?? sig}); see ${started.logfile}`);
      setTimeout(() => void this.afterGammuExit().then(() => this.startGammu()), 1000);
    });
    await clearFaults(this.simState).applied(120_000);
  }

  /** Waits for the modem simulator to end, and clears the shared memory segment a killed daemon leaves behind. */
  private async afterGammuExit(): Promise<void> {
    await waitFor(() => modemSimPids(this.simState).length === 0, { timeoutMs: 30_000, what: `${this.name}'s modem simulator to end` }).catch(async () => {
      // Its input closed with gammu; one that still hangs on is ended here (ours, by its PID).
      for (const pid of modemSimPids(this.simState)) process.kill(pid, 'SIGKILL');
      await waitFor(() => modemSimPids(this.simState).length === 0, { timeoutMs: 30_000, what: `${this.name}'s modem simulator to end` });
    });
    await removeLeftoverSegment(this.gammu.smsdrc);
  }

  /**
   * SIGKILLs gammu-smsd. Its modem simulator ends when its input closes;
   * only one may run on a state folder, so the next start waits for that,
   * and clears the shared memory segment a killed daemon leaves behind.
   */
  async killGammu(): Promise<void> {
    this.gammuKills.push(Date.now());
    this.killingGammu = true;
    await kill(this.gammu.process);
    this.killingGammu = false;
    await this.afterGammuExit();
  }

  startAgent(): void {
    const child = spawn(process.execPath, [KIRIM_BIN, 'gateway', '--server', this.proxy.url, '--token', this.o.token, '--smsdrc', this.gammu.smsdrc], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, KIRIM_LOG_LEVEL: 'info' },
    });
    child.stderr!.on('data', (d: Buffer) => this.agentOut.add(d));
    child.once('exit', (code, sig) => {
      if (this.killingAgent || this.closed) return;
      this.crashes.push(`${this.name}'s agent exited by itself (${code ?? sig}):\n${this.agentOut.get().slice(-2000)}`);
      setTimeout(() => !this.closed && this.startAgent(), 1000);
    });
    this.agent = child;
  }

  async killAgent(): Promise<void> {
    this.killingAgent = true;
    await kill(this.agent);
    this.killingAgent = false;
  }

  get agentAlive(): boolean {
    return !!this.agent && this.agent.exitCode === null && this.agent.signalCode === null;
  }

  get gammuAlive(): boolean {
    return this.gammu.process.exitCode === null && this.gammu.process.signalCode === null;
  }

  /** Files waiting in gammu's outbox. */
  outboxFiles(): string[] {
    return readdirSync(this.gammu.spool.outbox).filter((f) => f.startsWith('OUT'));
  }

  agentLog(): string {
    return this.agentOut.get();
  }

  async close(): Promise<void> {
    this.closed = true;
    await kill(this.agent, 'SIGTERM');
    await this.gammu?.stop();
    await this.proxy.close();
  }
}
