/**
 * The report window and the calendar every report shares: UTC days, weeks starting on Monday, and
 * how dates are shown to people. Pure: `now` is passed in.
 */
import { instantMillis, parseRfc3339 } from '../../protocol/rfc3339.js';

/** Since (inclusive) and until (exclusive), as ISO strings so a worker thread can take them. */
export interface ReportWindow {
  since: string;
  until: string;
}

const UNITS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;

export type ParsedWhen = { ok: true; date: Date } | { ok: false; reason?: string };

/**
 * "30d", "12h", "90m" before now, an ISO date (a UTC day) or an RFC 3339 time, or "now". Dates are
 * checked by the same field-by-field parser ingest uses, because Date.parse rolls 2026-02-30 over
 * into March: a window must never start on a day the user did not name. `reason` says which part
 * of a date-like value does not exist.
 */
export function parseWhen(text: string, now: Date): ParsedWhen {
  if (text === 'now') return { ok: true, date: now };
  const relative = /^(\d+)([dhm])$/.exec(text);
  if (relative !== null) {
    // A window reaching past what Date can hold (e.g. 99999999999d) is as unusable as a typo.
    const start = new Date(now.getTime() - Number(relative[1]) * UNITS[relative[2] as keyof typeof UNITS]);
    return Number.isNaN(start.getTime()) ? { ok: false } : { ok: true, date: start };
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return { ok: false };
  const parsed = parseRfc3339(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  return parsed.ok ? { ok: true, date: new Date(instantMillis(parsed.instant)) } : { ok: false, reason: parsed.reason };
}

/** Seconds precision, "YYYY-MM-DDTHH:MM:SS": what folds compare event times against. */
export const secondOf = (iso: string): string => iso.slice(0, 19);

/**
 * The window in secondOf's terms: since rounded down, until rounded up, so an event in the same
 * second as `--until now` still counts. Kept per window, not computed per event.
 */
const bounds = new WeakMap<ReportWindow, { since: string; until: string }>();
export function secondBounds(window: ReportWindow): { since: string; until: string } {
  let found = bounds.get(window);
  if (found === undefined) {
    found = { since: secondOf(window.since), until: secondOf(new Date(Math.ceil(Date.parse(window.until) / 1000) * 1000).toISOString()) };
    bounds.set(window, found);
  }
  return found;
}

/**
 * The one rule every report follows for when an event happened: its own timestamp, to the second,
 * in UTC, clamped to when it arrived (a clock running ahead must not put events in the future).
 * Timestamps stored with an offset, by writers older than the normalised form, are converted; an
 * event without a readable timestamp happened when it arrived. An event belongs to the day of this
 * time, and to a window only when this time is inside it (`inWindow`): an event from before the
 * window is left out by every family, never moved onto the window's first day.
 */
export function eventSecond(timestamp: unknown, receivedAt: string): string {
  const received = secondOf(receivedAt);
  if (typeof timestamp !== 'string') return received;
  let utc = secondOf(timestamp);
  if (!timestamp.endsWith('Z')) {
    const parsed = Date.parse(timestamp);
    if (Number.isNaN(parsed)) return received;
    utc = secondOf(new Date(parsed).toISOString());
  }
  return utc < received ? utc : received;
}

/** Whether an eventSecond lies inside the window, [since, until). */
export function inWindow(second: string, window: ReportWindow): boolean {
  const { since, until } = secondBounds(window);
  return second >= since && second < until;
}

/** The Monday (UTC) of the week a day ("YYYY-MM-DD") falls in. */
export function weekOf(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return new Date(date.getTime() - ((date.getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-03-04" → "4 Mar 2026" (or "4 Mar" without the year). */
export function humanDay(day: string, withYear = true): string {
  const [year, month, date] = day.split('-');
  return `${Number(date)} ${MONTHS[Number(month) - 1]}${withYear ? ` ${year}` : ''}`;
}

/** "3 Feb 2026 – 4 Mar 2026 (UTC)": the days the window covers, until being exclusive. */
export function humanWindow(window: ReportWindow): string {
  const lastDay = new Date(Date.parse(window.until) - 1).toISOString().slice(0, 10);
  return `${humanDay(window.since.slice(0, 10))} – ${humanDay(lastDay)} (UTC)`;
}

/** Every day from `first` to `last`, so quiet days show as gaps. */
export function dayRange(first: string, last: string): string[] {
  const days: string[] = [];
  for (let day = new Date(`${first}T00:00:00Z`); day.toISOString().slice(0, 10) <= last; day = new Date(day.getTime() + 86_400_000)) days.push(day.toISOString().slice(0, 10));
  return days;
}

/** Every Monday from the week of `first` to the week of `last`. */
export function weekRange(first: string, last: string): string[] {
  return dayRange(weekOf(first), weekOf(last)).filter((_, index) => index % 7 === 0);
}

/** Whether the whole week lies inside the window (the first and last week usually do not). */
export function fullWeek(week: string, window: ReportWindow): boolean {
  const start = Date.parse(`${week}T00:00:00Z`);
  return start >= Date.parse(window.since) && start + 7 * 86_400_000 <= Date.parse(window.until);
}

export const percent = (part: number, whole: number): string => (whole === 0 ? '0.0%' : `${((100 * part) / whole).toFixed(1)}%`);

/** "+12.5%", "−3.0%", "new" (nothing the week before), or "–" (nothing either week). */
export function change(current: number, previous: number): string {
  if (previous === 0) return current === 0 ? '–' : 'new';
  const delta = (100 * (current - previous)) / previous;
  return `${delta >= 0 ? '+' : '−'}${Math.abs(delta).toFixed(1)}%`;
}

export function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Descending by count, then by key, so equal counts print in a stable order. */
export const ranked = (entries: Iterable<[string, number]>): [string, number][] => [...entries].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
