/** Spawns the built CLI (dist/tbot.cjs, the launcher of dist/tbot/) as a child process with a clean, explicit environment. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const TBOT_BUNDLE = fileURLToPath(new URL('../../dist/tbot.cjs', import.meta.url));
export const NET_SPY = fileURLToPath(new URL('../fixtures/net-spy.mjs', import.meta.url));
export const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Node flags before the bundle, e.g. ['--import', NET_SPY]. */
  nodeArgs?: string[];
  timeoutMs?: number;
  /** Another built bundle to run instead of dist/tbot.cjs (e.g. a copy, or the collector). */
  bundle?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /**
   * From the process's last output (stdout or stderr) to its exit: whether anything kept it alive
   * after its last word, measured without its start-up, which a busy machine stretches by seconds.
   */
  exitedAfterOutputMs: number;
}

/** Only PATH and what the test names: the host's DO_NOT_TRACK, HOME etc. must not leak into a test. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...extra };
}

export interface TbotChild {
  child: ChildProcess;
  result: Promise<RunResult>;
  /**
   * Resolves once stderr has matched `pattern`, with the match. Rejects when the process ends
   * without printing it, or after `timeoutMs` (by default the process's own deadline, so a slow
   * start on a loaded machine is not mistaken for a missing line).
   */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

export function spawnTbot(args: readonly string[], options: RunOptions = {}): TbotChild {
  const started = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.bundle ?? TBOT_BUNDLE, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (match: RegExpExecArray) => void; reject: (error: Error) => void }[] = [];
  let lastOutputAt = started;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    lastOutputAt = performance.now();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    lastOutputAt = performance.now();
    for (const waiter of waiters.splice(0)) {
      const match = waiter.pattern.exec(stderr);
      if (match !== null) waiter.resolve(match);
      else waiters.push(waiter);
    }
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      for (const waiter of waiters.splice(0)) waiter.reject(new Error(`the process ended (${signal ?? code}) and stderr never matched ${waiter.pattern}; got:\n${stderr}`));
      const ended = performance.now();
      resolve({ code, signal, stdout, stderr, durationMs: ended - started, exitedAfterOutputMs: ended - lastOutputAt });
    });
  });
  return {
    child,
    result,
    waitForStderr: (pattern, waitMs = timeoutMs) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const match = pattern.exec(stderr);
        if (match !== null) return resolve(match);
        const timer = setTimeout(() => reject(new Error(`stderr never matched ${pattern}; got:\n${stderr}`)), waitMs);
        waiters.push({
          pattern,
          resolve: (found) => {
            clearTimeout(timer);
            resolve(found);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
      }),
  };
}

export function runTbot(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return spawnTbot(args, options).result;
}
