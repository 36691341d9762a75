/**
 * Creates a directory (and missing parents), and when something else is in the way says what it
 * is and where, instead of a bare EEXIST or ENOTDIR.
 */
import { lstat, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describeFileType } from './describe-fs-error.js';
import { makeDirectories } from './make-directories.js';

/** `path` (the wanted directory or one of its parents) exists and is not a directory. */
export class NotADirectoryError extends Error {
  override name = 'NotADirectoryError';
  constructor(
    readonly path: string,
    /** What is there instead, e.g. "a regular file". */
    readonly found: string,
  ) {
    super(`${path} is ${found}, not a directory`);
  }
}

/** The first of `path` and its ancestors, from the root down, that exists but is not a directory. */
export async function findNonDirectory(path: string): Promise<NotADirectoryError | undefined> {
  const chain: string[] = [];
  for (let current = path; ; current = dirname(current)) {
    chain.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const candidate of chain) {
    const info = await stat(candidate).catch(() => undefined);
    if (info === undefined) {
      // Missing is fine (it gets created); a symlink to nowhere is not.
      const link = await lstat(candidate).catch(() => undefined);
      return link?.isSymbolicLink() === true ? new NotADirectoryError(candidate, 'a symbolic link to a missing target') : undefined;
    }
    if (!info.isDirectory()) return new NotADirectoryError(candidate, describeFileType(info));
  }
  return undefined;
}

export async function ensureDirectory(path: string, mode: number): Promise<void> {
  try {
    await makeDirectories(path, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw (await findNonDirectory(path)) ?? error;
    throw error;
  }
}
