/**
 * Creates a directory and its missing parents, one level at a time. Not mkdir's recursive mode:
 * Node's loops forever when a level fails with ENOENT under a parent that exists, as it does under
 * /proc, so `--data-dir /proc/x` would spin instead of failing. Each level gets `mode`; one that
 * appears meanwhile (another process) is fine, and any other failure names its own level.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Whether `path` exists; something there that is not a directory fails as mkdir -p would (EEXIST). */
const existsAsDirectory = async (path: string): Promise<boolean> => {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
  if (info === undefined) return false;
  if (!info.isDirectory()) throw Object.assign(new Error(`EEXIST: not a directory, mkdir '${path}'`), { code: 'EEXIST', path });
  return true;
};

export async function makeDirectories(path: string, mode: number): Promise<void> {
  const missing: string[] = [];
  for (let current = path; dirname(current) !== current && !(await existsAsDirectory(current)); current = dirname(current)) missing.unshift(current);
  for (const level of missing) {
    try {
      await mkdir(level, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
