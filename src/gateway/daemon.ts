/**
 * Is gammu-smsd running for this config? gammu-smsd-monitor cannot tell
 * after a SIGKILL: the daemon's System V shared-memory segment outlives it
 * and the monitor keeps printing the last state it wrote (signal 72 %, …).
 * The kernel's attach count of that segment can tell: a running daemon
 * keeps it attached, a dead one does not. Promises:
 * - `running: false` only on evidence (no segment for this config, or a
 *   segment nobody has attached), with a reason people can act on;
 * - `running: undefined` when this system does not say (no
 *   /proc/sysvipc/shm): callers then rely on the monitor alone;
 * - reads one small procfs file; never throws.
 */
import { promises as fs } from 'node:fs';

export type DaemonState = { running: true } | { running: false; reason: string } | { running: undefined };

/**
 * The low 24 bits of gammu-smsd's segment key: gammu derives the key with
 * ftok(config file, id), which is `id << 24 | (st_dev & 0xff) << 16 |
 * (st_ino & 0xffff)`. The id byte differs between gammu versions (1 in
 * 1.42), so only the file's part is compared.
 */
export async function configKeyBits(smsdrc: string): Promise<number> {
  const st = await fs.stat(smsdrc, { bigint: true });
  return Number(((st.dev & 0xffn) << 16n) | (st.ino & 0xffffn));
}

export interface ShmSegment {
  key: number;
  nattch: number;
  cpid: number;
}

/** Parses /proc/sysvipc/shm (columns found by their header names). */
export function parseShmTable(text: string): ShmSegment[] {
  const [header, ...rows] = text.split('\n').filter((l) => l.trim());
  if (!header) return [];
  const cols = header.trim().split(/\s+/);
  const at = (name: string) => cols.indexOf(name);
  const [k, n, c] = [at('key'), at('nattch'), at('cpid')];
  if (k < 0 || n < 0) return [];
  return rows.map((r) => {
    const f = r.trim().split(/\s+/);
    return { key: Number(f[k]), nattch: Number(f[n]), cpid: c >= 0 ? Number(f[c]) : 0 };
  });
}

/** Tells whether a gammu-smsd using `smsdrc` is alive. */
export async function gammuDaemonState(smsdrc: string, { shmTable = '/proc/sysvipc/shm' }: { shmTable?: string } = {}): Promise<DaemonState> {
  let text: string;
  let bits: number;
  try {
    text = await fs.readFile(shmTable, 'utf8');
    bits = await configKeyBits(smsdrc);
  } catch {
    return { running: undefined };
  }
  // Keys are printed as signed 32-bit numbers.
  const mine = parseShmTable(text).filter((s) => Number.isFinite(s.key) && (s.key & 0xffffff) === bits);
  if (mine.length === 0) return { running: false, reason: `gammu-smsd is not running with ${smsdrc} (it has no shared memory)` };
  if (mine.some((s) => s.nattch > 0)) return { running: true };
  // No pid in the reason: a restarted daemon reuses the segment, so its
  // creator pid may be an older one, and monitors change the last-attach pid.
  return {
    running: false,
    reason: 'gammu-smsd is not running: its shared memory is left over from a process that died (killed or crashed); gammu-smsd-monitor only repeats its last state',
  };
}
