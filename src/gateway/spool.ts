/**
 * File operations on gammu's spool folders (new files are written by
 * src/gammu/atomic-write.ts). Every other change the agent makes is a
 * `rename()` within one folder, because gammu-smsd reads whatever it finds
 * in the outbox at the moment it looks: a half-written file is sent
 * half-written, and a file being moved away may be read half-way.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { isGammuOutboxCandidate, gammuOrder, isPlainFileName } from '../gammu/names.js';
import { TEMP_PREFIX } from '../gammu/atomic-write.js';

/** A file name that is not a plain name inside its folder. */
export class UnsafeFileNameError extends Error {
  override name = 'UnsafeFileNameError';
}

/** Prefix of the agent's withdrawn files (dot: gammu skips them). */
export const WITHDRAWN_PREFIX = '.kirim-withdrawn-';

/**
 * Moves a file from gammu's outbox so that gammu can no longer take it:
 * first a rename to a hidden name in the same folder (atomic: gammu either
 * already has the file or never will), then a move to `destDir`.
 * @returns false when the file was no longer in the outbox (gammu took it).
 */
export async function withdrawFromOutbox(outbox: string, name: string, destDir: string): Promise<boolean> {
  // The last guard: a name that climbs out of the outbox (`..`, `../x`) would move a file from elsewhere.
  if (!isPlainFileName(name)) throw new UnsafeFileNameError(`refusing to move ${JSON.stringify(name.slice(0, 100))}: not a file name inside the outbox`);
  const hidden = join(outbox, WITHDRAWN_PREFIX + name);
  try {
    await fs.rename(join(outbox, name), hidden);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  await moveFile(hidden, join(destDir, name));
  return true;
}

/** Finishes withdrawals interrupted by a crash; returns the original names. */
export async function pendingWithdrawals(outbox: string): Promise<string[]> {
  return (await fs.readdir(outbox)).filter((n) => n.startsWith(WITHDRAWN_PREFIX)).map((n) => n.slice(WITHDRAWN_PREFIX.length));
}

/** Removes temp files left by a crash mid-write (they never reached gammu). */
export async function removeStaleTemps(outbox: string): Promise<string[]> {
  const stale = (await fs.readdir(outbox)).filter((n) => n.startsWith(TEMP_PREFIX));
  for (const n of stale) await fs.rm(join(outbox, n), { force: true });
  return stale.map((n) => n.slice(TEMP_PREFIX.length));
}

/** rename(), falling back to copy + fsync + unlink across file systems. */
export async function moveFile(from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
  }
  const data = await fs.readFile(from);
  const fd = await fs.open(to, 'w', 0o644);
  try {
    await fd.writeFile(data);
    await fd.sync();
  } finally {
    await fd.close();
  }
  await fs.unlink(from);
}

/** The files gammu would consider sending, in the order it takes them. */
export async function outboxQueue(outbox: string): Promise<string[]> {
  return (await fs.readdir(outbox)).filter(isGammuOutboxCandidate).sort(gammuOrder);
}

/** Number of plain entries in a folder (0 when it is missing). */
export async function countFiles(dir: string): Promise<number> {
  try {
    return (await fs.readdir(dir)).filter((n) => !n.startsWith('.')).length;
  } catch {
    return 0;
  }
}

/** True when `dir/name` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}
