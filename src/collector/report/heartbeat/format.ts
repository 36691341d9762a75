/** The heartbeat section of the tbot report: a terminal table and an HTML fragment. */
import { barList, dayRange, escape } from '../html-kit.js';
import { percent } from '../window.js';
import { failureRate, type HeartbeatReport } from './fold.js';

const rateText = (rate: number | undefined): string => (rate === undefined ? '-' : `${(100 * rate).toFixed(1)}%`);

export function formatHeartbeatTable(report: HeartbeatReport): string {
  const days = dayRange(Object.keys(report.perDay));
  const uptime = Object.entries(report.uptime).map(([bucket, count]) => `${bucket} ${count} (${percent(count, report.total)})`).join(', ');
  return [
    `tbot.heartbeat events since ${report.since}: ${report.total}${report.skipped > 0 ? ` (${report.skipped} damaged lines skipped)` : ''}`,
    '',
    'continuous agents running per day, and renewal health',
    'day           agents  renewals  failures  failure rate',
    ...days.map((day) => {
      const counts = report.perDay[day] ?? { agents: 0, renewals: 0, failures: 0 };
      return `${day}  ${String(counts.agents).padStart(6)}  ${String(counts.renewals).padStart(8)}  ${String(counts.failures).padStart(8)}  ${rateText(failureRate(counts)).padStart(12)}`;
    }),
    '',
    `uptime: ${uptime}`,
    '',
  ].join('\n');
}

export function formatHeartbeatHtml(report: HeartbeatReport): string {
  const days = dayRange(Object.keys(report.perDay));
  const agents = days.map((day): [string, number] => [day, report.perDay[day]?.agents ?? 0]);
  const rows = days
    .map((day) => {
      const counts = report.perDay[day] ?? { agents: 0, renewals: 0, failures: 0 };
      return `<tr><td>${escape(day)}</td><td>${counts.agents}</td><td>${counts.renewals}</td><td>${counts.failures}</td><td>${rateText(failureRate(counts))}</td></tr>`;
    })
    .join('');
  return `<h2>Continuous agents running per day</h2>
<p id="heartbeat-summary">${report.total} daily heartbeats since ${escape(report.since)}; each is one continuous agent running for one day.</p>
${barList('agents-per-day', agents, report.total)}
<h2>Renewal health</h2>
<table id="renewal-health"><thead><tr><th>day</th><th>agents</th><th>renewals</th><th>failures</th><th>failure rate</th></tr></thead><tbody>${rows}</tbody></table>
`;
}
