/**
 * A report over the shared PostgreSQL store: the window's rows of one family stream through a
 * server-side cursor, a bounded page at a time, into the same fold and the same per-line checks
 * (foldLineInto) as the segments go through, so the same events give the same tally. A month is never
 * held in memory: at most a few pages of lines are.
 *
 * Parsing and checking the lines is a report's cost, so a large window is folded on several
 * threads, as segments are: the reading thread reads the pages from its one cursor and offers each
 * to the least busy worker thread (line-folders.ts), folding it itself when every worker is full;
 * the parts merge as the segment workers' do. One connection and one cursor serve every thread: a
 * PostgreSQL client in each worker took some 45 MB of RSS apiece.
 *
 * Which thread reads: a window of fewer than SMALL_WINDOW_ROWS rows (one count query, stopped
 * there, says so) is read and folded on the calling thread, costing no thread more. A larger one,
 * or any when --workers says how many threads, is read on a reader thread (postgres-reader.ts), for
 * its small young generation; there the workers start from the first row.
 */
import type pg from 'pg';
import Cursor from 'pg-cursor';
import { DEFAULT_POOL_LIMITS, openPool, toPostgresError } from '../store/postgres/pool.js';
import type { StoreUrl } from '../store/postgres/store-url.js';
import { DEFAULT_WORKERS, type Fold, type FoldTarget, foldLineInto, mergeParts } from './fold.js';
import { LineFolders } from './line-folders.js';
import { reportOnReader } from './postgres-reader.js';
import type { ReportWindow } from './window.js';

/**
 * Rows fetched per round trip: enough to keep the round trips a small part of the time, few enough
 * that a page dies in the reader's small young generation instead of outliving it (a page's rows
 * are all alive until it is complete). Over a million rows, 1,000 a page took the reader's heap to
 * 35 MB and 250 kept it at 16 MB, in the same time; 100 took longer.
 */
export const PAGE_ROWS = 250;

/**
 * Rows a window holds before its report takes more threads (the reader, worker threads), unless
 * --workers says how many; also the rows the calling thread folds before starting worker threads,
 * should a window counted small grow meanwhile. Starting a worker (a new isolate loading the fold
 * code) costs about 0.25 CPU-seconds here, and folding a row about 25 µs: over 20,000 rows an extra
 * thread took more CPU and more time than it saved; past 50,000 the start is under half of what it
 * shares.
 */
export const SMALL_WINDOW_ROWS = 50_000;

/**
 * Rows are read from a window's start on, in arrival order (the order the segments hold them in),
 * by the (family, received_at) index. An event's time is never later than its arrival, so nothing
 * that arrived earlier can fall inside; the fold decides the rest by the event's time.
 *
 * Several windows are read in one pass (a report and the period it is compared with): one cursor over
 * the rows from the earliest start on, each row numbered by the range between the windows' starts
 * it falls in, and each range's lines offered to the windows that start at or before it. A row is
 * read, parsed and checked once, and each window gets exactly the rows a query of its own
 * (received_at >= its start) would give it.
 */
interface RowRange {
  from: string;
  /** Indexes of the windows the range's rows belong to. */
  targets: number[];
}

function rowRanges(windows: readonly ReportWindow[]): RowRange[] {
  const starts = [...new Set(windows.map((window) => new Date(window.since).getTime()))].sort((a, b) => a - b);
  return starts.map((from) => ({
    from: new Date(from).toISOString(),
    targets: windows.flatMap((window, target) => (new Date(window.since).getTime() <= from ? [target] : [])),
  }));
}

/** The rows from the first range's start on, each with the index of its range (the later starts it has reached). */
function rangedRowsQuery(ranges: readonly RowRange[]): string {
  const reached = ranges.slice(1).map((_, index) => `(received_at >= $${index + 3})::int`);
  return `SELECT line, ${reached.length === 0 ? '0' : reached.join(' + ')} AS range FROM collector_events WHERE family = $1 AND received_at >= $2 ORDER BY received_at`;
}

const earliest = (windows: readonly ReportWindow[]): ReportWindow => windows.reduce((first, window) => (new Date(window.since) < new Date(first.since) ? window : first));

/**
 * A report may stream for minutes over a large store; each page is one statement, but pg's own
 * timer covers the whole cursor, so it is bounded by this instead of the pool's statement bound.
 */
const REPORT_TIMEOUT_MS = 30 * 60_000;

export interface PostgresScanOptions {
  /**
   * Threads folding, the main thread included (default: one per core, at most 4, once the window
   * passes SMALL_WINDOW_ROWS); more than one needs `workerUrl`.
   */
  workers?: number;
  /** The built line-folding worker (dist/tbot-collector-line-fold-worker.mjs). */
  workerUrl?: URL;
  /**
   * The built reader (dist/tbot-collector-postgres-reader.mjs): a large window, or any when told
   * how many threads, is read and folded there. Without it, here.
   */
  readerUrl?: URL;
}

