/**
 * The heartbeat tally: how many continuous agents ran each day (one heartbeat is one agent-day)
 * and how their renewals went (the failure rate per day), with uptime buckets and versions. It
 * reads the window and the `--version`/`--run-mode` filters as the tbot fold does; heartbeats
 * carry no helper, so `--helper` does not narrow them.
 */
import { fromWireHeartbeat, isWireHeartbeatEvent, UPTIME_BUCKETS, type SubmitHeartbeatRequest, type UptimeBucket } from '../../../protocol/heartbeat-wire.js';
import type { StoredRecord } from '../../store/record.js';
import { bump, counts, mergeCounts, type Counts, type Fold } from '../fold.js';
import type { TbotFilters } from '../tbot/fold.js';
import { eventSecond, inWindow, type ReportWindow } from '../window.js';

export interface HeartbeatDay {
  /** Heartbeats sent that day: continuous agents running. */
  agents: number;
  renewals: number;
  failures: number;
}

export interface HeartbeatReport {
  window: ReportWindow;
  filters: TbotFilters;
  total: number;
  /** Lines that did not parse as a heartbeat record (damage); never counted. */
  skipped: number;
  /** UTC day of the heartbeat (its own timestamp, never later than its arrival). */
  perDay: Record<string, HeartbeatDay>;
  uptime: Record<UptimeBucket, number>;
  versions: Counts;
}

/** Failed attempts over all attempts; undefined on a day without any. */
export function failureRate(day: HeartbeatDay): number | undefined {
  const attempts = day.renewals + day.failures;
  return attempts === 0 ? undefined : day.failures / attempts;
}

export const heartbeatFold: Fold<HeartbeatReport> = {
  empty(window, options) {
    return {
      window,
      filters: (options ?? {}) as TbotFilters,
      total: 0,
      skipped: 0,
      perDay: Object.create(null) as Record<string, HeartbeatDay>,
      uptime: Object.fromEntries(UPTIME_BUCKETS.map((bucket) => [bucket, 0])) as Record<UptimeBucket, number>,
      versions: counts(),
    };
  },

  valid: (record) => isWireHeartbeatEvent(record.event),

  add(report, record: StoredRecord) {
    // `valid` has vouched for the shape.
    const { timestamp, heartbeat } = record.event as SubmitHeartbeatRequest;
    const at = eventSecond(timestamp, record.received_at);
    if (!inWindow(at, report.window)) return;
    const event = fromWireHeartbeat(heartbeat);
    const { filters } = report;
    if ((filters.version !== undefined && event.version !== filters.version) || (filters.runMode !== undefined && event.run_mode !== filters.runMode)) return;
    report.total += 1;
    const date = at.slice(0, 10);
    report.perDay[date] ??= { agents: 0, renewals: 0, failures: 0 };
    const day = report.perDay[date];
    day.agents += 1;
    day.renewals += event.renewals_24h;
    day.failures += event.renewal_failures_24h;
    report.uptime[event.uptime_bucket] += 1;
    bump(report.versions, event.version);
  },

  merge: mergeCounts,

  skip(report) {
    report.skipped += 1;
  },
};
