#!/usr/bin/env node
/**
 * The `tbot` bin (dist/tbot.cjs): prints a recorded answer when the command line has one (help,
 * --version, `version`: see stored-answers.ts), and otherwise loads the CLI's chunks from
 * dist/tbot/, starting with main.js.
 *
 * On Node 20 it compiles them with a V8 code cache kept under $XDG_CACHE_HOME/tbot or
 * ~/.cache/tbot (v8-code-cache/<install>/, 0700 directories, 0600 files), read on every run and
 * written only after a successful run that had none for a chunk or had one V8 turned down. A
 * cache that cannot be read or written is silently no cache; the output is the same either way.
 * On Node ≥ 22.1, which has a compile cache of its own (module.enableCompileCache), the launcher
 * turns that on (compile-cache.ts) and plainly requires the chunks: Node then caches each one.
 */
import { join } from 'node:path';
import { privateDirectory, tbotCacheDir } from '../cli-kit/cache-dir.js';
import { chunkLoader } from './chunk-loader.js';
import { codeCacheStore, type CodeCacheStore } from './code-cache.js';
import { enableCompileCache } from '../cli-kit/compile-cache.js';
import { INCOMPLETE_INSTALL_EXIT, incompleteInstallMessage, missingInstallFile } from '../cli-kit/install-error.js';
import { ANSWERS_DIRECTORY, recordedAnswer } from './stored-answers.js';

/** The hash of the build's chunks, baked in by build.mjs. */
declare const __TBOT_CHUNKS_HASH__: string;
/** The env vars a recorded command reads (stored-answers.ts envReadByRecordedCommands), baked in by build.mjs. */
declare const __TBOT_ANSWERS_ENV__: readonly string[];

const chunks = join(__dirname, 'tbot');
const main = join(chunks, 'main.js');

/** A short, stable name for this install, so two installs never overwrite each other's caches. */
function installName(path: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < path.length; index++) hash = Math.imul(hash ^ path.charCodeAt(index), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

function home(): string | undefined {
  const fromEnv = process.env['HOME'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    return (require('node:os') as typeof import('node:os')).homedir();
  } catch {
    return undefined;
  }
}

/** The directory levels from the base down to this install's own. */
function cacheLevels(): string[] | undefined {
  const base = tbotCacheDir(process.env, home());
  if (base === undefined) return undefined;
  const all = join(base, 'v8-code-cache');
  return [base, all, join(all, installName(chunks))];
}

/** Loads the CLI's entry chunk; an install without it is told so in a line (install-error.ts). */
function loadMain(load: () => unknown): void {
  try {
    load();
  } catch (error) {
    const missing = missingInstallFile(error);
    if (missing === undefined) throw error;
    process.stderr.write(incompleteInstallMessage('tbot', missing));
    process.exitCode = INCOMPLETE_INSTALL_EXIT;
  }
}

// Read from the version: compile-cache.ts looks for enableCompileCache only where it exists.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const answer = recordedAnswer(join(chunks, ANSWERS_DIRECTORY), process.argv.slice(2), process.env, __TBOT_ANSWERS_ENV__);
if (answer !== undefined) {
  process.stdout.write(answer);
} else if (major > 22 || (major === 22 && minor >= 1)) {
  // Node ≥ 22.1: its own compile cache covers chunks loaded by require after this call.
  enableCompileCache();
  loadMain(() => require(main));
} else {
  const uid = process.getuid?.();
  const levels = cacheLevels();
  // Reading checks each file (ours, writable by nobody else, its header naming this very chunk),
  // which is what makes a cache file safe to use wherever it sits; the directories are made
  // private (0700, ours) before anything is written into them.
  const store: CodeCacheStore | undefined = levels === undefined ? undefined : codeCacheStore(levels[levels.length - 1] as string, uid);
  const loader = chunkLoader(require, __TBOT_CHUNKS_HASH__, store);
  process.once('exit', (code) => {
    if (code !== 0 || store === undefined || levels === undefined) return;
    if (!levels.every((dir) => privateDirectory(dir, uid))) return;
    if (loader.saveCaches().length > 0) {
      let live: Set<string>;
      try {
        live = new Set((require('node:fs') as typeof import('node:fs')).readdirSync(chunks));
      } catch {
        // The install went away while this ran (an uninstall): nothing to prune against.
        return;
      }
      store.prune(live);
    }
  });
  loadMain(() => loader.load(main));
}
