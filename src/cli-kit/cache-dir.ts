/**
 * Where the CLIs keep caches: $XDG_CACHE_HOME/tbot, else ~/.cache/tbot. A cache directory is only
 * trusted when it is a real directory (not a symlink), ours, and shut to everyone else: anyone who
 * could write there could hand us compiled code. Directories are created 0700.
 */
import { accessSync, constants, existsSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

/** $XDG_CACHE_HOME/tbot when that is an absolute path (as the XDG spec requires), else ~/.cache/tbot; undefined without a usable home. */
export function tbotCacheDir(env: Readonly<Record<string, string | undefined>>, home: string | undefined): string | undefined {
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'tbot');
  return home === undefined || !isAbsolute(home) ? undefined : join(home, '.cache', 'tbot');
}

/** A directory we may read cached code from: a directory itself, ours, with no group or other access. */
function isPrivateDirectory(dir: string, uid: number | undefined): boolean {
  try {
    const info = lstatSync(dir);
    return info.isDirectory() && (uid === undefined || (info.uid === uid && (info.mode & 0o077) === 0));
  } catch {
    return false;
  }
}

/**
 * May we add a level to this existing directory? Only to our own, or to root's (/tmp, /var/cache).
 * Never to another user's: root with a user's HOME (sudo -E, or a sudo that keeps HOME) would
 * otherwise leave a root-owned, 0700 ~/.cache or ~/.cache/tbot there, which the user can neither
 * write to nor remove, and which turns off the user's own cache (and other programs' ~/.cache).
 */
function mayCreateIn(parent: string, uid: number | undefined): boolean {
  if (uid === undefined) return true;
  const owner = statSync(parent).uid;
  return owner === uid || owner === 0;
}

/**
 * Creates `dir` and its missing parents (0700), one level at a time rather than with mkdirSync's
 * recursive mode, which Node loops on forever when a parent exists but refuses children (/proc),
 * and only inside a directory of ours or root's (mayCreateIn). Then true only if the directory is
 * private (isPrivateDirectory) and writable.
 */
export function privateDirectory(dir: string, uid: number | undefined): boolean {
  try {
    const missing: string[] = [];
    for (let current = dir; !existsSync(current) && dirname(current) !== current; current = dirname(current)) missing.unshift(current);
    if (missing.length > 0 && !mayCreateIn(dirname(missing[0] as string), uid)) return false;
    for (const path of missing) {
      try {
        mkdirSync(path, { mode: 0o700 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    if (!isPrivateDirectory(dir, uid)) return false;
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
