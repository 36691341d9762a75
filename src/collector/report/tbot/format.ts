/** The tbot report as a terminal table or CSV, and the pieces the HTML page shares with them. */
import { counted } from '../counted.js';
import { stripLines, type SummaryStrip } from '../summary-strip.js';
import { change, csvCell, fullWeek, humanWindow, percent, weekRange } from '../window.js';
import { byCount, DESTINATION_KINDS, grouped, NONE, RUN_MODES, type Dimension, type Grouping, type TbotFilters, type TbotReport } from './fold.js';

/** The tbot report as shown: the tally, with the summary strip once the command has compared periods. */
export type TbotView = TbotReport & { summary?: SummaryStrip };

/** The breakdown a table or CSV shows when `--by` is not given. */
export const DEFAULT_GROUPING: Grouping = 'run_mode';

/** Said on every report, because the data cannot answer it and people will ask. */
export const MEASUREMENT_LIMITS =
  'Unique installs and weekly active agents cannot be measured from these data, by design: every start sends a fresh random id and nothing that lasts, so two starts of the same agent cannot be linked. Every number here counts starts.';

export function describeFilters(filters: TbotFilters): string {
  return [
    filters.runMode === undefined ? '' : `run mode ${filters.runMode}`,
    filters.version === undefined ? '' : `version ${filters.version}`,
    filters.helper === undefined ? '' : `helper ${filters.helper}`,
  ]
    .filter((part) => part !== '')
    .join(', ');
}

/** Rows beyond this many values are summed into "other", so a week table stays readable. */
const WEEKLY_ROWS = 8;

/**
 * Weeks as columns (`label` names them; partial weeks are the first and last), the top values of a
 * dimension as rows after an "all starts" row, and the change between the last two full weeks.
 */
export function weeklyTable(report: TbotReport, dimension: Dimension, label: (week: string, full: boolean) => string): { head: string[]; rows: (string | number)[][] } {
  const known = Object.keys(report.perWeek).sort();
  const weeks = known.length === 0 ? [] : weekRange(known[0]!, known.at(-1)!);
  const full = weeks.map((week) => fullWeek(week, report.window));
  const lastFull = full.lastIndexOf(true);
  const previousFull = lastFull > 0 ? full.lastIndexOf(true, lastFull - 1) : -1;
  const ranked = byCount(report.breakdowns[dimension]);
  const top = ranked.slice(0, WEEKLY_ROWS).map(([key]) => key);
  const cell = (week: string, keys: (key: string) => boolean): number =>
    Object.entries(report.perWeek[week]?.[dimension] ?? {}).reduce((sum, [key, count]) => sum + (keys(key) ? count : 0), 0);
  const row = (name: string, keys: (key: string) => boolean): (string | number)[] => {
    const values = weeks.map((week) => cell(week, keys));
    return [name, ...values, previousFull < 0 ? '–' : change(values[lastFull]!, values[previousFull]!)];
  };
  const rows = [row('all starts', () => true), ...top.map((key) => row(key, (other) => other === key))];
  if (ranked.length > WEEKLY_ROWS) rows.push(row('other', (key) => !top.includes(key)));
  return { head: [dimension.replace('_', ' '), ...weeks.map((week, index) => label(week, full[index]!)), 'change'], rows };
}

function pad(cells: readonly (string | number)[], widths: readonly number[]): string {
  return cells
    .map((cell, index) => (index === 0 ? String(cell).padEnd(widths[0]!) : String(cell).padStart(widths[index]!)))
    .join('  ')
    .trimEnd();
}

function columns(rows: readonly (readonly (string | number)[])[]): string[] {
  const widths = rows[0]!.map((_, index) => Math.max(...rows.map((row) => String(row[index]).length)));
  return rows.map((row) => pad(row, widths));
}

/**
 * Starts per week, each full week with the starts of the full week before it (undefined when this
 * week or the one before lies partly outside the window: a partial week has fewer days to start in,
 * so comparing it would report a change that did not happen).
 */
export function weekChanges(report: TbotReport): { week: string; starts: number; full: boolean; previous: number | undefined }[] {
  const weeks = grouped(report, 'week');
  const known = new Map(weeks);
  const all = weeks.length === 0 ? [] : weekRange(weeks[0]![0], weeks.at(-1)![0]);
  return all.map((week, index) => {
    const full = fullWeek(week, report.window);
    const before = all[index - 1];
    const comparable = full && before !== undefined && fullWeek(before, report.window);
    return { week, starts: known.get(week) ?? 0, full, previous: comparable ? (known.get(before) ?? 0) : undefined };
  });
}

