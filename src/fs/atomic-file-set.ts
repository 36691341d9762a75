/**
 * Replaces a whole set of files in a directory at once, the way Kubernetes' AtomicWriter updates
 * mounted secrets: each generation is written, fsynced, into its own hidden directory
 * (`..<time>_<random>`), then one symlink (`..data`) is renamed to point at it. The visible files
 * are symlinks through `..data`, so a reader or a crash sees either the previous complete set or
 * the new complete set, never a mix.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readlink, rename, rm, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory, writeNewFileDurably } from './fsync.js';

export const DATA_LINK = '..data';
const DATA_LINK_TEMP = '..data_tmp';
const GENERATION = /^\.\.\d{8}T\d{6}\.\d{3}Z_[0-9a-f]{8}$/;

function generationName(now: Date): string {
  return `..${now.toISOString().replaceAll('-', '').replaceAll(':', '')}_${randomBytes(4).toString('hex')}`;
}

async function readLinkOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await readlink(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EINVAL') return undefined;
    throw error;
  }
}

/** Points `name` at `target` atomically (a temp symlink renamed over it). */
async function pointSymlink(dir: string, name: string, target: string): Promise<void> {
  if ((await readLinkOrUndefined(join(dir, name))) === target) return;
  const temp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.link`);
  await symlink(target, temp);
  await rename(temp, join(dir, name));
}

export async function replaceFileSet(dir: string, files: ReadonlyMap<string, string | Uint8Array>, now: Date): Promise<void> {
  const previous = await readLinkOrUndefined(join(dir, DATA_LINK));
  const previousNames = previous === undefined ? [] : await readdir(join(dir, previous)).catch(() => []);

  // Generations a killed agent left behind are finished or abandoned; neither is in use.
  for (const entry of await readdir(dir)) {
    if ((GENERATION.test(entry) && entry !== previous) || entry === DATA_LINK_TEMP || /^\..*\.link$/.test(entry)) await rm(join(dir, entry), { recursive: true, force: true });
  }

  const generation = generationName(now);
  await mkdir(join(dir, generation), { mode: 0o700 });
  // Written side by side so the fsyncs overlap instead of queueing.
  await Promise.all([...files].map(([name, data]) => writeNewFileDurably(join(dir, generation, name), data, 0o600)));
  await fsyncDirectory(join(dir, generation));

  // Visible names first (dangling until the swap for names the previous set lacked), then the swap.
  await Promise.all([...files.keys()].map((name) => pointSymlink(dir, name, `${DATA_LINK}/${name}`)));
  await symlink(generation, join(dir, DATA_LINK_TEMP));
  await rename(join(dir, DATA_LINK_TEMP), join(dir, DATA_LINK));
  await fsyncDirectory(dir);

  for (const name of previousNames) {
    if (files.has(name)) continue;
    const stat = await lstat(join(dir, name)).catch(() => undefined);
    if (stat?.isSymbolicLink() === true) await unlink(join(dir, name));
  }
  if (previous !== undefined && GENERATION.test(previous)) await rm(join(dir, previous), { recursive: true, force: true });
}
