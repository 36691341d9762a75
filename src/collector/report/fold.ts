/**
 * What every report shares: stream the segments of the window, keep one family's records, and
 * fold them into a tally. Folds are pure (empty / add / merge), so the same fold runs on one thread
 * or on several worker threads whose tallies are merged; parsing JSON is the whole cost of a
 * report, which is why it is spread over cores.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { familyOf, type StoredRecord } from '../store/record.js';
import { listSegmentEntries, segmentDay, SegmentReader } from '../store/segments.js';

export interface Fold<R> {
  /** A tally of nothing, for the window starting at `since`. */
  empty(since: Date): R;
  /** Counts one record of the fold's family that arrived inside the window. */
  add(report: R, record: StoredRecord): void;
  /** Adds a worker's partial tally into `target`. */
  merge(target: R, part: R): void;
  /** Counts a line that could not be read as a record of this family. */
  skip(report: R): void;
  /**
   * Whether a record of the family has the shape `add` relies on. A line that fails is skipped and
   * counted like a damaged one, never folded (undefined fields would poison the totals).
   */
  valid?(record: StoredRecord): boolean;
}

export interface ScanTask {
  dir: string;
  segments: string[];
  since: string;
  family: string;
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

/** Folds the task's segments into a fresh tally, streaming each file. */
export async function scan<R>(fold: Fold<R>, task: ScanTask): Promise<R> {
  const since = new Date(task.since);
  const report = fold.empty(since);
  const reader = new SegmentReader(task.dir);
  for (const segment of task.segments) {
    for await (const lines of reader.familyLines(segment, task.family)) {
      for (const line of lines) {
        const record = parseRecord(line);
        if (record === undefined) {
          fold.skip(report);
          continue;
        }
        if (familyOf(record) !== task.family || Date.parse(record.received_at) < since.getTime()) continue;
        if (fold.valid?.(record) === false) {
          fold.skip(report);
          continue;
        }
        fold.add(report, record);
      }
    }
  }
  return report;
}

export interface ScanOptions {
  /** Threads to parse on; more than one needs `workerUrl`. */
  workers?: number;
  /** The built report-worker script (dist/tbot-collector-report-worker.mjs). */
  workerUrl?: URL;
  /** Told about entries named like segments that are not regular files (never read). */
  onIgnored?: (name: string) => void;
}

/** A small young generation keeps each worker's footprint flat; parsing garbage dies young anyway. */
const WORKER_YOUNG_GENERATION_MB = 2;

export async function buildReport<R>(fold: Fold<R>, family: string, dir: string, since: Date, options: ScanOptions = {}): Promise<R> {
  const workers = options.workerUrl === undefined ? 1 : (options.workers ?? Math.min(availableParallelism(), 4));
  const sinceDay = since.toISOString().slice(0, 10);
  const listing = await listSegmentEntries(dir);
  for (const name of listing.ignored) options.onIgnored?.(name);
  const segments = listing.segments.filter((segment) => segmentDay(segment) >= sinceDay);
  const task = (share: string[]): ScanTask => ({ dir, segments: share, since: since.toISOString(), family });
  if (workers <= 1 || segments.length < 2) return scan(fold, task(segments));
  const shares = Array.from({ length: Math.min(workers, segments.length) }, (_, index) => segments.filter((_, position) => position % workers === index));
  const parts = await Promise.all(
    shares.map(
      (share) =>
        new Promise<R>((resolve, reject) => {
          const worker = new Worker(options.workerUrl!, { workerData: task(share), resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
          worker.once('message', (part: R) => resolve(part));
          worker.once('error', reject);
          worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`report worker exited ${code}`))));
        }),
    ),
  );
  // Folding into the first part rather than a fresh tally keeps one copy fewer in memory.
  const [report, ...rest] = parts as [R, ...R[]];
  for (const part of rest) fold.merge(report, part);
  return report;
}
