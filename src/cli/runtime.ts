/** The real side effects, gathered at the edge so everything below the CLI can take them as parameters. */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Env } from '../analytics/env.js';

export interface Runtime {
  env: Env;
  cwd: string;
  now: () => Date;
  randomUUID: () => string;
  random: () => number;
  readFile: (path: string) => Promise<string>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export function processRuntime(): Runtime {
  return {
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    randomUUID,
    random: Math.random,
    readFile: (path) => readFile(path, 'utf8'),
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
  };
}