/** Whether the window holds at least SMALL_WINDOW_ROWS rows: counted by the index, stopping there. */
const LARGE_WINDOW = 'SELECT count(*)::int AS counted FROM (SELECT 1 FROM collector_events WHERE family = $1 AND received_at >= $2 LIMIT $3) AS window_rows';

async function isLarge(pool: pg.Pool, family: string, windows: readonly ReportWindow[], store: StoreUrl): Promise<boolean> {
  try {
    const result = await pool.query<{ counted: number }>(LARGE_WINDOW, [family, earliest(windows).since, SMALL_WINDOW_ROWS]);
    return (result.rows[0]?.counted ?? 0) >= SMALL_WINDOW_ROWS;
  } catch (error) {
    throw toPostgresError(error, store);
  }
}

/** One report on its own single-connection pool, closed when done. */
export async function reportFromPostgres<R>(
  fold: Fold<R>,
  family: string,
  store: StoreUrl,
  window: ReportWindow,
  foldOptions: unknown,
  options: PostgresScanOptions = {},
): Promise<R> {
  const [report] = await reportsFromPostgres(fold, family, store, [window], foldOptions, options);
  return report!;
}

/** A tally per window from one pass over the rows (see rowRanges), on its own single-connection pool. */
export async function reportsFromPostgres<R>(
  fold: Fold<R>,
  family: string,
  store: StoreUrl,
  windows: ReportWindow[],
  foldOptions: unknown,
  options: PostgresScanOptions = {},
): Promise<R[]> {
  const pool = openPool(store, { ...DEFAULT_POOL_LIMITS, max: 1, statementTimeoutMs: REPORT_TIMEOUT_MS });
  const readerUrl = options.readerUrl;
  try {
    if (readerUrl === undefined || (options.workers === undefined && !(await isLarge(pool, family, windows, store))))
      return await buildPostgresReports(fold, family, pool, store, windows, foldOptions, options);
  } finally {
    await pool.end();
  }
  const workers = options.workerUrl === undefined ? 1 : (options.workers ?? DEFAULT_WORKERS());
  return reportOnReader(fold, readerUrl, { family, store, windows, options: foldOptions, workers });
}

export async function buildPostgresReports<R>(
  fold: Fold<R>,
  family: string,
  pool: pg.Pool,
  store: StoreUrl,
  windows: ReportWindow[],
  foldOptions: unknown,
  options: PostgresScanOptions = {},
): Promise<R[]> {
  const reports = windows.map((window) => fold.empty(window, foldOptions));
  const threads = options.workerUrl === undefined ? 1 : (options.workers ?? DEFAULT_WORKERS());
  // Told how many: from the first row; else only once the window has proved large.
  const threshold = options.workers === undefined ? SMALL_WINDOW_ROWS : 0;
  let folders: LineFolders<R> | undefined;
  let foldedHere = 0;
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw toPostgresError(error, store);
  }
  let broken: Error | undefined;
  try {
    const ranges = rowRanges(windows);
    const targetsOf = ranges.map((range) => range.targets.map((index): FoldTarget<R> => ({ report: reports[index]!, since: windows[index]!.since })));
    const cursor = client.query(new Cursor<{ line: string; range: number }>(rangedRowsQuery(ranges), [family, ...ranges.map((range) => range.from)]));
    try {
      for (let rows = await cursor.read(PAGE_ROWS); rows.length > 0; rows = await cursor.read(PAGE_ROWS)) {
        if (folders === undefined && threads > 1 && foldedHere >= threshold)
          folders = new LineFolders<R>(options.workerUrl!, { family, windows, options: foldOptions }, threads - 1);
        // Rows come in arrival order, so a page holds at most a few runs of one range each.
        for (let start = 0; start < rows.length; ) {
          const range = rows[start]!.range;
          let end = start + 1;
          while (end < rows.length && rows[end]!.range === range) end += 1;
          const run = start === 0 && end === rows.length ? rows : rows.slice(start, end);
          start = end;
          if (
            folders?.offer(
              run.map((row) => row.line),
              ranges[range]!.targets,
            ) === true
          )
            continue;
          for (const row of run) foldLineInto(fold, targetsOf[range]!, family, row.line);
          foldedHere += run.length;
        }
      }
    } finally {
      await cursor.close().catch(() => undefined);
      // pg arms its read timer (query_timeout) for a submitted query and clears it in the query's
      // callback, which pg-cursor never calls: left alone, the timer kept a thread (the reader,
      // a test) alive for REPORT_TIMEOUT_MS after the report. Calling it ends the timer, nothing more.
      (cursor as unknown as { callback?: (error?: Error) => void }).callback?.();
    }
  } catch (error) {
    broken = error as Error;
    await folders?.stop();
    throw toPostgresError(error, store);
  } finally {
    client.release(broken);
  }
  if (folders === undefined) return reports;
  const parts = await folders.finish();
  return windows.map((window, index) => mergeParts(fold, window, foldOptions, [reports[index]!, ...parts.map((part) => part[index]!)]));
}
