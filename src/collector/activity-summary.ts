/**
 * The line `serve` logs every minute while events arrive: what the ingest and the forwarder did
 * since the last line, read from the same counters as GET /metrics (metrics.ts), so the line and
 * the metrics never disagree. A minute in which nothing happened logs nothing.
 */
import { formatDuration } from '../config/duration.js';
import type { LogFields, Logger } from '../log/logger.js';
import { realTimers, type TimerHost } from '../time/timer.js';
import type { CollectorMetrics, RejectReason } from './metrics.js';

export const DEFAULT_SUMMARY_INTERVAL_MS = 60_000;
/** Shorter is a test's; longer than an hour is no longer a summary an operator watches. */
export const MIN_SUMMARY_INTERVAL_MS = 100;
export const MAX_SUMMARY_INTERVAL_MS = 3_600_000;

/** The counters the line reports, as they stand at one moment. */
export interface ActivityCounts {
  requests: number;
  accepted: number;
  rejected: ReadonlyMap<RejectReason, number>;
  forwarded: number;
  deadLettered: number;
}

export function activityCounts(metrics: CollectorMetrics): ActivityCounts {
  let deadLettered = 0;
  for (const count of metrics.deadLettered.values()) deadLettered += count;
  return { requests: metrics.received, accepted: metrics.accepted, rejected: new Map(metrics.rejected), forwarded: metrics.forwarded, deadLettered };
}

/**
 * The line's fields: what moved between `before` and `after` (requests, events accepted, requests
 * rejected in all and by reason, events forwarded and dead-lettered), and the forward backlog when
 * forwarding. Undefined when nothing moved.
 */
export function summaryFields(before: ActivityCounts, after: ActivityCounts, backlog: number | undefined): LogFields | undefined {
  const rejectedBy = [...after.rejected]
    .map(([reason, count]) => [reason, count - (before.rejected.get(reason) ?? 0)] as const)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const rejected = rejectedBy.reduce((sum, [, count]) => sum + count, 0);
  const moved = {
    requests: after.requests - before.requests,
    accepted: after.accepted - before.accepted,
    forwarded: after.forwarded - before.forwarded,
    deadLettered: after.deadLettered - before.deadLettered,
  };
  if (moved.requests === 0 && moved.accepted === 0 && rejected === 0 && moved.forwarded === 0 && moved.deadLettered === 0) return undefined;
  return {
    requests: moved.requests,
    accepted: moved.accepted,
    rejected,
    ...Object.fromEntries(rejectedBy.map(([reason, count]) => [`rejected_${reason.replaceAll('-', '_')}`, count])),
    ...(backlog === undefined ? {} : { forwarded: moved.forwarded, dead_lettered: moved.deadLettered, backlog }),
  };
}

export interface ActivitySummaryOptions {
  metrics: CollectorMetrics;
  logger: Logger;
  intervalMs: number;
  /** The real timers unless a test moves the clock by hand. */
  timers?: TimerHost;
  /** Whether a forwarder runs: only then are forwarded, dead_lettered and backlog said. */
  forwarding: boolean;
}

/** Says on start that it will, then logs a line at each interval in which something happened; stop() ends it. */
export function startActivitySummary(options: ActivitySummaryOptions): { stop(): void } {
  const { metrics, logger, intervalMs, timers = realTimers } = options;
  const every = formatDuration(intervalMs);
  logger.info(`logging a summary of activity every ${every} while events arrive`, { interval: every });
  let last = activityCounts(metrics);
  let cancel: (() => void) | undefined;
  const tick = (): void => {
    const now = activityCounts(metrics);
    const fields = summaryFields(last, now, options.forwarding ? metrics.forwardQueueDepth() : undefined);
    last = now;
    if (fields !== undefined) logger.info(`activity in the last ${every}`, fields);
    arm();
  };
  // Never what keeps the process alive: the server does that, and a stopped server must let it exit.
  const arm = (): void => {
    cancel = timers.setTimer(tick, intervalMs, false);
  };
  arm();
  return {
    stop: () => {
      cancel?.();
      cancel = undefined;
    },
  };
}
