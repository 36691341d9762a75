/** The Connect report as one self-contained page with inline SVG charts and no external requests. */
import { barList, countRows, dayColumns, escapeHtml, page } from '../html-kit.js';
import { humanDay, humanWindow } from '../window.js';
import { signedPercent } from './format.js';
import type { ConnectReport } from './summary.js';

export const CONNECT_COLORS = { daily: '#2f6fdf', weekly: '#e07b22' } as const;

function list(id: string, title: string, rows: [string, number][], empty: string): string {
  return `<h2>${escapeHtml(title)}</h2>\n${rows.length === 0 ? `<p class="muted">${escapeHtml(empty)}</p>` : barList(id, countRows(rows))}`;
}

export function formatConnectHtml(report: ConnectReport): string {
  const trend =
    report.trend === null
      ? 'The trend needs at least 14 days of data.'
      : `Mean daily actives: ${report.trend.last7.toFixed(1)} over the last 7 days against ${report.trend.previous7.toFixed(1)} the 7 days before (${signedPercent(report.trend.change)}).`;
  const body = `<h1>Teleport Connect usage</h1>
<p id="summary">${report.total} events from ${report.installations} installations, ${escapeHtml(humanWindow(report.window))}. ${escapeHtml(trend)}</p>
<p class="note">An installation is Connect's persisted installation id; cluster and user names arrive only as anonymized hashes and appear nowhere here.</p>
<h2>Daily active installations (any event)</h2>
${dayColumns(
  'daily-actives',
  'daily active installations',
  report.daily.map((day) => ({ day: day.day, values: { active: day.active }, title: `${humanDay(day.day)}: ${day.active} installations, ${day.events} events` })),
  [{ key: 'active', label: 'installations', color: CONNECT_COLORS.daily }],
)}
<h2>Weekly active installations (weeks from Monday)</h2>
${dayColumns(
  'weekly-actives',
  'weekly active installations',
  report.weekly.map((week) => ({
    day: week.week,
    values: { active: week.active },
    title: `week of ${humanDay(week.week)}: ${week.active} installations (${signedPercent(week.change)})${week.days < 7 ? `, ${week.days} days of data` : ''}`,
  })),
  [{ key: 'active', label: 'installations', color: CONNECT_COLORS.weekly }],
)}
${list(
  'features',
  'Most used features (connect.* events)',
  report.features.map((feature) => [feature.name.replace(/^connect\./, ''), feature.events]),
  'No events.',
)}
${list('tab-kinds', 'Tabs opened, by tab_kind', report.tabKinds, 'No connect.tab.open events.')}
${list('connection-kinds', 'Connections picked, by connection_kind', report.connectionKinds, 'No connect.connectionsPicker.item.select events.')}
${list('platform-os', 'Platforms: installations by os (connect.start)', report.platforms.os, 'No connect.start events.')}
${list('platform-versions', 'Installations by Connect version (connect.start)', report.platforms.versions, 'No connect.start events.')}
${list('connector-types', 'Logins by connector type', report.connectorTypes, 'No connect.cluster.login events.')}`;
  return page(`Teleport Connect usage, ${humanWindow(report.window)}`, body);
}
