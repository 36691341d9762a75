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
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
