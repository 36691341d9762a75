/**
 * The tbot report's tally, answering the usage-metrics questions an analyst asks: starts per day
 * (by when they happened), per week with week-over-week change, the one-shot (CI) vs continuous
 * (host) share, join methods, helpers with their versions, agent versions and their adoption over
 * time, cross-tabs against the run mode, and the destination mix. One pass; workers merge.
 */
import { isWireTbotStart, runModeFromWire, type ReceivedRunMode, type ReceivedTbotEvent } from '../../../protocol/tbot-wire.js';
import type { StoredRecord } from '../../store/record.js';
import { bump, bumpCell, counts, mergeCounts, table, type Counts, type Fold } from '../fold.js';
import { eventSecond, inWindow, ranked, weekOf, type ReportWindow } from '../window.js';

export const RUN_MODES: readonly ReceivedRunMode[] = ['one-shot', 'continuous', 'unspecified'];

/** What every start is counted by, overall and per week. */
export const DIMENSIONS = ['run_mode', 'join_type', 'helper', 'version'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** What `--by` can show in a table or CSV. */
export const GROUPINGS = [...DIMENSIONS, 'day', 'week', 'destinations'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export const DESTINATION_KINDS = ['database', 'kubernetes', 'application', 'other'] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];

/** How absent values are shown: no helper, and the empty join type Go tbot can send. */
export const NONE = '(none)';
export const EMPTY = '(empty)';

export interface TbotFilters {
  version?: string;
  /** A helper name, or "(none)" for starts without one. */
  helper?: string;
  runMode?: ReceivedRunMode;
}

export interface TbotReport {
  window: ReportWindow;
  filters: TbotFilters;
  /** Starts in the window that pass the filters. */
  total: number;
  /** Lines that did not parse as a tbot record (damage); never counted as starts. */
  skipped: number;
  /** UTC day of the start (its own timestamp, never later than its arrival) → run mode → starts. */
  perDay: Record<string, Counts>;
  /** Monday of the start's week → dimension → value → starts. */
  perWeek: Record<string, Record<Dimension, Counts>>;
  breakdowns: Record<Dimension, Counts>;
  /** Helper → helper version → starts. */
  helperVersions: Record<string, Counts>;
  /** Join type or helper → run mode → starts. */
  crossTabs: { join_type: Record<string, Counts>; helper: Record<string, Counts> };
  destinations: {
    /** Destinations configured, summed over starts, by kind. */
    configured: Record<DestinationKind, number>;
    /** Starts with at least one destination of the kind. */
    runsWith: Record<DestinationKind, number>;
  };
}

const perDimension = (): Record<Dimension, Counts> => ({ run_mode: counts(), join_type: counts(), helper: counts(), version: counts() });
const perKind = (): Record<DestinationKind, number> => ({ database: 0, kubernetes: 0, application: 0, other: 0 });

/** Weeks repeat for every start of a day; computing each once keeps the pass cheap. */
const weeks = new Map<string, string>();
function cachedWeekOf(day: string): string {
  let week = weeks.get(day);
  if (week === undefined) {
    week = weekOf(day);
    weeks.set(day, week);
  }
  return week;
}

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

export const tbotFold: Fold<TbotReport> = {
  empty(window, options) {
    return {
      window,
      filters: (options ?? {}) as TbotFilters,
      total: 0,
      skipped: 0,
      perDay: table(),
      perWeek: Object.create(null) as TbotReport['perWeek'],
      breakdowns: perDimension(),
      helperVersions: table(),
      crossTabs: { join_type: table(), helper: table() },
      destinations: { configured: perKind(), runsWith: perKind() },
    };
  },

  valid: (record) => isWireTbotStart((record.event as { start?: unknown }).start),

  add(report, record: StoredRecord) {
    // `valid` has vouched for the start's shape.
    const event = record.event as ReceivedTbotEvent;
    const wire = event.start;
    const at = eventSecond(event.timestamp, record.received_at);
    if (!inWindow(at, report.window)) return;
    const values: Record<Dimension, string> = {
      run_mode: runModeFromWire(wire.runMode),
      join_type: wire.joinType || EMPTY,
      helper: wire.helper ?? NONE,
      version: String(wire.version),
    };
    const { filters } = report;
    if (
      (filters.runMode !== undefined && values.run_mode !== filters.runMode) ||
      (filters.version !== undefined && values.version !== filters.version) ||
      (filters.helper !== undefined && values.helper !== filters.helper)
    )
      return;
    report.total += 1;
    const day = at.slice(0, 10);
    bumpCell(report.perDay, day, values.run_mode);
    const weekStart = cachedWeekOf(day);
    report.perWeek[weekStart] ??= perDimension();
    const week = report.perWeek[weekStart];
    for (const dimension of DIMENSIONS) {
      bump(week[dimension], values[dimension]);
      bump(report.breakdowns[dimension], values[dimension]);
    }
    bumpCell(report.helperVersions, values.helper, wire.helperVersion ?? NONE);
    bumpCell(report.crossTabs.join_type, values.join_type, values.run_mode);
    bumpCell(report.crossTabs.helper, values.helper, values.run_mode);
    const destinations: Record<DestinationKind, number> = {
      database: count(wire.destinationsDatabase),
      kubernetes: count(wire.destinationsKubernetes),
      application: count(wire.destinationsApplication),
      other: count(wire.destinationsOther),
    };
    for (const kind of DESTINATION_KINDS) {
      report.destinations.configured[kind] += destinations[kind];
      if (destinations[kind] > 0) report.destinations.runsWith[kind] += 1;
    }
  },

  merge: mergeCounts,

  skip(report) {
    report.skipped += 1;
  },
};

/** Keys by count, largest first (ties by name). */
export const byCount = (tally: Counts): [string, number][] => ranked(Object.entries(tally));

/** Sums a day → run mode table into run mode → starts. */
export function runModeTotals(report: TbotReport): Counts {
  const totals = counts();
  for (const day of Object.values(report.perDay)) for (const [mode, starts] of Object.entries(day)) bump(totals, mode, starts);
  return totals;
}

/** Starts per day or per week (time order), or per value of a dimension (largest first). */
export function grouped(report: TbotReport, by: Exclude<Grouping, 'destinations'>): [string, number][] {
  if (by === 'day')
    return Object.entries(report.perDay)
      .map(([day, modes]): [string, number] => [day, Object.values(modes).reduce((sum, n) => sum + n, 0)])
      .sort((a, b) => a[0].localeCompare(b[0]));
  if (by === 'week')
    return Object.entries(report.perWeek)
      .map(([week, dims]): [string, number] => [week, Object.values(dims.run_mode).reduce((sum, n) => sum + n, 0)])
      .sort((a, b) => a[0].localeCompare(b[0]));
  return byCount(report.breakdowns[by]);
}
