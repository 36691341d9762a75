/**
 * A report over the shared PostgreSQL store: the window's rows of one family stream through a
 * server-side cursor, a bounded page at a time, into the same fold and the same per-line checks
 * (foldLine) as the segments go through, so the same events give the same tally. A month is never
 * held in memory: at most one page of lines is.
 */
import type pg from 'pg';
import Cursor from 'pg-cursor';
import { DEFAULT_POOL_LIMITS, openPool, toPostgresError } from '../store/postgres/pool.js';
import type { StoreUrl } from '../store/postgres/store-url.js';
import { type Fold, foldLine } from './fold.js';
import type { ReportWindow } from './window.js';

/** Rows fetched per round trip: large enough to keep the connection busy, small enough to stay a few MB. */
export const PAGE_ROWS = 2_000;

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

/** One report on its own single-connection pool, closed when done. */
export async function reportFromPostgres<R>(fold: Fold<R>, family: string, store: StoreUrl, window: ReportWindow, foldOptions: unknown): Promise<R> {
  const pool = openPool(store, { ...DEFAULT_POOL_LIMITS, max: 1, statementTimeoutMs: REPORT_TIMEOUT_MS });
  try {
    return await buildPostgresReport(fold, family, pool, store, window, foldOptions);
  } finally {
    await pool.end();
  }
}

export async function buildPostgresReport<R>(fold: Fold<R>, family: string, pool: pg.Pool, store: StoreUrl, window: ReportWindow, foldOptions: unknown): Promise<R> {
  const report = fold.empty(window, foldOptions);
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
        for (const row of rows) foldLine(fold, report, family, window.since, row.line);
      }
    } finally {
      await cursor.close().catch(() => undefined);
    }
    return report;
  } catch (error) {
    broken = error as Error;
    throw toPostgresError(error, store);
  } finally {
    client.release(broken);
  }
}
