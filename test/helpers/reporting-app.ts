/** Runs test/fixtures/reporting-app.mjs: an app using the built library through its package export. */
import { fileURLToPath } from 'node:url';
import { cleanEnv, type RunResult } from './tbot-process.js';
import { spawn } from 'node:child_process';

export const REPORTING_APP = fileURLToPath(new URL('../fixtures/reporting-app.mjs', import.meta.url));

export type Step = ['answer', 'yes' | 'no'] | ['capture', number] | ['flood', number] | ['flush'] | ['close', Record<string, unknown>?] | ['id'] | ['sleep', number] | ['heap'];

export interface Plan {
  endpoint: string;
  service: 'batch' | 'single';
  appData?: string;
  batch?: { size?: number; intervalMs?: number; maxBuffered?: number; concurrency?: number };
  closeDeadlineMs?: number;
  startAt?: number;
  steps: Step[];
}

export interface AppResult {
  results: ({ step: string; ms: number } & Record<string, unknown>)[];
  stats: Record<string, number>;
  consent: string;
}

export interface AppRun extends RunResult {
  output: AppResult;
  /**
   * From the app's last output (written after its last step) to its exit: whether anything kept
   * it alive after it was done, measured without its start-up, which a busy machine stretches.
   */
  exitedAfterOutputMs: number;
}

export function runReportingApp(plan: Plan, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<AppRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, REPORTING_APP, JSON.stringify(plan)], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let lastOutputAt = started;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    lastOutputAt = performance.now();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`reporting app exited ${code ?? signal}:\n${stderr}`));
      const ended = performance.now();
      resolve({ code, signal, stdout, stderr, durationMs: ended - started, exitedAfterOutputMs: ended - lastOutputAt, output: JSON.parse(stdout) as AppResult });
    });
  });
}
