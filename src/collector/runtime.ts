/** The collector's side effects, passed in at the edge like the agent's Runtime, so serve() runs in tests too. */
import type { Env } from '../analytics/env.js';

export interface CollectorRuntime {
  env: Env;
  now: () => Date;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /**
   * Aborted when the process is asked to stop. Only a command that runs until stopped asks for it,
   * so a long `report` still dies on Ctrl-C as any command does.
   */
  stopSignal(): AbortSignal;
}

export function processCollectorRuntime(): CollectorRuntime {
  let stop: AbortController | undefined;
  return {
    env: process.env,
    now: () => new Date(),
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stopSignal: () => {
      if (stop === undefined) {
        const controller = new AbortController();
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
        stop = controller;
      }
      return stop.signal;
    },
  };
}
