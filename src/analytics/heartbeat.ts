/**
 * The daily heartbeat of a continuous agent (the Devtron pattern, kept anonymous): once a day of
 * uptime it reports its version, join type, run mode, output kinds, how many renewals succeeded
 * and failed since the previous heartbeat, and its uptime in coarse buckets. Each heartbeat has a
 * new random distinct id, so no two can be linked. It runs beside the renewals and never waits on,
 * delays or changes them.
 */
import type { BotConfig, OutputConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { UPTIME_BUCKETS, type TbotHeartbeatEvent, type UptimeBucket } from '../protocol/heartbeat-wire.js';
import type { Reporter } from '../reporting/index.js';
import { realTimers, type TimerHost } from '../time/timer.js';
import type { Env } from './env.js';
import type { RenewalTally } from './renewal-tally.js';
import { TbotHeartbeat } from './services.js';

export const HEARTBEAT_INTERVAL_MS = 24 * 3_600_000;
/**
 * TEST ONLY: a shorter heartbeat interval in milliseconds (at least 10), which also shortens the
 * "day" uptime is counted in. Never set it on a real agent.
 */
export const TEST_HEARTBEAT_INTERVAL_ENV = 'TBOT_TEST_HEARTBEAT_INTERVAL_MS';
/** The first heartbeat comes one interval after start, give or take 1/24 of it (±1 h for a day), so a fleet started together spreads out. */
export const FIRST_HEARTBEAT_JITTER = 1 / 24;

export function heartbeatIntervalMs(env: Env): number {
  const text = env[TEST_HEARTBEAT_INTERVAL_ENV];
  if (text === undefined || !/^\d{2,}$/.test(text)) return HEARTBEAT_INTERVAL_MS;
  return Math.min(Number(text), HEARTBEAT_INTERVAL_MS);
}

export function firstHeartbeatDelayMs(intervalMs: number, random: number): number {
  return Math.round(intervalMs * (1 + FIRST_HEARTBEAT_JITTER * (2 * random - 1)));
}

/** Uptime in whole days (at least one), bucketed: 1d, 2–7d, 8–30d, >30d. */
export function uptimeBucket(uptimeMs: number, dayMs: number): UptimeBucket {
  const days = Math.max(1, Math.round(uptimeMs / dayMs));
  if (days <= 1) return UPTIME_BUCKETS[0];
  if (days <= 7) return UPTIME_BUCKETS[1];
  if (days <= 30) return UPTIME_BUCKETS[2];
  return UPTIME_BUCKETS[3];
}

export function buildHeartbeatEvent(config: BotConfig, version: string, counts: { renewals: number; failures: number }, uptimeMs: number, dayMs: number): TbotHeartbeatEvent {
  const outputs = (...types: OutputConfig['type'][]): number => config.outputs.filter((output) => types.includes(output.type)).length;
  return {
    run_mode: config.oneshot ? 'one-shot' : 'continuous',
    version,
    join_type: config.joinMethod,
    renewals_24h: counts.renewals,
    renewal_failures_24h: counts.failures,
    outputs_identity: outputs('identity'),
    outputs_database: outputs('database'),
    // Both kubeconfig generations are Kubernetes access, as tbot.start counts them.
    outputs_kubernetes: outputs('kubernetes', 'kubernetes/v2'),
    outputs_application: outputs('application'),
    outputs_ssh_host: outputs('ssh_host'),
    // Workload identities are SPIFFE SVIDs too (X.509 or JWT), issued under another name.
    outputs_spiffe_svid: outputs('spiffe-svid', 'workload-identity-x509', 'workload-identity-jwt'),
    uptime_bucket: uptimeBucket(uptimeMs, dayMs),
  };
}

export interface HeartbeatOptions {
  config: BotConfig;
  version: string;
  tally: RenewalTally;
  reporter: Reporter<typeof TbotHeartbeat>;
  intervalMs: number;
  startedAt: Date;
  now: () => Date;
  random: () => number;
  logger: Logger;
  /** The schedule's clock and timers; real ones unless a test moves time by hand. */
  timers?: TimerHost;
}

export interface HeartbeatSchedule {
  stop(): void;
}

/**
 * Where the beat after one at `nowMs` is aimed: the next point of the grid first + k × interval
 * strictly after now. Keeping to the grid means a send's time never makes the schedule drift;
 * skipping every point already past means that however long the process was stalled (suspended,
 * paused, starved), the late beat that just went is the only catch-up.
 */
export function nextBeatAt(firstMs: number, intervalMs: number, nowMs: number): number {
  if (nowMs < firstMs) return firstMs;
  return firstMs + (Math.floor((nowMs - firstMs) / intervalMs) + 1) * intervalMs;
}

/**
 * Sends a heartbeat after the jittered first interval, then once every interval, until stopped.
 * The schedule runs on a monotonic clock, so a wall clock moved by days (NTP, an operator, a VM
 * restore) neither sends a burst of "missed" beats nor stops them; the wall clock only stamps
 * the events.
 */
export function scheduleHeartbeats(options: HeartbeatOptions): HeartbeatSchedule {
  const timers = options.timers ?? realTimers;
  const scheduledAt = timers.monotonicMs();
  // The agent started a moment before this schedule; that moment counts towards uptime.
  const startedAt = scheduledAt - Math.max(0, options.now().getTime() - options.startedAt.getTime());
  const first = startedAt + firstHeartbeatDelayMs(options.intervalMs, options.random());
  let next = first;
  let cancel: (() => void) | undefined;
  let stopped = false;
  const arm = (): void => {
    // The renewal loop keeps the agent alive; a heartbeat never should.
    cancel = timers.setTimer(onTimer, next - timers.monotonicMs(), false);
  };
  const onTimer = (): void => {
    if (stopped) return;
    const now = timers.monotonicMs();
    // A delay past the timer limit was clamped, so the timer may come early: wait on.
    if (now >= next) {
      beat(now);
      next = nextBeatAt(first, options.intervalMs, now);
    }
    arm();
  };
  const beat = (now: number): void => {
    const event = buildHeartbeatEvent(options.config, options.version, options.tally.take(), now - startedAt, options.intervalMs);
    if (options.reporter.capture(TbotHeartbeat.create(event))) void options.reporter.flush();
  };
  options.logger.debug('anonymous analytics heartbeat scheduled', { first_in_ms: Math.round(first - scheduledAt), every_ms: options.intervalMs });
  arm();
  return {
    stop: () => {
      stopped = true;
      cancel?.();
      void options.reporter.close({ deadlineMs: 0, deadlineReason: 'the agent is stopping' });
    },
  };
}
