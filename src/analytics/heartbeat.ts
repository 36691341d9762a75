/**
 * The daily heartbeat of a continuous agent (the Devtron pattern, kept anonymous): once a day of
 * uptime it reports its version, join type, run mode, output kinds, how many renewals succeeded
 * and failed since the previous heartbeat, and its uptime in coarse buckets. Each heartbeat has a
 * new random distinct id, so no two can be linked. It runs beside the renewals and never waits on,
 * delays or changes them.
 */
import type { OutputTask } from '../agent/output-task.js';
import type { BotConfig, OutputConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { UPTIME_BUCKETS, type TbotHeartbeatEvent, type UptimeBucket } from '../protocol/heartbeat-wire.js';
import type { Reporter } from '../reporting/index.js';
import type { Env } from './env.js';
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

/** Renewal outcomes since the last time they were taken. */
export class RenewalTally {
  private renewals = 0;
  private failures = 0;
  renewed(): void {
    this.renewals += 1;
  }
  failed(): void {
    this.failures += 1;
  }
  take(): { renewals: number; failures: number } {
    const counts = { renewals: this.renewals, failures: this.failures };
    this.renewals = 0;
    this.failures = 0;
    return counts;
  }
}

/** The same tasks, each renewal counted in `tally` (a renewal is one output renewed once). */
export function countRenewals(tasks: readonly OutputTask[], tally: RenewalTally): OutputTask[] {
  return tasks.map((task) => ({
    name: task.name,
    kind: task.kind,
    lifetime: task.lifetime,
    renew: async (context) => {
      try {
        const renewal = await task.renew(context);
        if (renewal !== undefined) tally.renewed();
        return renewal;
      } catch (error) {
        tally.failed();
        throw error;
      }
    },
  }));
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
}

export interface HeartbeatSchedule {
  stop(): void;
}

/** Sends a heartbeat after the jittered first interval, then once every interval, until stopped. */
export function scheduleHeartbeats(options: HeartbeatOptions): HeartbeatSchedule {
  const first = options.startedAt.getTime() + firstHeartbeatDelayMs(options.intervalMs, options.random());
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    // Aimed at fixed points (first + n × interval), so the schedule does not drift by a send's time.
    timer = setTimeout(beat, Math.max(0, first + sent * options.intervalMs - options.now().getTime()));
    // The renewal loop keeps the agent alive; a heartbeat never should.
    timer.unref();
  };
  const beat = (): void => {
    sent += 1;
    const now = options.now();
    const event = buildHeartbeatEvent(options.config, options.version, options.tally.take(), now.getTime() - options.startedAt.getTime(), options.intervalMs);
    if (options.reporter.capture(TbotHeartbeat.create(event))) void options.reporter.flush();
    arm();
  };
  options.logger.debug('anonymous analytics heartbeat scheduled', { first_in_ms: first - options.now().getTime(), every_ms: options.intervalMs });
  arm();
  return {
    stop: () => {
      if (timer !== undefined) clearTimeout(timer);
      void options.reporter.close({ deadlineMs: 0, deadlineReason: 'the agent is stopping' });
    },
  };
}
