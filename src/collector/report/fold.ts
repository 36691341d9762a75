/**
 * What every report shares: stream the segments of the window, keep one family's records, and
 * fold them into a tally. Folds are pure (empty / add / merge), so the same fold runs on one thread
 * or on several worker threads whose tallies are merged; parsing JSON is the whole cost of a
 * report, which is why it is spread over cores.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { familyOf, type StoredRecord } from '../store/record.js';
import { checkStoredRecord } from '../store/record-check.js';
import { listSegmentEntries, segmentDay, SegmentReader } from '../store/segments.js';
import type { ReportWindow } from './window.js';

export interface Fold<R> {
  /** A tally of nothing, for the window and the family's own options (filters), both plain data. */
  empty(window: ReportWindow, options: unknown): R;
  /**
   * Counts one record of the fold's family that arrived after the window's start; the fold
   * decides by the event's own time whether it falls inside.
   */
  add(report: R, record: StoredRecord): void;
  /** Adds a worker's partial tally into `target`. */
  merge(target: R, part: R): void;
  /** Counts a line that could not be read as a record of this family. */
  skip(report: R): void;
  /**
   * Whether a record of the family has the shape `add` relies on. A line that fails is skipped and
   * counted like a damaged one, never folded (undefined fields would poison the totals). Asked
   * only about records that passed checkStoredRecord: what that proves need not be proven again.
   */
  valid?(record: StoredRecord): boolean;
  /**
   * A quicker reading of a stored line, for a family whose lines are many and alike: undefined
   * unless the line would pass every check foldLineInto makes (parse, checkStoredRecord, `valid`),
   * and then `addRead` counts it exactly as `add` counts the parsed record. Any other line takes
   * the generic path, which alone judges damage.
   */
  readLine?(line: string): ReadLine | undefined;
  addRead?(report: R, read: ReadLine): void;
  /**
   * Buffers of a worker's tally to transfer to the main thread instead of copying: a large tally
   * then exists once, not twice (the worker's and its clone), while the parts are merged.
   */
  transfer?(report: R): ArrayBuffer[];
}

/** A line a fold read by itself (Fold.readLine): its family and arrival, and what the fold keeps of it. */
export interface ReadLine {
  family: string;
  receivedAt: string;
}

export interface ScanTask {
  dir: string;
  segments: string[];
  /**
   * The windows folded in the same pass, one tally each: a report and the period it is compared
   * with read the same recent segments, and each line is parsed and checked once for both.
   */
  windows: ReportWindow[];
  family: string;
  options: unknown;
  /** Read the segments with blocking calls: the thread does nothing else meanwhile. */
  blocking?: boolean;
}

