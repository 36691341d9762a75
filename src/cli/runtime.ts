/** The real side effects, gathered at the edge so everything below the CLI can take them as parameters. */
import type { Env } from '../analytics/env.js';
import { MAX_CONFIG_BYTES } from '../config/types.js';
import { realPathOfExistingPrefix, type RealPath } from '../fs/real-path.js';
import { readRegularFile } from '../fs/read-regular-file.js';

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
}

export function processRuntime(): Runtime {
  return {
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    startedAt: new Date(performance.timeOrigin),
    // The global Web Crypto, so that commands which never need an id do not load node:crypto for one.
    randomUUID: () => globalThis.crypto.randomUUID(),
    random: Math.random,
    readFile: (path) => readRegularFile(path, MAX_CONFIG_BYTES),
    realPath: realPathOfExistingPrefix(),
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
  };
}
