/**
 * The data dir as commands see it. Promises:
 * - only the commands that run a server (`server`, `dev`) create a data
 *   dir, and only its own folder, never the folders above it;
 * - administrative commands (`keys`, `gateways`) never create one: a typo
 *   in --data-dir is named as such instead of becoming an empty database;
 * - a data dir that is a file, or that this user cannot write, is a
 *   {@link UserError} with the fix, not an errno from deep inside.
 */
import { mkdirSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from './errors.js';

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;

function whoami(): string {
  try {
    return `${userInfo().username}, uid ${process.getuid?.() ?? '?'}`;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

function stat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    if (errno(err) === 'ENOTDIR') throw new UserError(`data dir ${path}: a folder on its path is a file; pass --data-dir with a folder`);
    if (errno(err) === 'EACCES') throw new UserError(`data dir ${path}: this user (${whoami()}) may not look inside ${dirname(path)}; run as its owner or pass --data-dir`);
    throw err;
  }
}

/** For `server` and `dev`: the data dir exists (its own folder created if needed), is a folder, and this user can write it. */
export function prepareDataDir(dir: string): void {
  const st = stat(dir);
  if (!st) {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      const parent = dirname(dir);
      switch (errno(err)) {
        case 'ENOENT':
          throw new UserError(`cannot create the data dir ${dir}: ${parent} does not exist; create it first, or pass --data-dir`);
        case 'EACCES':
        case 'EPERM':
          throw new UserError(`cannot create the data dir ${dir}: this user (${whoami()}) may not write in ${parent}; create it for this user, or pass --data-dir`);
        case 'EROFS':
          throw new UserError(`cannot create the data dir ${dir}: ${parent} is on a read-only file system; pass --data-dir`);
        case 'ENOTDIR':
          throw new UserError(`cannot create the data dir ${dir}: ${parent} is a file, not a folder; pass --data-dir`);
        default:
          throw err;
      }
    }
    return;
  }
  if (!st.isDirectory()) throw new UserError(`the data dir ${dir} is a file, not a folder: pass --data-dir with a folder, or move the file away`);
  // access(W_OK) says yes to root even where writing fails (read-only
  // mounts, immutable folders): only a real write tells.
  const probe = join(dir, `.kirim-write-check-${process.pid}`);
  try {
    writeFileSync(probe, '', { flag: 'wx' });
  } catch (err) {
    if (['EACCES', 'EPERM', 'EROFS'].includes(errno(err) ?? '')) {
      throw new UserError(`the data dir ${dir} is not writable by this user (${whoami()}): run as its owner (e.g. sudo -u kirim), give it to this user with chown, or pass --data-dir`);
    }
    throw err;
  } finally {
    rmSync(probe, { force: true });
  }
}

/** For administrative commands: the data dir must already exist (a server created it). */
export function requireDataDir(dir: string): void {
  const st = stat(dir);
  if (!st) throw new UserError(noKirimData(dir));
  if (!st.isDirectory()) throw new UserError(`the data dir ${dir} is a file, not a folder: pass --data-dir with the folder \`kirim server\` uses`);
}

/** The one sentence for "there is no Kirim here". */
export function noKirimData(where: string, flag = '--data-dir', run = 'kirim server'): string {
  return `no Kirim data in ${where}: run \`${run}\` there first, or pass ${flag}`;
}
