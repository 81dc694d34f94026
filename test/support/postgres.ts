/**
 * A private PostgreSQL cluster for tests that take the database away: made
 * with `initdb` in a temporary folder, on a free port, started and stopped
 * with `pg_ctl`. The machine's shared server is never touched.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root the
 * cluster belongs to the `postgres` user (Debian's packages create it).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The directory holding initdb/pg_ctl, or why there is none. */
export function postgresBinDir(): { dir: string } | { missing: string } {
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return { dir: join(onPath, '..') };
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions[0]) return { dir: join(root, versions[0], 'bin') };
  return { missing: 'initdb not found (apt-get install postgresql)' };
}

export async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export interface PrivatePostgres {
  /** postgres://root@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** Fast shutdown: open connections are cut, as in a restart. */
  stop(): void;
  start(): void;
  /**
   * `pg_ctl restart`: `fast` rolls back open transactions and cuts every
   * connection; `immediate` is a crash (no shutdown checkpoint, recovery on
   * start).
   */
  restart(mode: 'fast' | 'immediate'): Promise<void>;
  /** Stops the cluster and removes its folder. */
  destroy(): void;
  log(): string;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const found = postgresBinDir();
  if ('missing' in found) throw new Error(found.missing);
  const bin = (name: string) => join(found.dir, name);
  const base = mkdtempSync(join(tmpdir(), 'kirim-pg-'));
  const data = join(base, 'data');
  const logFile = join(base, 'server.log');
  const asRoot = process.getuid?.() === 0;
  const uid = asRoot ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()) : undefined;
  const gid = asRoot ? Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()) : undefined;
  chmodSync(base, 0o755);
  if (uid !== undefined) chownSync(base, uid, gid!);
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    const r = spawnSync(file, argv, { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  run(bin('initdb'), ['-D', data, '-A', 'trust', '-U', 'root', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const opts = `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const start = () => run(bin('pg_ctl'), ['-D', data, '-o', opts, '-l', logFile, '-w', '-t', '60', 'start']);
  const stop = () => run(bin('pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  start();
  let up = true;
  return {
    url: `postgres://root@127.0.0.1:${port}/postgres`,
    port,
    stop() {
      stop();
      up = false;
    },
    start() {
      start();
      up = true;
    },
    // Asynchronous: the test's own proxies and clients keep running meanwhile.
    async restart(mode) {
      const args = [bin('pg_ctl'), '-D', data, '-o', opts, '-l', logFile, '-m', mode, '-w', '-t', '60', 'restart'];
      const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', ...args]] : [args[0]!, args.slice(1)];
      await new Promise<void>((ok, fail) =>
        execFile(file, argv, { timeout: 90_000 }, (err, stdout, stderr) => (err ? fail(new Error(`pg_ctl restart -m ${mode} failed: ${stderr || stdout || err.message}`)) : ok())),
      );
      up = true;
    },
    destroy() {
      if (up) {
        try {
          stop();
        } catch {
          // already gone
        }
      }
      rmSync(base, { recursive: true, force: true });
    },
    log: () => (existsSync(logFile) ? execFileSync('tail', ['-n', '20', logFile], { encoding: 'utf8' }) : ''),
  };
}
