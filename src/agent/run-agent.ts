/**
 * The agent's lifecycle. One-shot: one cycle, then a bounded wait for analytics, then exit.
 * Continuous: a cycle now, then every renewal_interval (less a small random jitter) until the stop
 * signal; after a failure, retries with capped exponential backoff, and warns while the current
 * credentials are within 10% of expiry. Analytics runs beside the work and never decides the exit code.
 */
import type { AnalyticsSession } from '../analytics/session.js';
import { ONE_SHOT_GRACE_MS } from '../analytics/session.js';
import { formatDuration } from '../config/duration.js';
import type { BotConfig } from '../config/types.js';
import { TbotError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { backoffDelayMs } from '../time/backoff.js';
import { sleep } from '../time/sleep.js';
import type { RenewalCycle } from './renewal-cycle.js';

export interface AgentDeps {
  cycle: RenewalCycle;
  analytics: AnalyticsSession;
  logger: Logger;
  now: () => Date;
  /** Uniform in [0, 1); drives the jitter. */
  random: () => number;
}

export const EXIT_OK = 0;
export const EXIT_RENEWAL_FAILED = 1;

/** Renewals start up to this fraction early, so a fleet started together spreads out. */
export const JITTER_FRACTION = 0.1;
export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 5 * 60_000;
/** Warn when less than this fraction of the credential lifetime is left. */
export const EXPIRY_WARNING_FRACTION = 0.1;

/** Delay before retry number `attempt` (1-based): 1 s, 2 s, 4 s … capped by MAX_RETRY_MS and the renewal interval. */
export function retryDelayMs(attempt: number, renewalIntervalMs: number): number {
  return Math.min(backoffDelayMs(attempt, { firstMs: FIRST_RETRY_MS, maxMs: MAX_RETRY_MS }), renewalIntervalMs);
}

export function jitteredIntervalMs(renewalIntervalMs: number, random: number): number {
  return Math.round(renewalIntervalMs * (1 - JITTER_FRACTION * random));
}

type CycleOutcome = { ok: true; expiresAt: Date } | { ok: false };

async function renewOnce(deps: AgentDeps, stop: AbortSignal): Promise<CycleOutcome> {
  const started = deps.now();
  try {
    const report = await deps.cycle.renew({ now: started, signal: stop });
    for (const output of report.outputs) deps.logger.debug('renewed output', { kind: output.kind, destination: output.destination });
    if (report.interrupted) {
      deps.logger.warn('renewal stopped early by a signal; outputs not reached keep their previous credentials', { renewed: report.outputs.length });
    } else {
      deps.logger.info('renewal cycle complete', { outputs: report.outputs.length, took_ms: deps.now().getTime() - started.getTime(), expires_at: report.expiresAt.toISOString() });
    }
    return { ok: true, expiresAt: report.expiresAt };
  } catch (error) {
    if (!(error instanceof TbotError)) throw error;
    deps.logger.error(error.message);
    return { ok: false };
  }
}

export async function runAgent(config: BotConfig, deps: AgentDeps, stop: AbortSignal): Promise<number> {
  if (config.oneshot) {
    const outcome = await renewOnce(deps, stop);
    await deps.analytics.drain(ONE_SHOT_GRACE_MS, stop);
    return outcome.ok ? EXIT_OK : EXIT_RENEWAL_FAILED;
  }

  deps.logger.info('running continuously', { renewal_interval: formatDuration(config.renewalIntervalMs) });
  let expiresAt: Date | undefined;
  let failures = 0;
  try {
    while (!stop.aborted) {
      const outcome = await renewOnce(deps, stop);
      let waitMs: number;
      if (outcome.ok) {
        failures = 0;
        expiresAt = outcome.expiresAt;
        waitMs = jitteredIntervalMs(config.renewalIntervalMs, deps.random());
      } else {
        failures += 1;
        waitMs = retryDelayMs(failures, config.renewalIntervalMs);
        deps.logger.warn(`renewal attempt ${failures} failed; retrying in ${formatDuration(waitMs)}`);
        warnIfExpiring(deps, config, expiresAt);
      }
      // sleep() chains timers, so an interval past Node's 2^31-1 ms timer limit still waits in full.
      await sleep(waitMs, stop);
    }
  } finally {
    deps.analytics.abort();
  }
  deps.logger.info('stopped by signal');
  return EXIT_OK;
}

function warnIfExpiring(deps: AgentDeps, config: BotConfig, expiresAt: Date | undefined): void {
  if (expiresAt === undefined) {
    deps.logger.warn('no valid credentials have been issued yet');
    return;
  }
  const leftMs = expiresAt.getTime() - deps.now().getTime();
  if (leftMs <= 0) deps.logger.warn('credentials have expired', { expired_at: expiresAt.toISOString() });
  else if (leftMs <= config.credentialTtlMs * EXPIRY_WARNING_FRACTION) deps.logger.warn('credentials expire soon', { expires_at: expiresAt.toISOString(), left: formatDuration(Math.max(1, Math.round(leftMs / 1000)) * 1000) });
}
