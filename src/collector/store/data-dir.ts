/**
 * The data directory is the store's trust boundary: whoever can write to it can plant a symlink
 * under a segment's name, or replace the forward cursor. So the collector refuses to run on a
 * directory that is a symlink or that group or others may write to, and creates a missing one
 * 0700. (Segments themselves are opened O_NOFOLLOW; see segments.ts.)
 */
import { chmod, lstat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TbotError } from '../../errors.js';
import { makeDirectories } from '../../fs/make-directories.js';

/** The data directory is unusable as given; nothing was written. */
export class DataDirError extends TbotError {
  readonly exitCode = 1;
  override name = 'DataDirError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`data directory ${path}: ${reason}`);
  }
}

export async function prepareDataDir(dir: string): Promise<void> {
  // resolve() drops a trailing slash, which would make lstat look through a symlink.
  const path = resolve(dir);
  let stats = await lstat(path).catch((error: NodeJS.ErrnoException) =>
    error.code === 'ENOENT' ? undefined : Promise.reject(new DataDirError(dir, `cannot inspect it: ${error.code ?? error.message}`)),
  );
  if (stats === undefined) {
    await makeDirectories(path, 0o700).catch((error: NodeJS.ErrnoException) => Promise.reject(new DataDirError(dir, `cannot create it: ${error.code ?? error.message}`)));
    // The umask may have narrowed the mode, never widened it; set it exactly anyway.
    await chmod(path, 0o700);
    stats = await lstat(path);
  }
  if (stats.isSymbolicLink()) throw new DataDirError(dir, 'is a symbolic link; give the real directory instead');
  if (!stats.isDirectory()) throw new DataDirError(dir, 'is not a directory');
  const mode = stats.mode & 0o777;
  if ((mode & 0o022) !== 0) {
    throw new DataDirError(
      dir,
      `is writable by ${(mode & 0o020) !== 0 ? 'its group' : ''}${(mode & 0o022) === 0o022 ? ' and ' : ''}${(mode & 0o002) !== 0 ? 'others' : ''} (mode ${mode.toString(8).padStart(4, '0')}); run chmod go-w on it, or use a directory only the collector's user can write`,
    );
  }
}
