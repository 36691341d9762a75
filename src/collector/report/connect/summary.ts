/**
 * The merged Connect tally turned into the answers every format shows (and what `--format json`
 * prints): plain numbers and sorted lists, no sets.
 */
import { type IdSet, type IdSets, idSetSize, unionSize } from '../distinct-ids.js';
import type { Headline, SummaryStrip } from '../summary-strip.js';
import { dayRange, fullWeek, ranked, weekOf, type ReportWindow } from '../window.js';
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
  /** Whether the whole week lies inside the report's window; only full weeks are compared. */
  full: boolean;
  /**
   * Change from the previous week's actives, as a ratio (0.1 = +10%); null unless this week and
   * the one before are both full (a partial week has fewer days to be active in) and the one
   * before had any.
   */
  change: number | null;
}

/** A feature: the installations that used it, as a share of the installations active in the window. */
export interface FeatureUse {
  /** The product-metrics event name, e.g. connect.tab.open. */
  name: string;
  events: number;
  installations: number;
  /** installations over the window's active installations (0..1). */
  share: number;
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
  /** Features by the share of installations that used them (most used first), with their event counts. */
  features: FeatureUse[];
  tabKinds: [string, number][];
  connectionKinds: [string, number][];
  platforms: { os: [string, number][]; versions: [string, number][] };
  connectorTypes: [string, number][];
  /** The headline numbers against the previous period (added by the command, not by summarizeConnect). */
  summary?: SummaryStrip;
}

const sizes = (sets: IdSets): [string, number][] => ranked([...sets].map(([key, ids]) => [key, idSetSize(ids)]));

function weeks(tally: ConnectTally, days: string[]): WeekActivity[] {
  const isFull = (week: string): boolean => fullWeek(week, tally.window);
  const byWeek = new Map<string, { sets: IdSet[]; days: number }>();
  for (const day of days) {
    const week = byWeek.get(weekOf(day)) ?? byWeek.set(weekOf(day), { sets: [], days: 0 }).get(weekOf(day))!;
    week.days += 1;
    const active = tally.activeByDay.get(day);
    if (active !== undefined) week.sets.push(active);
  }
  let previous: { active: number; full: boolean } | undefined;
  return [...byWeek].map(([week, { sets, days: covered }]) => {
    const full = isFull(week);
    const active = unionSize(sets, tally.ids.count);
    const change = previous === undefined || !previous.full || !full || previous.active === 0 ? null : active / previous.active - 1;
    previous = { active, full };
    return { week, active, days: covered, full, change };
  });
}

export function summarizeConnect(tally: ConnectTally): ConnectReport {
  const known = [...tally.activeByDay.keys()].sort();
  const days = known.length === 0 ? [] : dayRange(known[0]!, known.at(-1)!);
  const daily = days.map((day) => {
    const active = tally.activeByDay.get(day);
    return { day, active: active === undefined ? 0 : idSetSize(active), events: tally.eventsByDay[day] ?? 0 };
  });
  const installations = unionSize(tally.activeByDay.values(), tally.ids.count);
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
    installations,
    daily,
    weekly: weeks(tally, days),
    trend,
    features: Object.entries(tally.events)
      .map(([name, events]) => {
        const users = tally.usersByEvent.get(name);
        const used = users === undefined ? 0 : idSetSize(users);
        return { name, events, installations: used, share: installations === 0 ? 0 : used / installations };
      })
      .sort((a, b) => b.installations - a.installations || b.events - a.events || a.name.localeCompare(b.name)),
    tabKinds: ranked(Object.entries(tally.tabKinds)),
    connectionKinds: ranked(Object.entries(tally.connectionKinds)),
    platforms: { os: sizes(tally.osUsers), versions: sizes(tally.versionUsers) },
    connectorTypes: ranked(Object.entries(tally.connectorTypes)),
  };
}

/** The Connect summary strip: who used Connect, how often, how much, and logins. */
export function connectHeadline(report: ConnectReport): Headline[] {
  const meanDau = report.daily.length === 0 ? 0 : report.daily.reduce((sum, day) => sum + day.active, 0) / report.daily.length;
  return [
    { key: 'installations', label: 'active installations', value: report.installations, unit: 'count' },
    { key: 'mean_dau', label: 'mean daily actives', value: Math.round(10 * meanDau) / 10, unit: 'count' },
    { key: 'events', label: 'events', value: report.total, unit: 'count' },
    { key: 'logins', label: 'logins', value: report.connectorTypes.reduce((sum, [, count]) => sum + count, 0), unit: 'count' },
  ];
}

export const connectIsEmpty = (report: ConnectReport): boolean => report.total === 0 && report.skipped === 0;
