/**
 * A report over the shared PostgreSQL store: the window's rows of one family stream through a
 * server-side cursor, a bounded page at a time, into the same fold and the same per-line checks
 * (foldLine) as the segments go through, so the same events give the same tally. A month is never
 * held in memory: at most one page of lines per thread is.
 *
 * A large window is split by arrival time into as many contiguous ranges as there are worker
 * threads, each range holding about the same number of rows; each worker reads its range through
 * its own connection and cursor and folds it, and the parts merge as the segment workers' do.
 * Parsing and checking the lines is the report's cost, so this is what spreads it over the cores.
 * The workers read one exported snapshot, so together they see the table at one moment, as a
 * single cursor would.
 */
import type pg from 'pg';
import Cursor from 'pg-cursor';
import { DEFAULT_POOL_LIMITS, openPool, PostgresError, toPostgresError } from '../store/postgres/pool.js';
import type { StoreUrl } from '../store/postgres/store-url.js';
import { DEFAULT_WORKERS, type Fold, foldLine, mergeParts, onWorkers } from './fold.js';
import type { ReportWindow } from './window.js';

/**
 * Rows fetched per round trip: enough to keep the round trips a small part of the time, few enough
 * that a page is not what sets the peak RSS (2,000 took a one-thread report 20 MB higher).
 */
export const PAGE_ROWS = 1_000;

/**
 * Below this many rows in the window the default is one thread. Starting a worker (a new isolate
 * loading the report bundle and the PostgreSQL client, with its own connection) cost about 0.25
 * CPU-seconds here, and folding a row about 25 µs: over 20,000 Discover rows two workers took twice
 * the CPU of one thread and more time. At 50,000 rows the start is under half of what each worker
 * shares. An explicit --workers is always obeyed.
 */
export const SMALL_WINDOW_ROWS = 50_000;

/**
 * A report may stream for minutes over a large store; each page is one statement, but pg's own
 * timer covers the whole cursor, so it is bounded by this instead of the pool's statement bound.
 */
const REPORT_TIMEOUT_MS = 30 * 60_000;
const REPORT_POOL = { ...DEFAULT_POOL_LIMITS, max: 1, statementTimeoutMs: REPORT_TIMEOUT_MS };

/** Arrival times as PostgreSQL spells them (text, so no precision is lost on the way back in). */
export interface ArrivalRange {
  /** Inclusive. */
  from: string;
  /** Exclusive; absent for the last range, which runs to the newest row. */
  to?: string;
}

/**
 * Rows of a range in arrival order (the order the segments hold them in), by the (family,
 * received_at) index. The window's range starts at its start: an event's time is never later than
 * its arrival, so nothing that arrived earlier can fall inside; the fold decides the rest by the
 * event's time.
 */
const rangeRows = (range: ArrivalRange): string =>
  `SELECT line FROM collector_events WHERE family = $1 AND received_at >= $2${range.to === undefined ? '' : ' AND received_at < $3'} ORDER BY received_at`;

/** What a report worker thread needs to fold one range of rows (plain data, for workerData). */
export interface PostgresScanTask {
  store: StoreUrl;
  family: string;
  window: ReportWindow;
  options: unknown;
  range: ArrivalRange;
  /** The snapshot the planning transaction exported: every range is read as of that one moment. */
  snapshot: string;
}

/** What a worker posts back: its part, or why it failed (a worker's error class does not survive postMessage). */
export type PostgresScanResult<R> = { part: R } | { failure: { message: string; code: string; unreachable: boolean } };

export interface PostgresScanOptions {
  /** Threads to fold on (default: one per core, at most 4; one for a small window); more than one needs `workerUrl`. */
  workers?: number;
  /** The built PostgreSQL report worker (dist/tbot-collector-postgres-report-worker.mjs). */
  workerUrl?: URL;
}

/** Folds the rows of `range` into `report`, a page at a time, on `client`. */
async function foldRange<R>(fold: Fold<R>, report: R, family: string, client: pg.PoolClient, window: ReportWindow, range: ArrivalRange): Promise<void> {
  const values = range.to === undefined ? [family, range.from] : [family, range.from, range.to];
  const cursor = client.query(new Cursor<{ line: string }>(rangeRows(range), values));
  try {
    for (let rows = await cursor.read(PAGE_ROWS); rows.length > 0; rows = await cursor.read(PAGE_ROWS)) {
      for (const row of rows) foldLine(fold, report, family, window.since, row.line);
    }
  } finally {
    await cursor.close().catch(() => undefined);
  }
}

