/**
 * The agent's lifecycle. One-shot: every output renewed once, side by side, then a bounded wait for
 * analytics, then exit. Continuous: each output on its own schedule, as in tbot: renewed now, then
 * every renewal_interval of its own (less a small random jitter) until the stop signal; after a
 * failure that output alone retries with capped exponential backoff, and warns while its current
 * credentials are within 10% of expiry. Analytics runs beside the work and never decides the exit code.
 */
import { ONE_SHOT_GRACE_MS, type AnalyticsSession } from '../analytics/session-handle.js';
import { formatDuration } from '../config/duration.js';
import type { BotConfig } from '../config/types.js';
import { TbotError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { backoffDelayMs } from '../time/backoff.js';
import { sleep as realSleep } from '../time/sleep.js';
import type { OutputTask } from './output-task.js';
import { OutputStatusBoard } from './output-status.js';

export interface AgentDeps {
  tasks: readonly OutputTask[];
  analytics: AnalyticsSession;
  logger: Logger;
  now: () => Date;
  /** Uniform in [0, 1); drives the jitter. */
  random: () => number;
  /** Receives every renewal's outcome (the diagnostics listener reads it). */
  board?: OutputStatusBoard;
  /** Waits; resolves false when `signal` aborts first. Long-wait safe (see time/sleep.ts). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<boolean>;
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

type Outcome = { ok: true; expiresAt?: Date } | { ok: false };

async function renewOnce(task: OutputTask, deps: AgentDeps, board: OutputStatusBoard, stop: AbortSignal): Promise<Outcome> {
  const started = deps.now();
  try {
    const renewal = await task.renew({ now: started, signal: stop });
    if (renewal === undefined) {
      deps.logger.warn('renewal stopped early by a signal; the output keeps its previous credentials', { output: task.name });
      return { ok: true };
    }
    board.renewed(task.name, deps.now(), renewal.expiresAt);
    deps.logger.info('renewal cycle complete', { output: task.name, took_ms: deps.now().getTime() - started.getTime(), expires_at: renewal.expiresAt.toISOString() });
    return { ok: true, expiresAt: renewal.expiresAt };
  } catch (error) {
    if (!(error instanceof TbotError)) throw error;
    board.failed(task.name, deps.now(), error.message);
    deps.logger.error(error.message, { output: task.name });
    return { ok: false };
  }
}

/** One output's schedule: its own timer, its own backoff, its own expiry warnings. */
async function runSchedule(task: OutputTask, deps: AgentDeps, board: OutputStatusBoard, stop: AbortSignal): Promise<void> {
  const sleep = deps.sleep ?? realSleep;
  const { renewalIntervalMs } = task.lifetime;
  let expiresAt: Date | undefined;
  let failures = 0;
  while (!stop.aborted) {
    const outcome = await renewOnce(task, deps, board, stop);
    let waitMs: number;
    if (outcome.ok) {
      failures = 0;
      expiresAt = outcome.expiresAt ?? expiresAt;
      waitMs = jitteredIntervalMs(renewalIntervalMs, deps.random());
    } else {
      failures += 1;
      waitMs = retryDelayMs(failures, renewalIntervalMs);
      deps.logger.warn(`renewal attempt ${failures} failed; retrying in ${formatDuration(waitMs)}`, { output: task.name });
      warnIfExpiring(task, deps, expiresAt);
    }
    // sleep() chains timers, so an interval past Node's 2^31-1 ms timer limit still waits in full.
    await sleep(waitMs, stop);
  }
}

export async function runAgent(config: BotConfig, deps: AgentDeps, stop: AbortSignal): Promise<number> {
  const board = deps.board ?? new OutputStatusBoard(deps.tasks);
  // Each output's effective lifetime (its own pair, or the top-level one), for whoever debugs a schedule.
  for (const task of deps.tasks) {
    deps.logger.debug('output schedule', {
      output: task.name,
      credential_ttl: formatDuration(task.lifetime.credentialTtlMs),
      ...(config.oneshot ? {} : { renewal_interval: formatDuration(task.lifetime.renewalIntervalMs) }),
    });
  }
  if (config.oneshot) {
    const outcomes = await Promise.all(deps.tasks.map((task) => renewOnce(task, deps, board, stop)));
    await deps.analytics.drain(ONE_SHOT_GRACE_MS, stop);
    return outcomes.every((outcome) => outcome.ok) ? EXIT_OK : EXIT_RENEWAL_FAILED;
  }

  deps.logger.info('running continuously', { outputs: deps.tasks.length, renewal_interval: formatDuration(config.renewalIntervalMs) });
  try {
    // With nothing to renew the agent still runs (and serves diagnostics) until it is stopped.
    await Promise.all(deps.tasks.length === 0 ? [(deps.sleep ?? realSleep)(Infinity, stop)] : deps.tasks.map((task) => runSchedule(task, deps, board, stop)));
  } finally {
    deps.analytics.abort();
  }
  deps.logger.info('stopped by signal');
  return EXIT_OK;
}

function warnIfExpiring(task: OutputTask, deps: AgentDeps, expiresAt: Date | undefined): void {
  if (expiresAt === undefined) {
    deps.logger.warn('no valid credentials have been issued yet', { output: task.name });
    return;
  }
  const leftMs = expiresAt.getTime() - deps.now().getTime();
  if (leftMs <= 0) deps.logger.warn('credentials have expired', { output: task.name, expired_at: expiresAt.toISOString() });
  else if (leftMs <= task.lifetime.credentialTtlMs * EXPIRY_WARNING_FRACTION) {
    deps.logger.warn('credentials expire soon', { output: task.name, expires_at: expiresAt.toISOString(), left: formatDuration(Math.max(1, Math.round(leftMs / 1000)) * 1000) });
  }
}
