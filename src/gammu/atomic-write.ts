/**
 * The one way Kirim puts a file where gammu-smsd (or the seed's rsync) may
 * read it. gammu reads whatever it finds in its outbox at the moment it
 * looks: a half-written file is sent half-written, an empty one as an empty
 * SMS. Promises of {@link writeFileAtomic}:
 * - the file appears whole or not at all, under its final name, and is on
 *   disk (file and folder fsynced) when the promise resolves;
 * - an existing file of that name is never replaced (a message is never
 *   written twice): the write fails with EEXIST and the old file stays;
 * - the only other name it ever creates is `TEMP_PREFIX + name` in the same
 *   folder, which gammu skips (dot) and which a crash may leave behind.
 */
import { promises as fs, constants } from 'node:fs';
import { join } from 'node:path';

/** Prefix of temporary files (dot: gammu and rsync patterns skip them). */
export const TEMP_PREFIX = '.kirim-tmp-';

async function fsyncDir(dir: string): Promise<void> {
  const fd = await fs.open(dir, constants.O_RDONLY);
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}

/** Writes `dir/name` atomically: temp file in the same folder, fsync, link into place, fsync of the folder. */
export async function writeFileAtomic(dir: string, name: string, data: Buffer): Promise<void> {
  const tmp = join(dir, TEMP_PREFIX + name);
  const fd = await fs.open(tmp, 'w', 0o644);
  try {
    await fd.writeFile(data);
    await fd.sync();
  } finally {
    await fd.close();
  }
  const target = join(dir, name);
  // link() fails with EEXIST instead of replacing, unlike rename(); the temp
  // name is then removed. Both are atomic within one folder.
  try {
    await fs.link(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fs.rm(tmp, { force: true });
  await fsyncDir(dir);
}
