/** Whole-file replacement a crash cannot tear: temp file beside the target, fsync, rename, fsync the directory. */
import { randomBytes } from 'node:crypto';
import { lstat, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeFileType } from './describe-fs-error.js';
import { fsyncDirectory, writeNewFileDurably } from './fsync.js';
import { RefusedFileError } from './read-regular-file.js';

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeNewFileDurably(temp, data, mode);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(dir);
}

/**
 * writeFileAtomic for a file the program owns but a person may have replaced: what is at `path`
 * must be a regular file, or nothing. A FIFO, a symbolic link or a device put there is not ours to
 * replace (the rename would delete it), so it is refused with RefusedFileError and left as it is.
 */
export async function replaceRegularFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const found = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (found !== undefined && !found.isFile()) throw new RefusedFileError(`${describeFileType(found)}, not a regular file; left as it is`);
  await writeFileAtomic(path, data, mode);
}
