/** The tbot report as one self-contained page: charts and tables built from html-kit. */
import { barList, countRows, dataTable, dayColumns, escapeHtml, legend, page, PALETTE, shareBars, summaryStrip, type BarRow, type Series } from '../html-kit.js';
import { dayRange, fullWeek, humanDay, humanWindow, percent, weekRange } from '../window.js';
import { byCount, DESTINATION_KINDS, DIMENSIONS, NONE, RUN_MODES, type Dimension, type TbotReport as Report } from './fold.js';
import { describeFilters, MEASUREMENT_LIMITS, weeklyTable, type TbotView } from './format.js';
import { counted } from '../counted.js';

const RUN_MODE_SERIES: Series[] = [
  { key: 'one-shot', label: 'one-shot (CI)', color: '#2f6fdf' },
  { key: 'continuous', label: 'continuous (host)', color: '#e07b22' },
  { key: 'unspecified', label: 'unspecified', color: '#9a9a9a' },
];

const TITLES: Record<Dimension, string> = { run_mode: 'run mode', join_type: 'join method', helper: 'helper', version: 'agent version' };

function perDay(report: Report): string {
  const known = Object.keys(report.perDay).sort();
  if (known.length === 0) return '<p class="muted">No starts in this window.</p>';
  const days = dayRange(known[0]!, known.at(-1)!);
  const series = RUN_MODE_SERIES.filter((item) => item.key !== 'unspecified' || (report.breakdowns.run_mode['unspecified'] ?? 0) > 0);
  return (
    legend(series) +
    dayColumns(
      'starts-per-day',
      'starts per day by run mode',
      days.map((day) => ({ day, values: report.perDay[day] ?? {} })),
      series,
    )
  );
}

/** Weeks as columns, the top values as rows, and the change of the last full week. */
function weekly(report: Report, dimension: Dimension): string {
  const { head, rows } = weeklyTable(report, dimension, (week, full) => `${humanDay(week, false)}${full ? '' : '*'}`);
  return dataTable(`weekly-${dimension.replace('_', '-')}`, head, rows);
}

/** The share of each agent version among a week's starts: the top versions, the rest as "other". */
function versionAdoption(report: Report): string {
  const weeks = Object.keys(report.perWeek).sort();
  if (weeks.length === 0) return '';
  const top = byCount(report.breakdowns.version)
    .slice(0, PALETTE.length - 1)
    .map(([version]) => version);
  const series: Series[] = [
    ...top.map((version, index) => ({ key: version, label: version, color: PALETTE[index]! })),
    { key: '\u0000other', label: 'other versions', color: PALETTE.at(-1)! },
  ];
  const rows = weekRange(weeks[0]!, weeks.at(-1)!).map((week) => {
    const versions = report.perWeek[week]?.version ?? {};
    const values: Record<string, number> = { '\u0000other': 0 };
    for (const [version, count] of Object.entries(versions)) {
      if (top.includes(version)) values[version] = count;
      else values['\u0000other']! += count;
    }
    return { label: `w/c ${humanDay(week, false)}${fullWeek(week, report.window) ? '' : '*'}`, values };
  });
  return legend(series.filter((item) => item.key !== '\u0000other' || rows.some((row) => (row.values['\u0000other'] ?? 0) > 0))) + shareBars('version-adoption', rows, series);
}

/** Each helper, then its versions indented under it. */
function helpers(report: Report): string {
  const rows: BarRow[] = [];
  for (const [helper, count] of byCount(report.breakdowns.helper)) {
    rows.push(...countRows([[helper, count]], report.total));
    if (helper === NONE) continue;
    for (const [version, versionCount] of byCount(report.helperVersions[helper] ?? {})) {
      const label = version === NONE ? '(no version)' : version;
      rows.push({
        label,
        value: versionCount,
        note: `${versionCount} (${percent(versionCount, count)})`,
        sub: true,
        title: `${helper} ${label}: ${versionCount}, ${percent(versionCount, count)} of this helper's starts`,
      });
    }
  }
  return barList('helpers', rows);
}

