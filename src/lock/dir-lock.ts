/**
 * One process per folder: `kirim server`/`kirim dev` hold their data dir,
 * `kirim gateway` its state dir. Promises:
 *
 * - while a process holds a folder, a second `lockDir` on it (from any
 *   process, any user, through any path that resolves to the same folder)
 *   fails with {@link DirLockedError} naming the holder's PID;
 * - the lock ends with the process however it ends — exit, crash, SIGKILL,
 *   power loss — so a dead holder never blocks the next start, and a later
 *   process that happens to get the dead one's PID holds nothing;
 * - nothing is written into the folder.
 *
 * Why a socket and not a lock file: Node has no flock(2) without a native
 * module, which the gateway's one-file bundle cannot carry; a PID file
 * outlives a SIGKILL and must then be judged stale (is the PID alive, is it
 * still the same process?), and two processes breaking one stale file at
 * once can both win. Binding a Linux abstract-namespace Unix socket is
 * atomic and exclusive, and the kernel releases it when the last descriptor
 * closes, i.e. when the process ends (Node opens every descriptor
 * close-on-exec, so children such as gammu-smsd do not inherit it). The
 * holder answers each connection with its PID, which is how the second
 * process names it.
 *
 * Limits: abstract sockets belong to a network namespace, so two processes
 * in different namespaces (e.g. separate containers sharing a volume) do
 * not see each other's lock; any local user could bind the name first and
 * so keep Kirim from starting (it cannot do more). Abstract sockets exist
 * on Linux only; elsewhere (a developer's macOS, where gammu-smsd does not
 * run anyway) no lock is taken.
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { resolve } from 'node:path';

/** The folder is held by another running process. */
export class DirLockedError extends Error {
  override name = 'DirLockedError';
  constructor(
    readonly dir: string,
    /** The holder's PID; undefined when it did not answer in time. */
    readonly pid: number | undefined,
    /** What the holder said it is, e.g. `kirim server`. */
    readonly holder: string | undefined,
  ) {
    super(`${dir} is in use by ${holder ?? 'another process'}${pid !== undefined ? ` (PID ${pid})` : ''}`);
  }
}

export interface DirLock {
  readonly dir: string;
  /** Ends the lock (also ended by the process ending). */
  release(): Promise<void>;
}

/** The socket name for a folder: one per real path, short enough for sun_path (108 bytes). */
export function lockName(dir: string): string {
  return `\0kirim-lock/${createHash('sha256').update(dir).digest('hex').slice(0, 40)}`;
}

/**
 * Takes the folder, which must exist, for this process. `holder` is what a
 * second process is told, e.g. `kirim dev`.
 */
export async function lockDir(dir: string, holder: string): Promise<DirLock> {
  const real = realpathSync(resolve(dir));
  if (process.platform !== 'linux') return { dir: real, release: async () => {} };
  const name = lockName(real);
  // A holder that dies between our bind and our question frees the name:
  // then bind again. Three rounds cover any real interleaving.
  for (let round = 0; ; round++) {
    const server = await bind(name, holder);
    if (server) {
      return {
        dir: real,
        release: () => new Promise<void>((done) => (server.listening ? server.close(() => done()) : done())),
      };
    }
    const answer = await ask(name);
    if (answer !== 'gone' || round >= 2) throw new DirLockedError(dir, answer === 'gone' ? undefined : answer.pid, answer === 'gone' ? undefined : answer.holder);
  }
}

/** Binds the name; undefined when another process has it. */
function bind(name: string, holder: string): Promise<Server | undefined> {
  return new Promise((done, fail) => {
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.end(JSON.stringify({ pid: process.pid, holder }) + '\n');
    });
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') done(undefined);
      else fail(err);
    });
    server.listen({ path: name }, () => {
      // The lock must never keep the process alive on its own.
      server.unref();
      done(server);
    });
  });
}

/** Asks the holder who it is; 'gone' when nobody holds the name any more. */
function ask(name: string): Promise<{ pid: number | undefined; holder: string | undefined } | 'gone'> {
  return new Promise((done) => {
    let text = '';
    const socket = createConnection({ path: name });
    // A holder whose event loop is stuck still holds the lock; we only lose its name.
    const timer = setTimeout(() => finish({ pid: undefined, holder: undefined }), 2000);
    const finish = (result: { pid: number | undefined; holder: string | undefined } | 'gone') => {
      clearTimeout(timer);
      socket.destroy();
      done(result);
    };
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('end', () => {
      try {
        const said = JSON.parse(text) as { pid?: unknown; holder?: unknown };
        finish({ pid: typeof said.pid === 'number' ? said.pid : undefined, holder: typeof said.holder === 'string' ? said.holder : undefined });
      } catch {
        finish({ pid: undefined, holder: undefined });
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? 'gone' : { pid: undefined, holder: undefined }));
  });
}
