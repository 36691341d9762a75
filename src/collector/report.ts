/**
 * Reports over the stored events, streamed line by line so memory stays flat whatever the
 * segments' size. They answer the usage-metrics questions: starts per day, the one-shot (CI) vs
 * continuous (host) share, join methods, helpers, agent versions, and the destination mix.
 */
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TbotStartEvent } from '../analytics/event.js';
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

function groupKey(by: Grouping, start: TbotStartEvent, day: string): string {
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

/** Lines of a file, read in large chunks (several times faster than node:readline here). */
async function* readLines(path: string): AsyncGenerator<string> {
  let carry = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
    const lines = (carry + (chunk as string)).split('\n');
    carry = lines.pop() ?? '';
    yield* lines;
  }
  if (carry !== '') yield carry;
}

function emptyReport(since: Date): Report {
  const breakdowns = Object.fromEntries(GROUPINGS.map((grouping) => [grouping, {}])) as Report['breakdowns'];
  return { since: since.toISOString(), total: 0, skipped: 0, perDay: {}, breakdowns, destinations: { total: 0, database: 0, kubernetes: 0, application: 0, other: 0 } };
}

/** Folds the segments' events into `report`, streaming each file. */
async function scanSegments(dir: string, segments: readonly string[], since: Date, report: Report): Promise<void> {
  const { breakdowns } = report;
  for (const segment of segments) {
    for await (const line of readLines(join(dir, segment))) {
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
        const key = groupKey(grouping, start, day);
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
}

function mergeInto(target: Report, part: Report): void {
  target.total += part.total;
  target.skipped += part.skipped;
  for (const [day, counts] of Object.entries(part.perDay)) {
    const into = (target.perDay[day] ??= { 'one-shot': 0, continuous: 0 });
    into['one-shot'] += counts['one-shot'];
    into.continuous += counts.continuous;
  }
  for (const grouping of GROUPINGS) {
    for (const [key, count] of Object.entries(part.breakdowns[grouping])) target.breakdowns[grouping][key] = (target.breakdowns[grouping][key] ?? 0) + count;
  }
  for (const key of Object.keys(part.destinations) as (keyof Report['destinations'])[]) target.destinations[key] += part.destinations[key];
}

export interface ReportTask {
  dir: string;
  segments: string[];
  since: string;
}

/** A small young generation keeps each worker's footprint flat; parsing garbage dies young anyway. */
const WORKER_YOUNG_GENERATION_MB = 2;

/** Runs in a report worker (report-worker.ts): scans its share of the segments. */
export async function scanTask(task: ReportTask): Promise<Report> {
  const part = emptyReport(new Date(task.since));
  await scanSegments(task.dir, task.segments, new Date(task.since), part);
  return part;
}

export interface ReportOptions {
  /** Threads to parse on; more than one needs `workerUrl`. */
  workers?: number;
  /** The built report-worker script (dist/tbot-collector-report-worker.mjs). */
  workerUrl?: URL;
}

/**
 * Parsing JSON is the whole cost of a report, so segments are shared out over worker threads,
 * one per core by default (each streams its files, so memory stays flat), and their tallies merged.
 */
export async function buildReport(dir: string, since: Date, options: ReportOptions = {}): Promise<Report> {
  const workers = options.workerUrl === undefined ? 1 : (options.workers ?? Math.min(availableParallelism(), 4));
  const sinceDay = since.toISOString().slice(0, 10);
  const segments = (await listSegments(dir)).filter((segment) => SEGMENT_PATTERN.exec(segment)![1]! >= sinceDay);
  const report = emptyReport(since);
  if (workers <= 1 || segments.length < 2) {
    await scanSegments(dir, segments, since, report);
    return report;
  }
  const shares = Array.from({ length: Math.min(workers, segments.length) }, (_, index) => segments.filter((_, position) => position % workers === index));
  const parts = await Promise.all(
    shares.map(
      (share) =>
        new Promise<Report>((resolve, reject) => {
          const task: ReportTask = { dir, segments: share, since: since.toISOString() };
          const worker = new Worker(options.workerUrl!, { workerData: task, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
          worker.once('message', (part: Report) => resolve(part));
          worker.once('error', reject);
          worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`report worker exited ${code}`))));
        }),
    ),
  );
  for (const part of parts) mergeInto(report, part);
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
