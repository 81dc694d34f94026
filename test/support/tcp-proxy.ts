/**
 * A TCP proxy a test controls, to cut the network between real processes
 * without touching them, and to stand for a load balancer over several
 * server instances. Loopback only.
 * - Each new connection goes to the next target port in turn; a target that
 *   refuses the connection is skipped, so a client whose server died
 *   reaches another instance, as behind a load balancer with health checks.
 * - `cut()` destroys every open connection and refuses new ones (they are
 *   accepted and closed at once, as a dead route looks to an HTTP client:
 *   a reset, no answer). `cut('silent')` lets nothing through any more, in
 *   either direction, and tells neither side (a pulled cable: only the
 *   clients' timeouts notice). `restore()` closes what a silent cut left
 *   hanging and lets new connections through again.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: point the client here. */
  url: string;
  port: number;
  /** True while connections are refused or held. */
  readonly isCut: boolean;
  /** Connections accepted and piped through so far. */
  readonly connections: number;
  /** Sockets a silent cut holds (both ends of a connection count). */
  readonly holding: number;
  /** Connections passed to each target port so far. */
  readonly perTarget: Readonly<Record<number, number>>;
  /** `reset` (default): destroys every open connection and refuses new ones; `silent`: holds them all without a word. */
  cut(how?: 'reset' | 'silent'): void;
  /**
   * Arms a trap: the first chunk from a client that contains `pattern`
   * (e.g. `POST /gateway/v1/reports`) is not passed on; the proxy cuts
   * (reset) right there. Resolves when it fired.
   */
  cutOn(pattern: string): Promise<void>;
  restore(): void;
  /** Points the proxy at other target ports (open connections keep theirs). */
  retarget(ports: number | number[]): void;
  close(): Promise<void>;
}

/** Starts a proxy from a random (or the given) 127.0.0.1 port to one or several target ports on 127.0.0.1. */
export async function startTcpProxy(targetPorts: number | number[], { port = 0 } = {}): Promise<TcpProxy> {
  let targets = ([] as number[]).concat(targetPorts);
  if (targets.length === 0) throw new Error('startTcpProxy: no target port');
  const open = new Set<Socket>();
  /** Connections a silent cut holds without passing anything. */
  const hanging = new Set<Socket>();
  const perTarget: Record<number, number> = {};
  let isCut: false | 'reset' | 'silent' = false;
  let connections = 0;
  let next = 0;
  let trap: { pattern: string; fired: () => void } | undefined;

  /** Connects to the targets from the next one on; resolves with the first that accepts, or null. */
  function connectAny(): Promise<Socket | null> {
    const list = targets;
    const first = next++ % list.length;
    return new Promise((resolve) => {
      const attempt = (i: number) => {
        if (i === list.length) return resolve(null);
        const target = list[(first + i) % list.length]!;
        const upstream = connect(target, '127.0.0.1');
        const refused = () => {
          upstream.destroy();
          attempt(i + 1);
        };
        upstream.once('error', refused);
        upstream.once('connect', () => {
          upstream.off('error', refused);
          perTarget[target] = (perTarget[target] ?? 0) + 1;
          resolve(upstream);
        });
      };
      attempt(0);
    });
  }

  function hold(s: Socket): void {
    s.unpipe();
    s.pause();
    hanging.add(s);
  }

  const server: Server = createServer((client) => {
    client.on('error', () => client.destroy());
    if (isCut === 'reset') return void client.destroy();
    if (isCut === 'silent') {
      hanging.add(client);
      client.on('close', () => hanging.delete(client));
      return;
    }
    client.pause();
    open.add(client);
    void connectAny().then((upstream) => {
      open.delete(client);
      if (!upstream) return void client.destroy();
      if (client.destroyed || isCut === 'reset') {
        upstream.destroy();
        return void client.destroy();
      }
      connections++;
      upstream.on('error', () => upstream.destroy());
      const drop = () => {
        client.destroy();
        upstream.destroy();
        open.delete(client);
        open.delete(upstream);
        hanging.delete(client);
        hanging.delete(upstream);
      };
      client.on('close', drop);
      upstream.on('close', drop);
      if (isCut === 'silent') {
        hold(client);
        hold(upstream);
        return;
      }
      open.add(client);
      open.add(upstream);
      // Before the pipe's own listener, so a trapped chunk is never passed on.
      client.on('data', (chunk: Buffer) => {
        if (!trap || !chunk.includes(trap.pattern)) return;
        const t = trap;
        trap = undefined;
        cut('reset');
        t.fired();
      });
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  function cut(how: 'reset' | 'silent' = 'reset'): void {
    isCut = how;
    const all = [...open];
    open.clear();
    if (how === 'reset') for (const s of all) s.destroy();
    // Stop the bytes where they are; both ends keep their sockets.
    else for (const s of all) hold(s);
  }
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    get isCut() {
      return isCut !== false;
    },
    get connections() {
      return connections;
    },
    get holding() {
      return hanging.size;
    },
    get perTarget() {
      return { ...perTarget };
    },
    cut,
    cutOn(pattern) {
      return new Promise<void>((fired) => (trap = { pattern, fired }));
    },
    restore() {
      for (const s of hanging) s.destroy();
      hanging.clear();
      isCut = false;
    },
    retarget(ports) {
      targets = ([] as number[]).concat(ports);
    },
    close() {
      isCut = 'reset';
      for (const s of [...open, ...hanging]) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
