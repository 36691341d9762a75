/**
 * Creates a directory and its missing parents, one level at a time. Not mkdir's recursive mode:
 * Node's loops forever when a level fails with ENOENT under a parent that exists, as it does under
 * /proc, so `--data-dir /proc/x` would spin instead of failing. Each level gets `mode`; one that
 * appears meanwhile (another process) is fine, and any other failure names its own level.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

const exists = async (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error)),
  );

export async function makeDirectories(path: string, mode: number): Promise<void> {
  const missing: string[] = [];
  for (let current = path; dirname(current) !== current && !(await exists(current)); current = dirname(current)) missing.unshift(current);
  for (const level of missing) {
    try {
      await mkdir(level, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