/** Runs `work` on one connection of a fresh single-connection pool, closed when done. */
async function onConnection<T>(store: StoreUrl, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const pool = openPool(store, REPORT_POOL);
  try {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw toPostgresError(error, store);
    }
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      broken = error as Error;
      throw toPostgresError(error, store);
    } finally {
      client.release(broken);
    }
  } finally {
    await pool.end();
  }
}

/** Only what pg_export_snapshot returns goes into SET TRANSACTION SNAPSHOT, which takes no parameter. */
const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i;

/** A worker's share: its range of rows, read in the exported snapshot. */
export async function foldPostgresShare<R>(fold: Fold<R>, task: PostgresScanTask): Promise<R> {
  if (!SNAPSHOT_ID.test(task.snapshot)) throw new Error(`not a snapshot id: ${JSON.stringify(task.snapshot.slice(0, 40))}`);
  const report = fold.empty(task.window, task.options);
  await onConnection(task.store, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT '${task.snapshot}'`);
    await foldRange(fold, report, task.family, client, task.window, task.range);
    await client.query('COMMIT');
  });
  return report;
}

/**
 * Where to cut the window's rows into `parts` ranges of about equal counts: the arrival time of
 * every (count / parts)-th row, by the index, without reading the lines. Equal times collapse, so
 * there may be fewer ranges than asked.
 */
async function splitByArrival(client: pg.PoolClient, family: string, since: string, rows: number, parts: number): Promise<ArrivalRange[]> {
  const cuts: string[] = [];
  for (let part = 1; part < parts; part += 1) {
    const { rows: found } = await client.query<{ at: string }>(
      'SELECT received_at::text AS at FROM collector_events WHERE family = $1 AND received_at >= $2 ORDER BY received_at OFFSET $3 LIMIT 1',
      [family, since, Math.floor((rows * part) / parts)],
    );
    const at = found[0]?.at;
    if (at !== undefined && at !== cuts.at(-1)) cuts.push(at);
  }
  const bounds = [since, ...cuts];
  return bounds.map((from, index) => (index + 1 < bounds.length ? { from, to: bounds[index + 1]! } : { from }));
}

/**
 * One report. The planning connection counts the window's rows and, when the report is split,
 * exports its snapshot and holds it open until every worker is done.
 */
export async function reportFromPostgres<R>(
  fold: Fold<R>,
  family: string,
  store: StoreUrl,
  window: ReportWindow,
  foldOptions: unknown,
  options: PostgresScanOptions = {},
): Promise<R> {
  const whole: ArrivalRange = { from: window.since };
  const report = fold.empty(window, foldOptions);
  if (options.workerUrl === undefined || options.workers === 1) {
    await onConnection(store, (client) => foldRange(fold, report, family, client, window, whole));
    return report;
  }
  const workerUrl = options.workerUrl;
  return onConnection(store, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows: counted } = await client.query<{ rows: string }>('SELECT count(*) AS rows FROM collector_events WHERE family = $1 AND received_at >= $2', [family, window.since]);
    const rows = Number(counted[0]?.rows ?? 0);
    const workers = options.workers ?? (rows < SMALL_WINDOW_ROWS ? 1 : DEFAULT_WORKERS());
    if (workers <= 1 || rows < 2) {
      await foldRange(fold, report, family, client, window, whole);
      await client.query('COMMIT');
      return report;
    }
    const { rows: exported } = await client.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
    const snapshot = exported[0]!.snapshot;
    const ranges = await splitByArrival(client, family, window.since, rows, workers);
    const tasks = ranges.map((range): PostgresScanTask => ({ store, family, window, options: foldOptions, range, snapshot }));
    const results = await onWorkers<PostgresScanResult<R>>(workerUrl, tasks);
    await client.query('COMMIT');
    const parts = results.map((result) => {
      if ('failure' in result) throw new PostgresError(result.failure.message, result.failure.code, result.failure.unreachable);
      return result.part;
    });
    return mergeParts(fold, window, foldOptions, parts);
  });
}
