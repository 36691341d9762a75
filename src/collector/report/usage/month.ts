/** A billing month as a report window, for `report usage --month` and the dashboard's usage page. */
import type { ReportWindow } from '../window.js';

/** "2026-11" → that month in UTC; undefined when the text is not a month as YYYY-MM. */
export function monthWindow(month: string): ReportWindow | undefined {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (match === null) return undefined;
  const start = Date.UTC(Number(match[1]), Number(match[2]) - 1, 1);
  const end = Date.UTC(Number(match[1]), Number(match[2]), 1);
  return { since: new Date(start).toISOString(), until: new Date(end).toISOString() };
}

/** "2026-11" → "2026-10"; "2026-01" → "2025-12": a month is compared with the calendar month before it. */
export function monthBefore(month: string): string {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, number - 2, 1)).toISOString().slice(0, 7);
}