function parseRecord(line: string): StoredRecord | undefined {
  try {
    const record = JSON.parse(line) as StoredRecord;
    if (typeof record !== 'object' || record === null || typeof record.event !== 'object' || record.event === null) return undefined;
    if (typeof record.received_at !== 'string' || Number.isNaN(Date.parse(record.received_at))) return undefined;
    return record.family === undefined || typeof record.family === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}

/** A tally and the start of its window, as foldLineInto offers a line to it. */
export interface FoldTarget<R> {
  report: R;
  since: string;
}

/**
 * Folds one stored line, from a segment or from the shared store alike, into each target: a line
 * of another family, or one that arrived before a target's `since`, is passed over; a damaged one
 * is counted as skipped. `since` is the window's start (received_at is always toISOString's
 * spelling, as the window is, so strings compare as times). The line is parsed and checked once,
 * whatever the number of targets.
 */
export function foldLineInto<R>(fold: Fold<R>, targets: readonly FoldTarget<R>[], family: string, line: string): void {
  const read = fold.readLine?.(line);
  if (read !== undefined && read.family === family) {
    for (const target of targets) if (read.receivedAt >= target.since) fold.addRead!(target.report, read);
    return;
  }
  const record = parseRecord(line);
  let sound: boolean | undefined;
  for (const target of targets) {
    // An event's time is never later than its arrival, so what arrived before the window is out.
    if (record !== undefined && (familyOf(record) !== family || record.received_at < target.since)) continue;
    // The same check the forwarder makes: a record that fails it is skipped as damaged, never shown.
    if (record !== undefined) sound ??= checkStoredRecord(record).ok && fold.valid?.(record) !== false;
    if (record === undefined || sound !== true) fold.skip(target.report);
    else fold.add(target.report, record);
  }
}

/** The first day each window reads: segments are days of arrival, and what arrived before a window's start is out of it. */
const firstDay = (window: ReportWindow): string => window.since.slice(0, 10);

/** Folds the task's segments into a fresh tally per window, streaming each file once. */
export async function scan<R>(fold: Fold<R>, task: ScanTask): Promise<R[]> {
  const reports = task.windows.map((window) => fold.empty(window, task.options));
  const all = reports.map((report, index) => ({ report, since: task.windows[index]!.since, firstDay: firstDay(task.windows[index]!) }));
  const reader = new SegmentReader(task.dir, { blocking: task.blocking === true });
  for (const segment of task.segments) {
    // A window that starts after this segment's day never saw it: its tally is not offered the segment's lines (not even a damaged one).
    const targets = all.filter((target) => segmentDay(segment) >= target.firstDay);
    if (targets.length === 0) continue;
    for await (const lines of reader.familyLines(segment, task.family)) {
      for (const line of lines) foldLineInto(fold, targets, task.family, line);
    }
  }
  return reports;
}

export interface ScanOptions {
  /** Threads to parse on; more than one needs `workerUrl`. */
  workers?: number;
  /** The built report-worker script (dist/tbot-collector-report-worker.mjs). */
  workerUrl?: URL;
  /** Told about entries named like segments that are not regular files (never read). */
  onIgnored?: (name: string) => void;
  /**
   * Whether the calling thread may block on reads when it scans itself (one worker): a one-shot
   * CLI may, a server must not. Worker threads always do: they have nothing else to do.
   */
  blockingReads?: boolean;
}

/** Threads a large report parses on unless told: one per core, at most 4. */
export const DEFAULT_WORKERS = (): number => Math.min(availableParallelism(), 4);

/** A small young generation keeps each worker's footprint flat; parsing garbage dies young anyway. */
const WORKER_YOUNG_GENERATION_MB = 2;
/**
 * Below this many bytes of segments (a sealed one counted at SEALED_RATIO times its size) the
 * default is one thread: starting a worker (a new isolate loading the report bundle) costs more
 * CPU than parsing a few megabytes. An explicit --workers is always obeyed.
 */
const SMALL_STORE_BYTES = 8 * 1024 * 1024;
const SEALED_RATIO = 6;

/** The segments' bytes on disk, a sealed one weighted by SEALED_RATIO; stops counting at `limit`. */
async function storeBytes(dir: string, segments: readonly string[], sealed: ReadonlySet<string>, limit: number): Promise<number> {
  let total = 0;
  for (const segment of segments) {
    const isSealed = sealed.has(segment);
    const info = await stat(join(dir, isSealed ? `${segment}.gz` : segment)).catch(() => undefined);
    total += (info?.size ?? 0) * (isSealed ? SEALED_RATIO : 1);
    if (total >= limit) break;
  }
  return total;
}

export async function buildReport<R>(fold: Fold<R>, family: string, dir: string, window: ReportWindow, foldOptions: unknown, options: ScanOptions = {}): Promise<R> {
  const [report] = await buildReports(fold, family, dir, [window], foldOptions, options);
  return report!;
}

/**
 * A tally per window from one pass over the segments: each line is read, parsed and checked once,
 * then offered to every window whose segments hold it. Gives what buildReport gives per window.
 */
export async function buildReports<R>(fold: Fold<R>, family: string, dir: string, windows: ReportWindow[], foldOptions: unknown, options: ScanOptions = {}): Promise<R[]> {
  const sinceDay = windows.map(firstDay).reduce((earliest, day) => (day < earliest ? day : earliest));
  const listing = await listSegmentEntries(dir);
  for (const name of listing.ignored) options.onIgnored?.(name);
  // Segments are days of arrival; events arrive after they happen, so later segments may hold
  // events from inside the window and are all read.
  const segments = listing.segments.filter((segment) => segmentDay(segment) >= sinceDay);
  // Readers take the plain file when both forms are there, so only a segment without one is counted sealed.
  const sealedOnly = new Set(listing.sealed.filter((name) => !listing.plain.includes(name)));
  const small = async (): Promise<boolean> => (await storeBytes(dir, segments, sealedOnly, SMALL_STORE_BYTES)) < SMALL_STORE_BYTES;
  const workers = options.workerUrl === undefined ? 1 : (options.workers ?? (segments.length < 2 || (await small()) ? 1 : DEFAULT_WORKERS()));
  const task = (share: string[], blocking: boolean): ScanTask => ({ dir, segments: share, windows, family, options: foldOptions, blocking });
  if (workers <= 1 || segments.length < 2) return scan(fold, task(segments, options.blockingReads === true));
  const shares = Array.from({ length: Math.min(workers, segments.length) }, (_, index) => segments.filter((_, position) => position % workers === index));
  // A fresh tally, never a worker's part: parts come through postMessage, which gives their
  // prototype-free tables a prototype again, and a stored key such as "__proto__" must not reach it.
  const reports = windows.map((window) => fold.empty(window, foldOptions));
  // Parts merge in the shares' order (the output never depends on which worker finished first),
  // each as soon as the ones before it have: the main thread then holds the tally and at most the
  // parts still waiting, not every part at once. The peak memory of a report is this merge.
  const waiting = new Map<number, R[]>();
  let next = 0;
  const arrived = (index: number, parts: R[]): void => {
    waiting.set(index, parts);
    while (waiting.has(next)) {
      for (const [window, part] of waiting.get(next)!.entries()) fold.merge(reports[window]!, part);
      waiting.delete(next);
      next += 1;
    }
  };
  const threads = shares.map(
    (share) => new Worker(options.workerUrl!, { workerData: task(share, true), resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } }),
  );
  const all = Promise.all(
    threads.map(
      (worker, index) =>
        new Promise<void>((resolve, reject) => {
          worker.once('message', (parts: R[]) => {
            // The worker's own copy of its tally is garbage now; ending the thread frees it before the merge grows the main heap.
            void worker.terminate();
            try {
              arrived(index, parts);
              resolve();
            } catch (error) {
              reject(error);
            }
          });
          worker.once('error', reject);
          // Ended by terminate() after its message (code 1), or by itself: only an exit before any message is a failure.
          worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`report worker exited ${code}`))));
        }),
    ),
  );
  // The first failure fails the report: the other threads are stopped, what they would read is wasted.
  await all.catch((error: unknown) => {
    for (const worker of threads) void worker.terminate();
    throw error;
  });
  if (next !== shares.length) throw new Error(`report workers: ${shares.length - next} of ${shares.length} gave no tally`);
  return reports;
}

