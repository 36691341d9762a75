/**
 * The merged Connect tally turned into the answers every format shows (and what `--format json`
 * prints): plain numbers and sorted lists, no sets.
 */
import { dayRange, ranked, weekOf, type ReportWindow } from '../window.js';
import type { ConnectTally } from './fold.js';

export interface DayActivity {
  day: string;
  /** Distinct installations with any event that day (DAU). */
  active: number;
  events: number;
}

export interface WeekActivity {
  /** The Monday the week starts on (UTC). */
  week: string;
  /** Distinct installations with any event that week (WAU). */
  active: number;
  /** Days of the week that fall inside the data (a partial week has fewer than 7). */
  days: number;
  /** Change from the previous week's actives, as a ratio (0.1 = +10%); null for the first week. */
  change: number | null;
}

export interface ConnectReport {
  window: ReportWindow;
  total: number;
  skipped: number;
  /** Distinct installations over the whole window. */
  installations: number;
  daily: DayActivity[];
  weekly: WeekActivity[];
  /** Mean DAU of the last 7 days against the 7 before them; null when there is less than 14 days of data. */
  trend: { last7: number; previous7: number; change: number | null } | null;
  /** Events by product-metrics name, with the installations that sent each. */
  features: { name: string; events: number; installations: number }[];
  tabKinds: [string, number][];
  connectionKinds: [string, number][];
  platforms: { os: [string, number][]; versions: [string, number][] };
  connectorTypes: [string, number][];
}

const sizes = (sets: Map<string, Set<string>>): [string, number][] => ranked([...sets].map(([key, ids]) => [key, ids.size]));

function weeks(tally: ConnectTally, days: string[]): WeekActivity[] {
  const byWeek = new Map<string, { ids: Set<string>; days: number }>();
  for (const day of days) {
    const week = byWeek.get(weekOf(day)) ?? byWeek.set(weekOf(day), { ids: new Set(), days: 0 }).get(weekOf(day))!;
    week.days += 1;
    for (const id of tally.activeByDay.get(day) ?? []) week.ids.add(id);
  }
  let previous: number | undefined;
  return [...byWeek].map(([week, { ids, days: covered }]) => {
    const change = previous === undefined || previous === 0 ? null : ids.size / previous - 1;
    previous = ids.size;
    return { week, active: ids.size, days: covered, change };
  });
}

export function summarizeConnect(tally: ConnectTally): ConnectReport {
  const known = [...tally.activeByDay.keys()].sort();
  const days = known.length === 0 ? [] : dayRange(known[0]!, known.at(-1)!);
  const daily = days.map((day) => ({ day, active: tally.activeByDay.get(day)?.size ?? 0, events: tally.eventsByDay[day] ?? 0 }));
  const everyone = new Set<string>();
  for (const ids of tally.activeByDay.values()) for (const id of ids) everyone.add(id);
  const mean = (slice: DayActivity[]): number => slice.reduce((sum, day) => sum + day.active, 0) / Math.max(1, slice.length);
  const trend =
    daily.length < 14
      ? null
      : (() => {
          const last7 = mean(daily.slice(-7));
          const previous7 = mean(daily.slice(-14, -7));
          return { last7, previous7, change: previous7 === 0 ? null : last7 / previous7 - 1 };
        })();
  return {
    window: tally.window,
    total: tally.total,
    skipped: tally.skipped,
    installations: everyone.size,
    daily,
    weekly: weeks(tally, days),
    trend,
    features: ranked(Object.entries(tally.events)).map(([name, events]) => ({ name, events, installations: tally.usersByEvent.get(name)?.size ?? 0 })),
    tabKinds: ranked(Object.entries(tally.tabKinds)),
    connectionKinds: ranked(Object.entries(tally.connectionKinds)),
    platforms: { os: sizes(tally.osUsers), versions: sizes(tally.versionUsers) },
    connectorTypes: ranked(Object.entries(tally.connectorTypes)),
  };
}
