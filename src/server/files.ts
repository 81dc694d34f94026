/**
 * File modes of what holds secrets on disk. Promises:
 * - the data dir is 0700 (the server secret, the database, the development
 *   mailbox with clear codes, logs live in it);
 * - the SQLite database and its -wal and -shm files are 0600: the file is
 *   created with that mode before SQLite opens it (SQLite gives -wal and
 *   -shm the database file's mode), and an existing file is set to it;
 * - development-mailbox `.eml` files (they carry codes in clear) are 0600
 *   and their folder 0700, at creation (mailbox.ts) and fixed on start.
 * A mode given at creation can only be narrowed by the umask, never
 * widened, so these hold whatever the umask is.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mailboxDir } from './channels/email/mailbox.js';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** chmod that ignores a file removed meanwhile. */
function setMode(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Creates `dir` (0700) when missing, and makes it 0700 when it exists. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  setMode(dir, PRIVATE_DIR_MODE);
}

/**
 * Before SQLite opens `path`: the file exists with mode 0600, and so do its
 * -wal and -shm files when present (they hold recent writes in clear).
 */
export function privateSqliteFiles(path: string): void {
  if (path === ':memory:' || path === '' || path.startsWith('file:')) return;
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  for (const f of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) if (existsSync(f)) setMode(f, PRIVATE_FILE_MODE);
}

/** At server start: the data dir 0700, the mailbox folder 0700 and its .eml files 0600. */
export function secureDataDir(dataDir: string): void {
  privateDir(dataDir);
  const mailbox = mailboxDir(dataDir);
  if (!existsSync(mailbox)) return;
  setMode(mailbox, PRIVATE_DIR_MODE);
  for (const name of readdirSync(mailbox)) if (name.endsWith('.eml') || name.endsWith('.tmp')) setMode(join(mailbox, name), PRIVATE_FILE_MODE);
}
