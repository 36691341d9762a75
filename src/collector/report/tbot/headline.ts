/** The tbot report's summary strip: starts and their split, and how the continuous agents fared. */
import type { HeartbeatReport } from '../heartbeat/fold.js';
import type { Headline } from '../summary-strip.js';
import type { TbotReport } from './fold.js';

export function tbotHeadline(report: TbotReport, heartbeats: HeartbeatReport): Headline[] {
  let renewals = 0;
  let failures = 0;
  for (const day of Object.values(heartbeats.perDay)) {
    renewals += day.renewals;
    failures += day.failures;
  }
  return [
    { key: 'starts', label: 'starts', value: report.total, unit: 'count' },
    { key: 'one_shot', label: 'one-shot (CI) starts', value: report.breakdowns.run_mode['one-shot'] ?? 0, unit: 'count' },
    { key: 'continuous', label: 'continuous (host) starts', value: report.breakdowns.run_mode['continuous'] ?? 0, unit: 'count' },
    { key: 'agent_days', label: 'agent-days (heartbeats)', value: heartbeats.total, unit: 'count' },
    { key: 'renewal_failure_rate', label: 'renewal failure rate', value: renewals + failures === 0 ? null : failures / (renewals + failures), unit: 'share' },
  ];
}
