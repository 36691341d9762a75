/** The heartbeat section of the tbot report: terminal lines and an HTML fragment for its page. */
import { dataTable, dayColumns, escapeHtml } from '../html-kit.js';
import { dayRange, percent } from '../window.js';
import { failureRate, type HeartbeatDay, type HeartbeatReport } from './fold.js';

const rateText = (rate: number | undefined): string => (rate === undefined ? '-' : `${(100 * rate).toFixed(1)}%`);
const NONE: HeartbeatDay = { agents: 0, renewals: 0, failures: 0 };

/** Every day of the window's first to last heartbeat, quiet days included. */
function days(report: HeartbeatReport): string[] {
  const known = Object.keys(report.perDay).sort();
  return known.length === 0 ? [] : dayRange(known[0]!, known.at(-1)!);
}

export function formatHeartbeatTable(report: HeartbeatReport): string {
  const uptime = Object.entries(report.uptime)
    .map(([bucket, count]) => `${bucket} ${count} (${percent(count, report.total)})`)
    .join(', ');
  return [
    `tbot.heartbeat events: ${report.total}${report.skipped > 0 ? ` (${report.skipped} damaged lines skipped)` : ''}`,
    '',
    'continuous agents running per day, and renewal health',
    'day           agents  renewals  failures  failure rate',
    ...days(report).map((day) => {
      const counts = report.perDay[day] ?? NONE;
      return `${day}  ${String(counts.agents).padStart(6)}  ${String(counts.renewals).padStart(8)}  ${String(counts.failures).padStart(8)}  ${rateText(failureRate(counts)).padStart(12)}`;
    }),
    '',
    `uptime: ${uptime}`,
    '',
  ].join('\n');
}

export function formatHeartbeatHtml(report: HeartbeatReport): string {
  const all = days(report);
  return `<h2>Continuous agents running per day</h2>
<p id="heartbeat-summary">${report.total} daily heartbeats; each is one continuous agent running for one day.</p>
${dayColumns(
  'agents-per-day',
  'continuous agents running per day',
  all.map((day) => ({ day, values: { agents: report.perDay[day]?.agents ?? 0 } })),
  [{ key: 'agents', label: 'agents', color: '#009e73' }],
)}
<h2>Renewal health</h2>
${dataTable(
  'renewal-health',
  ['day', 'agents', 'renewals', 'failures', 'failure rate'],
  all.map((day) => {
    const counts = report.perDay[day] ?? NONE;
    return [day, counts.agents, counts.renewals, counts.failures, rateText(failureRate(counts))];
  }),
)}
<p class="muted">Uptime: ${Object.entries(report.uptime)
    .map(([bucket, count]) => `${escapeHtml(bucket)} ${count}`)
    .join(', ')}.</p>
`;
}
