/**
 * Loads the CLI's CommonJS chunks the way Node's own loader would (the same function wrapper,
 * one module object per file, relative requires between chunks, Node's require for built-ins,
 * MODULE_NOT_FOUND for a chunk file that is not there),
 * but compiles each with vm.Script so V8 can be handed a code cache and asked for one. After a
 * successful run, a chunk that had no cache, or whose cache V8 turned down, has its cache written:
 * by then it holds every function the run compiled, not just the top level.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Script } from 'node:vm';
import { cacheKey, type CodeCacheStore } from './code-cache.js';
import { moduleNotFound } from '../cli-kit/install-error.js';

interface Pending {
  chunk: string;
  key: string;
  script: Script;
}

export interface ChunkLoader {
  /** Loads (once) and returns the exports of the chunk at this absolute path. */
  load(file: string): unknown;
  /** Writes the caches this run should (see above); returns the chunk names written. */
  saveCaches(): string[];
}

type ModuleFunction = (exports: unknown, require: (specifier: string) => unknown, module: { exports: unknown }, filename: string, dirname: string) => void;

/** `nodeRequire` resolves what is not a chunk (node: built-ins). `store` undefined: compile without a cache. */
export function chunkLoader(nodeRequire: (specifier: string) => unknown, build: string, store: CodeCacheStore | undefined): ChunkLoader {
  const modules = new Map<string, { exports: unknown }>();
  const pending: Pending[] = [];

  function load(file: string): unknown {
    const loaded = modules.get(file);
    if (loaded !== undefined) return loaded.exports;
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (error) {
      throw (error as NodeJS.ErrnoException).code === 'ENOENT' ? moduleNotFound(file, error) : error;
    }
    let source: string;
    let key: string;
    try {
      key = cacheKey(build, fstatSync(fd));
      source = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
    const chunk = basename(file);
    const cachedData = store?.read(chunk, key);
    // Node's CommonJS wrapper, on the first line so that line numbers stay the file's own.
    const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
      filename: file,
      ...(cachedData === undefined ? {} : { cachedData }),
    });
    if (store !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) pending.push({ chunk, key, script });
    const module = { exports: {} };
    modules.set(file, module);
    const directory = dirname(file);
    const requireFromChunk = (specifier: string): unknown => {
      // Chunks name each other `./<file>` (the same directory), which needs no path.resolve.
      if (specifier.startsWith('./') && !specifier.includes('/', 2)) return load(`${directory}/${specifier.slice(2)}`);
      return specifier.startsWith('../') || specifier.startsWith('./') ? load(resolve(directory, specifier)) : nodeRequire(specifier);
    };
    (script.runInThisContext() as ModuleFunction)(module.exports, requireFromChunk, module, file, directory);
    return module.exports;
  }

  return {
    load,
    saveCaches() {
      if (store === undefined) return [];
      return pending.filter(({ chunk, key, script }) => store.write(chunk, key, script.createCachedData())).map(({ chunk }) => chunk);
    },
  };
}
