/** The Connect report as one self-contained page with inline SVG charts and no external requests. */
import { barList, countRows, dayColumns, escapeHtml, page, summaryStrip, type BarRow } from '../html-kit.js';
import { humanLabel, type LabelledVocabulary } from '../labels.js';
import { humanDay, humanWindow, percent } from '../window.js';
import { signedPercent } from './format.js';
import type { ConnectReport } from './summary.js';

export const CONNECT_COLORS = { daily: '#2f6fdf', weekly: '#e07b22' } as const;

/** A bar list under its heading; keys of a closed vocabulary show their human name, the raw value as its tooltip. */
function list(id: string, title: string, rows: [string, number][], empty: string, vocabulary?: LabelledVocabulary): string {
  const bars = countRows(rows).map((row): BarRow => (vocabulary === undefined ? row : { ...row, label: humanLabel(vocabulary, row.label), raw: row.label }));
  return `<h2>${escapeHtml(title)}</h2>\n${rows.length === 0 ? `<p class="muted">${escapeHtml(empty)}</p>` : barList(id, bars)}`;
}

/** Each feature as the share of active installations that used it. */
function features(report: ConnectReport): string {
  if (report.features.length === 0) return '<p class="muted">No events.</p>';
  const rows: BarRow[] = report.features.map((feature) => ({
    label: feature.name.replace(/^connect\./, ''),
    raw: feature.name,
    value: feature.share,
    note: `${percent(feature.installations, report.installations)} (${feature.installations})`,
    title: `${feature.name}: ${feature.installations} of ${report.installations} installations (${percent(feature.installations, report.installations)}), ${feature.events} events`,
  }));
  return barList('features', rows, { max: 1 });
}

export function formatConnectHtml(report: ConnectReport): string {
  const trend =
    report.trend === null
      ? 'The trend needs at least 14 days of data.'
      : `Mean daily actives: ${report.trend.last7.toFixed(1)} over the last 7 days against ${report.trend.previous7.toFixed(1)} the 7 days before (${signedPercent(report.trend.change)}).`;
  const body = `<h1>Teleport Connect usage</h1>
<p id="summary">${report.total} events from ${report.installations} installations, ${escapeHtml(humanWindow(report.window))}. ${escapeHtml(trend)}</p>
${report.summary === undefined ? '' : summaryStrip(report.summary)}
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
    title: `week of ${humanDay(week.week)}: ${week.active} installations${week.change === null ? '' : ` (${signedPercent(week.change)})`}${week.full ? '' : ', partly outside the window (not compared)'}`,
  })),
  [{ key: 'active', label: 'installations', color: CONNECT_COLORS.weekly }],
)}
<h2>Features: share of active installations that used each</h2>
<p class="muted">Installations that sent the feature's event at least once in the window, over the ${report.installations} active installations; the tooltip gives the event count.</p>
${features(report)}
${list('tab-kinds', 'Tabs opened, by kind', report.tabKinds, 'No connect.tab.open events.', 'tabKind')}
${list('connection-kinds', 'Connections picked, by kind', report.connectionKinds, 'No connect.connectionsPicker.item.select events.', 'connectionKind')}
${list('platform-os', 'Platforms: installations by operating system (connect.start)', report.platforms.os, 'No connect.start events.', 'os')}
${list('platform-versions', 'Installations by Connect version (connect.start)', report.platforms.versions, 'No connect.start events.')}
${list('connector-types', 'Logins by connector type', report.connectorTypes, 'No connect.cluster.login events.', 'connectorType')}`;
  return page(`Teleport Connect usage, ${humanWindow(report.window)}`, body);
}
