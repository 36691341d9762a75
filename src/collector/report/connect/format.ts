/** The Connect report as a terminal table or a long-format CSV (metric, key, value). */
import { labelWithRaw, type LabelledVocabulary } from '../labels.js';
import { stripLines } from '../summary-strip.js';
import { csvCell, humanWindow, percent } from '../window.js';
import type { ConnectReport } from './summary.js';

export const signedPercent = (ratio: number | null): string => (ratio === null ? 'n/a' : `${ratio >= 0 ? '+' : ''}${(100 * ratio).toFixed(1)}%`);

/** A ranked list under its title; keys of a closed vocabulary read as their human name with the raw value in brackets. */
function section(title: string, rows: [string, number][], unit: string, whole: number, vocabulary?: LabelledVocabulary): string[] {
  if (rows.length === 0) return [title, '  (none)', ''];
  const named = rows.map(([key, count]): [string, number] => [vocabulary === undefined ? key : labelWithRaw(vocabulary, key), count]);
  const width = Math.max(12, ...named.map(([key]) => key.length));
  return [title, ...named.map(([key, count]) => `  ${key.padEnd(width)}  ${String(count).padStart(8)} ${unit}  ${percent(count, whole).padStart(6)}`), ''];
}

export function formatConnectTable(report: ConnectReport): string {
  const trend =
    report.trend === null
      ? 'trend: needs 14 days of data'
      : `trend: mean DAU ${report.trend.last7.toFixed(1)} over the last 7 days against ${report.trend.previous7.toFixed(1)} the 7 before (${signedPercent(report.trend.change)})`;
  const osTotal = report.platforms.os.reduce((sum, [, count]) => sum + count, 0);
  const versionTotal = report.platforms.versions.reduce((sum, [, count]) => sum + count, 0);
  const logins = report.connectorTypes.reduce((sum, [, count]) => sum + count, 0);
  return [
    `Connect events, ${humanWindow(report.window)}: ${report.total} from ${report.installations} installations${report.skipped > 0 ? ` (${report.skipped} damaged lines skipped)` : ''}`,
    ...(report.summary === undefined ? [] : stripLines(report.summary)),
    trend,
    '',
    'daily actives (DAU)     installations    events',
    ...report.daily.map((day) => `  ${day.day}            ${String(day.active).padStart(10)}  ${String(day.events).padStart(8)}`),
    '',
    'weekly actives (WAU, weeks from Monday; * partly outside the window, not compared)',
    ...report.weekly.map(
      (week) => `  ${week.week}${week.full ? ' ' : '*'}  ${String(week.active).padStart(10)}  ${(week.change === null ? '–' : signedPercent(week.change)).padStart(8)}`,
    ),
    '',
    // The heading row uses the rows' own column widths, so each count sits under its name.
    `${'features (share of active installations)'.padEnd(42)}  ${'installations'.padStart(13)}  ${'share'.padStart(6)}  ${'events'.padStart(8)}`,
    ...report.features.map(
      (feature) =>
        `  ${feature.name.padEnd(40)}  ${String(feature.installations).padStart(13)}  ${percent(feature.installations, report.installations).padStart(6)}  ${String(feature.events).padStart(8)}`,
    ),
    '',
    ...section(
      'tabs opened, by tab_kind',
      report.tabKinds,
      'tabs',
      report.tabKinds.reduce((sum, [, count]) => sum + count, 0),
      'tabKind',
    ),
    ...section(
      'connections picked, by connection_kind',
      report.connectionKinds,
      'picks',
      report.connectionKinds.reduce((sum, [, count]) => sum + count, 0),
      'connectionKind',
    ),
    ...section('platforms (connect.start), installations by os', report.platforms.os, 'inst.', osTotal, 'os'),
    ...section('installations by Connect version', report.platforms.versions, 'inst.', versionTotal),
    ...section('logins by connector type', report.connectorTypes, 'logins', logins, 'connectorType'),
  ].join('\n');
}

/** One tidy table a spreadsheet can pivot: every answer as (metric, key, value). */
export function formatConnectCsv(report: ConnectReport): string {
  const rows: (string | number)[][] = [
    ['events', 'total', report.total],
    ['installations', 'total', report.installations],
    ...report.daily.map((day) => ['dau', day.day, day.active]),
    ...report.daily.map((day) => ['events_per_day', day.day, day.events]),
    ...report.weekly.map((week) => ['wau', week.week, week.active]),
    ...report.features.map((feature) => ['feature_events', feature.name, feature.events]),
    ...report.features.map((feature) => ['feature_installations', feature.name, feature.installations]),
    ...report.features.map((feature) => ['feature_share', feature.name, feature.share.toFixed(4)]),
    ...report.tabKinds.map(([kind, count]) => ['tab_kind', kind, count]),
    ...report.connectionKinds.map(([kind, count]) => ['connection_kind', kind, count]),
    ...report.platforms.os.map(([os, count]) => ['os_installations', os, count]),
    ...report.platforms.versions.map(([version, count]) => ['version_installations', version, count]),
    ...report.connectorTypes.map(([type, count]) => ['connector_type_logins', type, count]),
  ];
  return `metric,key,value\n${rows.map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
}