/**
 * Parts folded elsewhere (PostgreSQL pages folded on worker threads) merged into a fresh tally,
 * never into a part: parts come through postMessage, which gives their prototype-free tables a
 * prototype again, and a stored key such as "__proto__" must not reach it.
 */
export function mergeParts<R>(fold: Fold<R>, window: ReportWindow, foldOptions: unknown, parts: readonly R[]): R {
  const report = fold.empty(window, foldOptions);
  for (const part of parts) fold.merge(report, part);
  return report;
}

/**
 * Tallies keyed by values from the store. Keys such as "__proto__" are legal stored values (a
 * join type may be any lowercase word), so tallies have no prototype for a key to reach.
 */
export type Counts = Record<string, number>;

export const counts = (): Counts => Object.create(null) as Counts;

export function bump(tally: Counts, key: string, by = 1): void {
  tally[key] = (tally[key] ?? 0) + by;
}

/** tally[row][column] += 1, creating the row. */
export function bumpCell(table: Record<string, Counts>, row: string, column: string): void {
  table[row] ??= counts();
  bump(table[row], column);
}

/** A table (row → column → count) of prototype-free rows. */
export const table = (): Record<string, Counts> => Object.create(null) as Record<string, Counts>;

/**
 * Adds every number in `part` into `target` at the same place, at any depth, creating what is
 * missing; strings (the window, the filters) are left as they are. One merge for every fold.
 */
export function mergeCounts<T extends object>(target: T, part: T): void {
  const into = target as Record<string, unknown>;
  for (const [key, value] of Object.entries(part)) {
    if (typeof value === 'number') into[key] = ((into[key] as number | undefined) ?? 0) + value;
    else if (typeof value === 'object' && value !== null) {
      into[key] ??= Object.create(null);
      mergeCounts(into[key] as object, value);
    }
  }
}
