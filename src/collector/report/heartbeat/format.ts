/** The heartbeat section of the tbot report: terminal lines and an HTML fragment for its page. */
import { dataTable, dayColumns, escapeHtml, rateChart } from '../html-kit.js';
import { dayRange, percent } from '../window.js';
import { BAND_K, MIN_DAYS, renewalHealth, type UnusualDay, type UsualBand } from './band.js';
import { failureRate, type HeartbeatDay, type HeartbeatReport } from './fold.js';

const rateText = (rate: number | undefined): string => (rate === undefined ? '-' : `${(100 * rate).toFixed(1)}%`);
const NONE: HeartbeatDay = { agents: 0, renewals: 0, failures: 0 };
const NO_HEARTBEATS = 'No tbot.heartbeat events in this window: continuous agents send one a day, one-shot runs none.';

/** Every day of the window's first to last heartbeat, quiet days included. */
function days(report: HeartbeatReport): string[] {
  const known = Object.keys(report.perDay).sort();
  return known.length === 0 ? [] : dayRange(known[0]!, known.at(-1)!);
}

/** How the usual band was drawn, in one sentence. */
function bandText(band: UsualBand | null, daysWithRenewals: number): string {
  if (band === null) return `usual failure rate: needs ${MIN_DAYS} days with renewals (${daysWithRenewals} in this window), so no day is marked`;
  return `usual failure rate: up to ${rateText(band.upper)} (median ${rateText(band.median)} + ${BAND_K} × MAD, at least 1 point, over ${band.days} days with renewals)`;
}

const daysAboveText = (days: readonly UnusualDay[]): string =>
  `days above the usual failure rate: ${days.length === 0 ? 'none' : days.map((day) => `${day.day} (${rateText(day.rate)})`).join(', ')}`;

export function formatHeartbeatTable(report: HeartbeatReport): string {
  if (report.total === 0) return `${NO_HEARTBEATS}${report.skipped > 0 ? ` (${report.skipped} damaged lines skipped)` : ''}\n`;
  const uptime = Object.entries(report.uptime)
    .map(([bucket, count]) => `${bucket} ${count} (${percent(count, report.total)})`)
    .join(', ');
  const { band, daysAbove } = renewalHealth(report);
  const flagged = new Set(daysAbove.map((day) => day.day));
  const withRenewals = Object.values(report.perDay).filter((day) => failureRate(day) !== undefined).length;
  return [
    `tbot.heartbeat events: ${report.total}${report.skipped > 0 ? ` (${report.skipped} damaged lines skipped)` : ''}`,
    '',
    'continuous agents running per day, and renewal health',
    'day           agents  renewals  failures  failure rate',
    ...days(report).map((day) => {
      const counts = report.perDay[day] ?? NONE;
      return `${day}  ${String(counts.agents).padStart(6)}  ${String(counts.renewals).padStart(8)}  ${String(counts.failures).padStart(8)}  ${rateText(failureRate(counts)).padStart(12)}${flagged.has(day) ? ' !' : ''}`;
    }),
    '',
    bandText(band, withRenewals),
    daysAboveText(daysAbove),
    '',
    `uptime: ${uptime}`,
    '',
  ].join('\n');
}

export function formatHeartbeatHtml(report: HeartbeatReport): string {
  if (report.total === 0) return `<h2>Continuous agents and renewal health</h2>\n<p class="muted" id="heartbeat-summary">${escapeHtml(NO_HEARTBEATS)}</p>\n`;
  const all = days(report);
  const { band, daysAbove } = renewalHealth(report);
  const flagged = new Set(daysAbove.map((day) => day.day));
  const withRenewals = Object.values(report.perDay).filter((day) => failureRate(day) !== undefined).length;
  return `<h2>Continuous agents running per day</h2>
<p id="heartbeat-summary">${report.total} daily heartbeats; each is one continuous agent running for one day.</p>
${dayColumns(
  'agents-per-day',
  'continuous agents running per day',
  all.map((day) => ({ day, values: { agents: report.perDay[day]?.agents ?? 0 } })),
  [{ key: 'agents', label: 'agents', color: '#009e73' }],
)}
<h2>Renewal health</h2>
<p class="muted">Failed renewals over all renewal attempts, per day. <span class="band-key"></span> the usual band: the median day plus ${BAND_K} robust standard deviations (median absolute deviation × 1.4826), at least one point wide; days above it are in orange.</p>
${rateChart(
  'renewal-failure-rate',
  'renewal failure rate per day',
  all.map((day) => {
    const counts = report.perDay[day] ?? NONE;
    const rate = failureRate(counts);
    return {
      day,
      rate,
      flagged: flagged.has(day),
      title: `${day}: ${rateText(rate)} failed (${counts.failures} of ${counts.renewals + counts.failures} attempts)${flagged.has(day) ? ', above the usual rate' : ''}`,
    };
  }),
  band?.upper ?? null,
)}
<p id="renewal-band">${escapeHtml(bandText(band, withRenewals))}.</p>
<p id="days-above"${daysAbove.length > 0 ? ' class="alarm"' : ''}>${escapeHtml(daysAboveText(daysAbove))}.</p>
${dataTable(
  'renewal-health',
  ['day', 'agents', 'renewals', 'failures', 'failure rate'],
  all.map((day) => {
    const counts = report.perDay[day] ?? NONE;
    return [day, counts.agents, counts.renewals, counts.failures, `${rateText(failureRate(counts))}${flagged.has(day) ? ' !' : ''}`];
  }),
)}
<p class="muted">Uptime: ${Object.entries(report.uptime)
    .map(([bucket, count]) => `${escapeHtml(bucket)} ${count}`)
    .join(', ')}.</p>
`;
}
