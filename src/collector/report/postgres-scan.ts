/**
 * A report over the shared PostgreSQL store: the window's rows of one family stream through a
 * server-side cursor, a bounded page at a time, into the same fold and the same per-line checks
 * (foldLine) as the segments go through, so the same events give the same tally. A month is never
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
import { DEFAULT_WORKERS, type Fold, foldLine, mergeParts } from './fold.js';
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
 * Rows that arrived from the window's start on, in arrival order (the order the segments hold
 * them in), by the (family, received_at) index. An event's time is never later than its arrival,
 * so nothing that arrived earlier can fall inside; the fold decides the rest by the event's time.
 */
const WINDOW_ROWS = 'SELECT line FROM collector_events WHERE family = $1 AND received_at >= $2 ORDER BY received_at';

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

async function isLarge(pool: pg.Pool, family: string, window: ReportWindow, store: StoreUrl): Promise<boolean> {
  try {
    const result = await pool.query<{ counted: number }>(LARGE_WINDOW, [family, window.since, SMALL_WINDOW_ROWS]);
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
  const pool = openPool(store, { ...DEFAULT_POOL_LIMITS, max: 1, statementTimeoutMs: REPORT_TIMEOUT_MS });
  const readerUrl = options.readerUrl;
  try {
    if (readerUrl === undefined || (options.workers === undefined && !(await isLarge(pool, family, window, store))))
      return await buildPostgresReport(fold, family, pool, store, window, foldOptions, options);
  } finally {
    await pool.end();
  }
  const workers = options.workerUrl === undefined ? 1 : (options.workers ?? DEFAULT_WORKERS());
  return reportOnReader(fold, readerUrl, { family, store, window, options: foldOptions, workers });
}

export async function buildPostgresReport<R>(
  fold: Fold<R>,
  family: string,
  pool: pg.Pool,
  store: StoreUrl,
  window: ReportWindow,
  foldOptions: unknown,
  options: PostgresScanOptions = {},
): Promise<R> {
  const report = fold.empty(window, foldOptions);
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
    const cursor = client.query(new Cursor<{ line: string }>(WINDOW_ROWS, [family, window.since]));
    try {
      for (let rows = await cursor.read(PAGE_ROWS); rows.length > 0; rows = await cursor.read(PAGE_ROWS)) {
        if (folders === undefined && threads > 1 && foldedHere >= threshold)
          folders = new LineFolders<R>(options.workerUrl!, { family, window, options: foldOptions }, threads - 1);
        if (folders?.offer(rows.map((row) => row.line)) === true) continue;
        for (const row of rows) foldLine(fold, report, family, window.since, row.line);
        foldedHere += rows.length;
      }
    } finally {
      await cursor.close().catch(() => undefined);
    }
  } catch (error) {
    broken = error as Error;
    await folders?.stop();
    throw toPostgresError(error, store);
  } finally {
    client.release(broken);
  }
  if (folders === undefined) return report;
  return mergeParts(fold, window, foldOptions, [report, ...(await folders.finish())]);
}
