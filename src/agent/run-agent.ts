/**
 * The agent's lifecycle. One-shot: one cycle, then a bounded wait for analytics, then exit.
 * Continuous: a cycle now and every renewal_interval after, until the stop signal.
 * Analytics runs beside the work and never decides the exit code.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { AnalyticsSession } from '../analytics/session.js';
import { ONE_SHOT_GRACE_MS } from '../analytics/session.js';
import { formatDuration } from '../config/duration.js';
import type { BotConfig } from '../config/types.js';
import { RenewalError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { RenewalCycle } from './renewal-cycle.js';

export interface AgentDeps {
  cycle: RenewalCycle;
  analytics: AnalyticsSession;
  logger: Logger;
  now: () => Date;
}

export const EXIT_OK = 0;
export const EXIT_RENEWAL_FAILED = 1;

async function renewOnce(deps: AgentDeps, stop: AbortSignal): Promise<boolean> {
  const started = deps.now();
  try {
    const report = await deps.cycle.renew({ now: started, signal: stop });
    for (const output of report.outputs) deps.logger.debug('renewed output', { kind: output.kind, destination: output.destination });
    if (report.interrupted) {
      deps.logger.warn('renewal stopped early by a signal; outputs not reached keep their previous contents', { renewed: report.outputs.length });
    } else {
      deps.logger.info('renewal cycle complete', { outputs: report.outputs.length, took_ms: deps.now().getTime() - started.getTime() });
    }
    return true;
  } catch (error) {
    if (!(error instanceof RenewalError)) throw error;
    deps.logger.error(error.message);
    return false;
  }
}

export async function runAgent(config: BotConfig, deps: AgentDeps, stop: AbortSignal): Promise<number> {
  if (config.oneshot) {
    const ok = await renewOnce(deps, stop);
    await deps.analytics.drain(ONE_SHOT_GRACE_MS, stop);
    return ok ? EXIT_OK : EXIT_RENEWAL_FAILED;
  }

  deps.logger.info('running continuously', { renewal_interval: formatDuration(config.renewalIntervalMs) });
  try {
    while (!stop.aborted) {
      await renewOnce(deps, stop);
      await delay(config.renewalIntervalMs, undefined, { signal: stop }).catch(() => undefined);
    }
  } finally {
    deps.analytics.abort();
  }
  deps.logger.info('stopped by signal');
  return EXIT_OK;
}
