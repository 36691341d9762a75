/**
 * Node's module compile cache (Node ≥ 22.1), kept under $XDG_CACHE_HOME/tbot or ~/.cache/tbot.
 *
 * Node caches V8's compiled code for modules compiled after the call, never for the module already
 * running it: what this saves is the compile of code the CLI loads later (chunks it imports on
 * demand, or the bundle itself when something loads it after calling this). Node serializes each
 * module's code right after compiling it, so the cache holds its top level and little of the
 * functions called later.
 *
 * A cache is an optimization: anything unusual (no home, a read-only or shared directory, an old
 * Node, the user's own NODE_COMPILE_CACHE or NODE_DISABLE_COMPILE_CACHE) means no cache, silently.
 */
import { accessSync, constants, existsSync, lstatSync, mkdirSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

/** What Node ≥ 22.1 adds to node:module, and @types/node 20 does not declare. */
interface CompileCacheApi {
  enableCompileCache?: (directory: string) => { status: number };
  constants?: { compileCacheStatus?: { ENABLED: number; ALREADY_ENABLED: number } };
}

export interface CompileCacheDeps {
  env: Readonly<Record<string, string | undefined>>;
  /** The home directory, or undefined when there is none to be found. */
  home: () => string | undefined;
  /** This process's uid; undefined where there is none (Windows), and ownership goes unchecked. */
  uid: number | undefined;
  /** Node's switch: true when the cache is on (now or already). Undefined where Node has none. */
  enable: ((directory: string) => boolean) | undefined;
}

/** $XDG_CACHE_HOME/tbot when that is an absolute path (as the XDG spec requires), else ~/.cache/tbot. */
export function tbotCacheDir(env: CompileCacheDeps['env'], home: string | undefined): string | undefined {
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'tbot');
  return home === undefined || !isAbsolute(home) ? undefined : join(home, '.cache', 'tbot');
}

/**
 * Creates `dir` and its missing parents, 0700, one level at a time. Not mkdirSync's recursive mode:
 * Node's loops forever when mkdir fails with ENOENT under a parent that exists, as it does in /proc.
 */
function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let current = dir; !existsSync(current) && dirname(current) !== current; current = dirname(current)) missing.unshift(current);
  for (const path of missing) {
    try {
      mkdirSync(path, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * Creates `dir` (0700) if missing, then trusts it only if it is a directory itself (not a symlink),
 * ours, shut to everyone else, and writable. A directory someone else can write could feed us
 * compiled code; one we cannot write to is no use. Node then only creates its own subdirectory in
 * a directory known to work (asked to create the whole path, Node 22 and 24 hang under /proc).
 */
function privateDirectory(dir: string, uid: number | undefined): boolean {
  try {
    makeDirectories(dir);
    const info = lstatSync(dir);
    if (!info.isDirectory() || (uid !== undefined && (info.uid !== uid || (info.mode & 0o077) !== 0))) return false;
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function processCompileCacheDeps(): CompileCacheDeps {
  const api = nodeModule as unknown as CompileCacheApi;
  const native = api.enableCompileCache;
  const statuses = api.constants?.compileCacheStatus;
  return {
    env: process.env,
    home: () => {
      try {
        return homedir();
      } catch {
        return undefined;
      }
    },
    uid: process.getuid?.(),
    enable:
      typeof native === 'function' && statuses !== undefined
        ? (directory) => {
            // ALREADY_ENABLED: something earlier in this process (e.g. a launcher) turned it on.
            const { status } = native(directory);
            return status === statuses.ENABLED || status === statuses.ALREADY_ENABLED;
          }
        : undefined,
  };
}

/** Turns the cache on; returns the directory handed to Node, or undefined when it stays off. */
export function enableCompileCache(deps: CompileCacheDeps = processCompileCacheDeps()): string | undefined {
  const { env, enable } = deps;
  if (enable === undefined) return undefined;
  // The user's own choice, either way, wins; Node itself already acted on it at start-up.
  if ((env['NODE_DISABLE_COMPILE_CACHE'] ?? '') !== '' || (env['NODE_COMPILE_CACHE'] ?? '') !== '') return undefined;
  const base = tbotCacheDir(env, deps.home());
  if (base === undefined) return undefined;
  const directory = join(base, 'node-compile-cache');
  if (!privateDirectory(base, deps.uid) || !privateDirectory(directory, deps.uid)) return undefined;
  try {
    return enable(directory) ? directory : undefined;
  } catch {
    return undefined;
  }
}