/** Rows of a grouping: [value, starts, share], with helper versions indented under their helper. */
export function groupRows(report: TbotReport, by: Grouping): (string | number)[][] {
  if (by === 'destinations')
    return [
      ['kind', 'configured', 'starts with', 'share'],
      ...DESTINATION_KINDS.map((kind) => [
        kind,
        report.destinations.configured[kind],
        report.destinations.runsWith[kind],
        percent(report.destinations.runsWith[kind], report.total),
      ]),
    ];
  if (by === 'week') {
    const weeks = weekChanges(report);
    return weeks.length === 0
      ? []
      : [
          ['week', 'starts', 'change'],
          ...weeks.map((week) => [`${week.week}${week.full ? '' : '*'}`, week.starts, week.previous === undefined ? '–' : change(week.starts, week.previous)]),
        ];
  }
  const rows: (string | number)[][] = [[by.replace('_', ' '), 'starts', 'share']];
  for (const [key, count] of grouped(report, by)) {
    rows.push([key, count, percent(count, report.total)]);
    if (by === 'helper' && key !== NONE)
      for (const [version, versionCount] of byCount(report.helperVersions[key] ?? {})) rows.push([`  ${version}`, versionCount, percent(versionCount, report.total)]);
  }
  return rows;
}

/**
 * The terminal report. Without `by`, the overview: the starts per day, then `heartbeats` (the
 * continuous agents' section). With `by`, only the breakdown asked for, under the same heading.
 */
export function formatTable(report: TbotView, by?: Grouping, heartbeats = ''): string {
  const modes = report.breakdowns.run_mode;
  const filters = describeFilters(report.filters);
  const head = [
    `tbot.start, ${humanWindow(report.window)}${filters === '' ? '' : ` (only ${filters})`}: ${counted(report.total, 'start')}${report.skipped > 0 ? ` (${counted(report.skipped, 'damaged line')} skipped)` : ''}`,
    ...(report.summary === undefined ? [] : stripLines(report.summary)),
    RUN_MODES.map((mode) => `${mode}: ${modes[mode] ?? 0} (${percent(modes[mode] ?? 0, report.total)})`).join('   '),
    MEASUREMENT_LIMITS,
    '',
  ];
  if (by !== undefined) {
    const grouping = groupRows(report, by);
    return [...head, `by ${by}${by === 'week' ? ' (* partly outside the window, not compared)' : ''}`, ...(grouping.length === 0 ? ['(none)'] : columns(grouping)), ''].join('\n');
  }
  const days = Object.keys(report.perDay).sort();
  const perDay = [['day', ...RUN_MODES], ...days.map((day) => [day, ...RUN_MODES.map((mode) => report.perDay[day]?.[mode] ?? 0)])];
  return `${[...head, 'starts per day (by when they happened)', ...(days.length === 0 ? ['(none)'] : columns(perDay)), ''].join('\n')}\n${heartbeats}`;
}

export function formatCsv(report: TbotReport, by: Grouping = DEFAULT_GROUPING): string {
  let rows: (string | number)[][];
  if (by === 'destinations')
    rows = [
      ['kind', 'configured', 'starts_with', 'share_of_starts'],
      ...DESTINATION_KINDS.map((kind) => [
        kind,
        report.destinations.configured[kind],
        report.destinations.runsWith[kind],
        (report.destinations.runsWith[kind] / Math.max(1, report.total)).toFixed(4),
      ]),
    ];
  else if (by === 'helper') {
    rows = [['helper', 'helper_version', 'starts', 'share']];
    for (const [helper, count] of grouped(report, 'helper')) {
      rows.push([helper, '', count, (count / Math.max(1, report.total)).toFixed(4)]);
      if (helper !== NONE)
        for (const [version, versionCount] of byCount(report.helperVersions[helper] ?? {}))
          rows.push([helper, version, versionCount, (versionCount / Math.max(1, report.total)).toFixed(4)]);
    }
  } else if (by === 'week') {
    // change: against the week before, as a fraction; empty unless both weeks are full and the one before had starts.
    rows = [
      ['week', 'starts', 'share', 'full_week', 'change'],
      ...weekChanges(report).map(({ week, starts, full, previous }) => [
        week,
        starts,
        (starts / Math.max(1, report.total)).toFixed(4),
        full ? 'yes' : 'no',
        previous === undefined || previous === 0 ? '' : ((starts - previous) / previous).toFixed(4),
      ]),
    ];
  } else rows = [[by, 'starts', 'share'], ...grouped(report, by).map(([key, count]) => [key, count, (count / Math.max(1, report.total)).toFixed(4)])];
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
}
