/**
 * A small file that is created once and then only read, even when several processes reach for it
 * at the same moment. Each one writes its own candidate to a private temp file and hard-links it
 * to the final name: link(2) never replaces an existing name, so exactly one candidate wins, and
 * every process (winners and losers alike) then uses the winner's bytes. A reader never sees a
 * partial file, because a candidate is complete and fsynced before it gets the name.
 */
import { randomBytes } from 'node:crypto';
import { link, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncDirectory, writeNewFileDurably } from '../fs/fsync.js';
import { makeDirectories } from '../fs/make-directories.js';
import { FileTooLargeError, readRegularFileBytes, RefusedFileError } from '../fs/read-regular-file.js';

export interface CreatedOnce {
  bytes: Buffer;
  /** True when this call's candidate won. */
  created: boolean;
}

/**
 * These files hold an id or a key: a few dozen bytes. Anything larger is damaged content, and is
 * never read whole.
 */
export const MAX_CREATED_ONCE_BYTES = 4096;

/** Something at the path that is not a regular file (a FIFO, a device, a directory): never read, moved or replaced. */
export class NotARegularFileError extends Error {
  override name = 'NotARegularFileError';
}

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** The file's bytes; undefined when there is none; 'oversized' for a regular file over the cap. */
async function readIfPresent(path: string): Promise<Buffer | undefined | 'oversized'> {
  try {
    // Non-blocking and regular files only: a FIFO or a link to /dev/zero must not hang or fill memory.
    return await readRegularFileBytes(path, MAX_CREATED_ONCE_BYTES);
  } catch (error) {
    if (isMissing(error)) return undefined;
    if (error instanceof FileTooLargeError) return 'oversized';
    if (error instanceof RefusedFileError) throw new NotARegularFileError(`${path}: it is ${error.message}; move it away to let a new one be created`);
    throw error;
  }
}

/**
 * Returns the file's bytes if they pass `accept`, otherwise creates it from `candidate()`. A file
 * that exists but fails `accept` (damaged) is moved aside as `<name>.invalid-<random>`, not
 * deleted, and replaced by the same link race.
 */
export async function readOrCreateOnce(path: string, candidate: () => Uint8Array, accept: (bytes: Buffer) => boolean): Promise<CreatedOnce> {
  const dir = dirname(path);
  await makeDirectories(dir, 0o700);
  // Two rounds cover losing the race to a process whose file is then found damaged; more would mean
  // something keeps writing garbage there, which is an error worth surfacing.
  for (let round = 0; round < 3; round += 1) {
    const existing = await readIfPresent(path);
    if (existing !== undefined) {
      if (existing !== 'oversized' && accept(existing)) return { bytes: existing, created: false };
      await rename(path, `${path}.invalid-${randomBytes(4).toString('hex')}`).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    }
    const bytes = Buffer.from(candidate());
    const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    await writeNewFileDurably(temp, bytes, 0o600);
    let won = false;
    try {
      await link(temp, path);
      won = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    if (won) {
      await fsyncDirectory(dir);
      return { bytes, created: true };
    }
  }
  throw new Error(`${path}: could not be created or read as a valid file`);
}
