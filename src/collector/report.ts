/**
 * Reports over the stored events, streamed line by line so memory stays flat whatever the
 * segments' size. They answer the usage-metrics questions: starts per day, the one-shot (CI) vs
 * continuous (host) share, join methods, helpers, agent versions, and the destination mix.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fromWireStart } from '../analytics/wire.js';
import { listSegments, SEGMENT_PATTERN, type StoredEvent } from './segment-store.js';

export const GROUPINGS = ['run_mode', 'join_type', 'helper', 'version', 'day'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export interface Report {
  since: string;
  total: number;
  /** Lines that did not parse (a torn tail not yet cut, or damage); never counted as events. */
  skipped: number;
  perDay: Record<string, { 'one-shot': number; continuous: number }>;
  /** Every grouping is counted in the one pass; `by` picks the one a table or CSV shows. */
  breakdowns: Record<Grouping, Record<string, number>>;
  destinations: { total: number; database: number; kubernetes: number; application: number; other: number };
}

function groupKey(by: Grouping, stored: StoredEvent, day: string): string {
  const start = fromWireStart(stored.event.start);
  switch (by) {
    case 'run_mode':
      return start.run_mode;
    case 'join_type':
      return start.join_type;
    case 'helper':
      return start.helper === undefined ? '(none)' : `${start.helper}${start.helper_version === undefined ? '' : `@${start.helper_version}`}`;
    case 'version':
      return start.version;
    case 'day':
      return day;
  }
}

export async function buildReport(dir: string, since: Date): Promise<Report> {
  const sinceDay = since.toISOString().slice(0, 10);
  const breakdowns = Object.fromEntries(GROUPINGS.map((grouping) => [grouping, {}])) as Report['breakdowns'];
  const report: Report = { since: since.toISOString(), total: 0, skipped: 0, perDay: {}, breakdowns, destinations: { total: 0, database: 0, kubernetes: 0, application: 0, other: 0 } };
  for (const segment of await listSegments(dir)) {
    const segmentDay = SEGMENT_PATTERN.exec(segment)![1]!;
    if (segmentDay < sinceDay) continue;
    const lines = createInterface({ input: createReadStream(join(dir, segment), { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line === '') continue;
      let stored: StoredEvent;
      try {
        stored = JSON.parse(line) as StoredEvent;
        if (typeof stored.received_at !== 'string' || stored.event?.start === undefined) throw new Error('not an event');
      } catch {
        report.skipped += 1;
        continue;
      }
      if (Date.parse(stored.received_at) < since.getTime()) continue;
      const day = stored.received_at.slice(0, 10);
      const start = fromWireStart(stored.event.start);
      report.total += 1;
      const perDay = (report.perDay[day] ??= { 'one-shot': 0, continuous: 0 });
      perDay[start.run_mode] += 1;
      for (const grouping of GROUPINGS) {
        const key = groupKey(grouping, stored, day);
        breakdowns[grouping][key] = (breakdowns[grouping][key] ?? 0) + 1;
      }
      const mix = report.destinations;
      mix.total += start.destinations_configured;
      mix.database += start.destinations_configured_database_access;
      mix.kubernetes += start.destinations_configured_kubernetes_access;
      mix.application += start.destinations_configured_application_access;
      mix.other += stored.event.start.destinationsOther;
    }
  }
  return report;
}

/** "30d", "12h", "90m" before `now`, or an ISO date. */
export function parseSince(text: string, now: Date): Date | undefined {
  const relative = /^(\d+)([dhm])$/.exec(text);
  if (relative !== null) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  const absolute = Date.parse(text);
  return Number.isNaN(absolute) ? undefined : new Date(absolute);
}

export function sortedGroups(report: Report, by: Grouping): [string, number][] {
  const entries = Object.entries(report.breakdowns[by]);
  return by === 'day' ? entries.sort((a, b) => a[0].localeCompare(b[0])) : entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export const percent = (part: number, whole: number): string => (whole === 0 ? '0.0%' : `${((100 * part) / whole).toFixed(1)}%`);

export function formatTable(report: Report, by: Grouping): string {
  const days = Object.keys(report.perDay).sort();
  const oneShot = days.reduce((sum, day) => sum + report.perDay[day]!['one-shot'], 0);
  const groups = sortedGroups(report, by);
  const width = Math.max(12, ...groups.map(([key]) => key.length));
  const mix = report.destinations;
  return [
    `tbot.start events since ${report.since}: ${report.total}${report.skipped > 0 ? ` (${report.skipped} damaged lines skipped)` : ''}`,
    `one-shot (CI): ${oneShot} (${percent(oneShot, report.total)})   continuous (host): ${report.total - oneShot} (${percent(report.total - oneShot, report.total)})`,
    '',
    `starts per day         one-shot  continuous`,
    ...days.map((day) => `${day}            ${String(report.perDay[day]!['one-shot']).padStart(8)}  ${String(report.perDay[day]!.continuous).padStart(10)}`),
    '',
    `by ${by}`,
    ...groups.map(([key, count]) => `${key.padEnd(width)}  ${String(count).padStart(8)}  ${percent(count, report.total).padStart(6)}`),
    '',
    `destination mix (${mix.total} destinations): database ${mix.database} (${percent(mix.database, mix.total)}), kubernetes ${mix.kubernetes} (${percent(mix.kubernetes, mix.total)}), application ${mix.application} (${percent(mix.application, mix.total)}), other ${mix.other} (${percent(mix.other, mix.total)})`,
    '',
  ].join('\n');
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function formatCsv(report: Report, by: Grouping): string {
  return [[by, 'starts', 'share'].join(','), ...sortedGroups(report, by).map(([key, count]) => [csvCell(key), count, (count / Math.max(1, report.total)).toFixed(4)].join(','))].join('\n') + '\n';
}