function crossTab(report: Report, id: string, rowsBy: 'join_type' | 'helper'): string {
  const modes = RUN_MODES.filter((mode) => (report.breakdowns.run_mode[mode] ?? 0) > 0);
  const rows = byCount(report.breakdowns[rowsBy]).map(([key, total]) => [
    key,
    ...modes.map((mode) => {
      const count = report.crossTabs[rowsBy][key]?.[mode] ?? 0;
      return `${count} (${percent(count, total)})`;
    }),
    total,
  ]);
  return dataTable(id, [TITLES[rowsBy], ...modes, 'all'], rows);
}

function destinationMix(report: Report): string {
  const { configured, runsWith } = report.destinations;
  const rows: BarRow[] = DESTINATION_KINDS.map((kind) => {
    const label = kind === 'other' ? 'other (identity, ssh_host, spiffe-svid)' : kind;
    const share = percent(runsWith[kind], report.total);
    return {
      label,
      value: runsWith[kind],
      note: `${share} (${configured[kind]})`,
      title: `${label}: ${counted(runsWith[kind], 'start')} (${share}) had at least one; ${configured[kind]} configured in all`,
    };
  });
  return `<p>The share of starts with at least one destination of each kind; in brackets, how many of that kind were configured in all.</p>${barList('destination-mix', rows, { color: '#7b5ea7', max: report.total })}`;
}

/** The page; `heartbeats` (the continuous agents' section) goes after the starts. */
export function formatHtml(report: TbotView, heartbeats = ''): string {
  const modes = report.breakdowns.run_mode;
  const filters = describeFilters(report.filters);
  const split = RUN_MODE_SERIES.filter((item) => (modes[item.key] ?? 0) > 0 || item.key !== 'unspecified').map(
    (item) => `${modes[item.key] ?? 0} ${escapeHtml(item.label)} (${percent(modes[item.key] ?? 0, report.total)})`,
  );
  const body = `<h1>tbot usage</h1>
<p class="muted" id="window">${escapeHtml(humanWindow(report.window))}${filters === '' ? '' : ` · only ${escapeHtml(filters)}`}</p>
<p id="summary">${counted(report.total, 'start')}: ${split.join(', ')}.${report.skipped > 0 ? ` ${counted(report.skipped, 'damaged line was', 'damaged lines were')} skipped.` : ''}</p>
${report.summary === undefined ? '' : summaryStrip(report.summary)}
<p class="note" id="limits">${escapeHtml(MEASUREMENT_LIMITS)}</p>
<h2>Starts per day</h2>
<p class="muted">By when each start happened (its own timestamp, never later than its arrival).</p>
${perDay(report)}
<h2>Starts per week</h2>
<p class="muted">Columns are weeks, named by their Monday; * marks a week only partly inside the window. The change compares the last two full weeks.</p>
${DIMENSIONS.map((dimension) => `<h3>By ${TITLES[dimension]}</h3>${weekly(report, dimension)}`).join('\n')}
<h2>Agent version adoption</h2>
<p class="muted">Each version's share of the week's starts.</p>
${versionAdoption(report)}
<h2>Agent versions</h2>
${barList('versions', countRows(byCount(report.breakdowns.version), report.total))}
<h2>Helpers and their versions</h2>
${helpers(report)}
<h2>Join methods</h2>
${barList('join-types', countRows(byCount(report.breakdowns.join_type), report.total))}
<h2>Join method × run mode</h2>
${crossTab(report, 'cross-join-type', 'join_type')}
<h2>Helper × run mode</h2>
${crossTab(report, 'cross-helper', 'helper')}
<h2>Destination mix</h2>
${destinationMix(report)}
${heartbeats}`;
  return page(`tbot usage, ${humanWindow(report.window)}`, body);
}
