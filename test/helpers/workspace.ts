/** A throwaway working directory per test, so relative destinations and files never collide. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Workspace {
  dir: string;
  write(name: string, text: string): Promise<string>;
  remove(): Promise<void>;
}

export async function makeWorkspace(prefix = 'tbot-test-'): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    dir,
    write: async (name, text) => {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    },
    // Retried: a browser's helper processes can still be writing its profile inside for a moment
    // after the browser itself has exited (ENOTEMPTY in a fresh-clone run).
    remove: () => rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }),
  };
}
