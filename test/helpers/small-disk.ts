/**
 * A small tmpfs mounted for a test, to fill a disk for real (ENOSPC) and then give it room again.
 * Mounting needs root or CAP_SYS_ADMIN: without it, `mounted` is false and the reason is printed
 * loudly, so that the test that needs it is skipped in the open, never silently.
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';

export interface SmallDisk {
  mounted: boolean;
  /** Gives the disk `size` (mount's spelling: 1m) of room. */
  grow(size: string): void;
  unmount(): void;
}

export async function mountSmallDisk(dir: string, size: string, what: string): Promise<SmallDisk> {
  await mkdir(dir, { recursive: true });
  let mounted = false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    mounted = true;
  } catch (error) {
    // Only a system without mount rights (not root, no CAP_SYS_ADMIN) ends up here.
    process.stderr.write(`\n*** SKIPPING ${what}: cannot mount a tmpfs here: ${(error as { stderr?: Buffer }).stderr?.toString().trim() ?? error} ***\n\n`);
  }
  return {
    mounted,
    grow: (room) => execFileSync('mount', ['-o', `remount,size=${room}`, dir]),
    unmount: () => {
      if (mounted) execFileSync('umount', ['-l', dir]);
    },
  };
}
