/**
 * The real path of a directory that may not exist yet: symlinks are resolved in the longest prefix
 * that does exist, and the missing rest is appended as written. Two paths that reach one directory
 * through a symlink thus compare equal before either is created.
 */
import { realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export type RealPath = (absolutePath: string) => Promise<string>;

export function realPathOfExistingPrefix(resolveReal: RealPath = realpath): RealPath {
  const walk = async (path: string): Promise<string> => {
    try {
      return await resolveReal(path);
    } catch {
      // Missing, not a directory, or not searchable: the nearest ancestor that resolves decides.
      const parent = dirname(path);
      return parent === path ? path : join(await walk(parent), basename(path));
    }
  };
  return walk;
}
