/**
 * A TCP proxy a test controls, to cut the network between two real
 * processes without touching either: `cut()` destroys every open
 * connection and refuses new ones (they are accepted and closed at once,
 * as a dead route looks to an HTTP client: a reset, no answer); `restore()`
 * lets connections through again. Loopback only.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: point the client here. */
  url: string;
  port: number;
  /** True while connections are refused. */
  readonly isCut: boolean;
  /** Connections accepted and piped through so far. */
  readonly connections: number;
  /** Destroys every open connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  /** Points the proxy at another target port (open connections keep theirs). */
  retarget(port: number): void;
  close(): Promise<void>;
}

/** Starts a proxy from a random 127.0.0.1 port to `127.0.0.1:targetPort`. */
export async function startTcpProxy(targetPort: number, { port = 0 } = {}): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let isCut = false;
  let target = targetPort;
  let connections = 0;
  const server: Server = createServer((client) => {
    if (isCut) {
      client.destroy();
      return;
    }
    connections++;
    const upstream = connect(target, '127.0.0.1');
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    get isCut() {
      return isCut;
    },
    get connections() {
      return connections;
    },
    cut() {
      isCut = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      isCut = false;
    },
    retarget(p: number) {
      target = p;
    },
    close() {
      isCut = true;
      for (const s of open) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
