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
import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { privateDirectory, tbotCacheDir } from './cache-dir.js';

export { tbotCacheDir };

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
