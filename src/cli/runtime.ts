/**
 * The real side effects, gathered at the edge so everything below the CLI can take them as
 * parameters. Built before the command is known, so nothing here loads a module (node:fs/promises,
 * perf_hooks) until a command uses it: `tbot version` uses none.
 */
import type { Env } from '../analytics/env.js';
import type { RealPath } from '../fs/real-path.js';

export interface Runtime {
  env: Env;
  cwd: string;
  now: () => Date;
  /** When this process started (the metrics' process_start_time_seconds). */
  startedAt: Date;
  randomUUID: () => string;
  random: () => number;
  /** Reads the config file: a regular file, bounded in size, never blocking on a FIFO or device. */
  readFile: (path: string) => Promise<string>;
  realPath: RealPath;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The command line that runs this tbot again (node, then the bundle): what a kubeconfig's exec plugin and a systemd unit call. */
  self: readonly string[];
}

export function processRuntime(): Runtime {
  return {
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    get startedAt() {
      return new Date(performance.timeOrigin);
    },
    // The global Web Crypto, so that commands which never need an id do not load node:crypto for one.
    randomUUID: () => globalThis.crypto.randomUUID(),
    random: Math.random,
    readFile: async (path) => {
      const [{ readRegularFile }, { MAX_CONFIG_BYTES }] = await Promise.all([import('../fs/read-regular-file.js'), import('../config/types.js')]);
      return readRegularFile(path, MAX_CONFIG_BYTES);
    },
    realPath: async (path) => (await import('../fs/real-path.js')).realPathOfExistingPrefix()(path),
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    self: [process.execPath, ...(process.argv[1] === undefined ? [] : [process.argv[1]])],
  };
}
