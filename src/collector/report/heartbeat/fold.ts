/**
 * The heartbeat tally: how many continuous agents ran each day (one heartbeat is one agent-day)
 * and how their renewals went (the failure rate per day), with uptime buckets and versions.
 */
import { fromWireHeartbeat, isWireHeartbeatEvent, UPTIME_BUCKETS, type SubmitHeartbeatRequest, type UptimeBucket } from '../../../protocol/heartbeat-wire.js';
import type { StoredRecord } from '../../store/record.js';
import type { Fold } from '../fold.js';

export interface HeartbeatDay {
  /** Heartbeats received that day: continuous agents running. */
  agents: number;
  renewals: number;
  failures: number;
}

export interface HeartbeatReport {
  since: string;
  total: number;
  /** Lines that did not parse as a heartbeat record (damage); never counted. */
  skipped: number;
  perDay: Record<string, HeartbeatDay>;
  uptime: Record<UptimeBucket, number>;
  versions: Record<string, number>;
}

/** Failed attempts over all attempts; undefined on a day without any. */
export function failureRate(day: HeartbeatDay): number | undefined {
  const attempts = day.renewals + day.failures;
  return attempts === 0 ? undefined : day.failures / attempts;
}

const addDay = (into: HeartbeatDay, part: HeartbeatDay): void => {
  into.agents += part.agents;
  into.renewals += part.renewals;
  into.failures += part.failures;
};

export const heartbeatFold: Fold<HeartbeatReport> = {
  empty(since) {
    return { since: since.toISOString(), total: 0, skipped: 0, perDay: {}, uptime: Object.fromEntries(UPTIME_BUCKETS.map((bucket) => [bucket, 0])) as Record<UptimeBucket, number>, versions: {} };
  },

  valid: (record) => isWireHeartbeatEvent(record.event),

  add(report, record: StoredRecord) {
    const heartbeat = fromWireHeartbeat((record.event as SubmitHeartbeatRequest).heartbeat);
    report.total += 1;
    addDay((report.perDay[record.received_at.slice(0, 10)] ??= { agents: 0, renewals: 0, failures: 0 }), { agents: 1, renewals: heartbeat.renewals_24h, failures: heartbeat.renewal_failures_24h });
    report.uptime[heartbeat.uptime_bucket] += 1;
    report.versions[heartbeat.version] = (report.versions[heartbeat.version] ?? 0) + 1;
  },

  merge(target, part) {
    target.total += part.total;
    target.skipped += part.skipped;
    for (const [day, counts] of Object.entries(part.perDay)) addDay((target.perDay[day] ??= { agents: 0, renewals: 0, failures: 0 }), counts);
    for (const bucket of UPTIME_BUCKETS) target.uptime[bucket] += part.uptime[bucket];
    for (const [version, count] of Object.entries(part.versions)) target.versions[version] = (target.versions[version] ?? 0) + count;
  },

  skip(report) {
    report.skipped += 1;
  },
};
