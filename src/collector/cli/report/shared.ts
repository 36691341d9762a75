/** What every `report <family>` command shares: the store, the window, the format, the threads. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule, Options } from 'yargs';
import { UsageError } from '../../../errors.js';
import { buildReports, type Fold, type ScanOptions } from '../../report/fold.js';
import { emptyPage } from '../../report/html-kit.js';
import { previousWindow, type Headline, type SummaryStrip, withStrip } from '../../report/summary-strip.js';
import { humanWindow, parseWhen, type ReportWindow } from '../../report/window.js';
import { LINE_FOLD_WORKER, POSTGRES_READER, REPORT_WORKER } from '../../report/worker-url.js';
import type { CollectorRuntime } from '../../runtime.js';
import { ENV_STORE, resolveStore } from '../../serve.js';
import type { StoreUrl } from '../../store/postgres/store-url.js';
import type { Family } from '../../store/record.js';
import { DEFAULT_DATA_DIR, dataDirOption } from '../data-dir-option.js';

export const FORMATS = ['table', 'json', 'csv', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export interface CommonReportArgs {
  /** Absent when not given: the report then reads DEFAULT_DATA_DIR and says which directory that is. */
  dataDir?: string;
  /** The shared PostgreSQL store to read instead of the data directory's segments. */
  store?: string;
  since: string;
  until: string;
  format: Format;
  workers?: number;
}

const WHEN = 'expected 30d, 12h, 90m, an ISO date such as 2026-03-01, or now';

/** The shared --data-dir option without a yargs default, so a report can tell the default directory from one that was named. */
function namedDataDirOption(): Options {
  const option = dataDirOption('Where the event segments are');
  const check = option.coerce as (text: string) => string;
  return { ...option, default: undefined, defaultDescription: DEFAULT_DATA_DIR, coerce: (text: string | undefined) => (text === undefined ? undefined : check(text)) };
}

export function commonReportOptions<T>(yargs: Argv<T>): Argv<T> {
  return yargs
    .option('data-dir', namedDataDirOption())
    .option('store', {
      type: 'string',
      requiresArg: true,
      describe: `Read the events from this shared PostgreSQL store (postgres://user@host:5432/database) instead of --data-dir; prefer env ${ENV_STORE}, which keeps a password out of ps`,
    })
    .option('since', { type: 'string', requiresArg: true, default: '30d', describe: `Window start: ${WHEN}` })
    .option('until', { type: 'string', requiresArg: true, default: 'now', describe: 'Window end (exclusive), in the same forms' })
    .option('format', { type: 'string', requiresArg: true, choices: FORMATS, default: 'table', describe: 'Output: a text table, JSON, CSV, or a self-contained HTML page' })
    .option('workers', {
      type: 'number',
      requiresArg: true,
      describe: 'Threads parsing segments or PostgreSQL rows (default: one per core, at most 4; one below 8 MiB of segments or 50,000 rows)',
    }) as unknown as Argv<T>;
}

export function reportWindow(args: Pick<CommonReportArgs, 'since' | 'until'>, now: Date): ReportWindow {
  const since = windowBound('--since', args.since, now);
  const until = windowBound('--until', args.until, now);
  if (until <= since) throw new UsageError(`--until (${until.toISOString()}) is not after --since (${since.toISOString()}); expected a window that ends after it starts`);
  return { since: since.toISOString(), until: until.toISOString() };
}

function windowBound(flag: string, text: string, now: Date): Date {
  const parsed = parseWhen(text, now);
  if (parsed.ok) return parsed.date;
  throw new UsageError(`${flag} ${JSON.stringify(text)}: ${parsed.reason === undefined ? '' : `${parsed.reason}; `}${WHEN}`);
}

/** Where a report reads from, checked once per command: the window, the data dir, the threads. */
export interface ReportStore {
  window: ReportWindow;
  /** The data dir as given. */
  dataDir: string;
  /** The same, absolute, or the PostgreSQL store as it may be shown: what the report names when it says where it read. */
  absoluteDir: string;
  workers?: number;
  /** The shared PostgreSQL store (--store, TBOT_COLLECTOR_STORE), read instead of the segments. */
  postgres?: StoreUrl;
}

/**
 * Checks the common options and says where the report reads: a warning when --data-dir does not
 * exist (the report then counts nothing, which must not look like a quiet fleet), and, when the
 * default ./collector-data is used, the absolute directory it stands for. Both on stderr; the exit
 * code stays what it would be.
 */
export async function openStore(args: CommonReportArgs, runtime: CollectorRuntime, window: ReportWindow = reportWindow(args, runtime.now())): Promise<ReportStore> {
  if (args.workers !== undefined && !(Number.isInteger(args.workers) && args.workers >= 1 && args.workers <= 64))
    throw new UsageError('--workers: expected a whole number from 1 to 64');
  const postgres = resolveStore(args.store, runtime.env, (message) => runtime.stderr(`tbot-collector: ${message}\n`));
  const given = args.dataDir ?? DEFAULT_DATA_DIR;
  if (postgres !== undefined) return { window, dataDir: given, absoluteDir: postgres.shown, postgres, ...(args.workers === undefined ? {} : { workers: args.workers }) };
  const absoluteDir = resolve(given);
  const dataDir = await stat(given).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
  if (dataDir !== undefined && !dataDir.isDirectory()) throw new UsageError(`--data-dir ${JSON.stringify(given)}: not a directory`);
  if (dataDir === undefined) runtime.stderr(`tbot-collector: warning: --data-dir ${absoluteDir} does not exist; the report counts nothing\n`);
  else if (args.dataDir === undefined) runtime.stderr(`tbot-collector: reading ${absoluteDir} (the default --data-dir ${DEFAULT_DATA_DIR})\n`);
  return { window, dataDir: given, absoluteDir, ...(args.workers === undefined ? {} : { workers: args.workers }) };
}

/** A tally per window, from one pass over the store (segments or PostgreSQL) for all of them. */
export function foldWindows<R>(
  fold: Fold<R>,
  family: Family,
  store: ReportStore,
  windows: ReportWindow[],
  foldOptions: unknown,
  runtime: CollectorRuntime,
  noteIgnored = true,
): Promise<R[]> {
  if (store.postgres !== undefined) {
    const postgres = store.postgres;
    // Only a report over PostgreSQL loads its client.
    return import('../../report/postgres-scan.js').then(({ reportsFromPostgres }) =>
      reportsFromPostgres(fold, family, postgres, windows, foldOptions, {
        ...(store.workers === undefined ? {} : { workers: store.workers }),
        ...(LINE_FOLD_WORKER === undefined ? {} : { workerUrl: LINE_FOLD_WORKER }),
        ...(POSTGRES_READER === undefined ? {} : { readerUrl: POSTGRES_READER }),
      }),
    );
  }
  return buildReports(fold, family, store.dataDir, windows, foldOptions, segmentScanOptions(store, runtime, noteIgnored));
}

function segmentScanOptions(store: ReportStore, runtime: CollectorRuntime, noteIgnored: boolean): ScanOptions {
  return {
    ...(store.workers === undefined ? {} : { workers: store.workers }),
    ...(REPORT_WORKER === undefined ? {} : { workerUrl: REPORT_WORKER }),
    // A report run is a one-shot process: blocking reads on its one thread delay nothing.
    blockingReads: true,
    onIgnored: (name) => (noteIgnored ? runtime.stderr(`tbot-collector: ignoring ${name}: not a regular file\n`) : undefined),
  };
}

/** A report's tally and the previous period's, folded by the same fold over a window of the same length. */
export interface Compared<R> {
  current: R;
  previous: R;
  previousWindow: ReportWindow;
}

export async function foldCompared<R>(
  fold: Fold<R>,
  family: Family,
  store: ReportStore,
  foldOptions: unknown,
  runtime: CollectorRuntime,
  options: { noteIgnored?: boolean; previous?: ReportWindow } = {},
): Promise<Compared<R>> {
  const before = options.previous ?? previousWindow(store.window);
  // One pass for both: the period before reads every segment (or row) the window reads.
  const [current, previous] = await foldWindows(fold, family, store, [store.window, before], foldOptions, runtime, options.noteIgnored ?? true);
  return { current: current!, previous: previous!, previousWindow: before };
}

/** "No Connect events in 2 Nov 2026 – 15 Nov 2026 (UTC) in /srv/collector-data.": said once, instead of empty headings. */
export const nothingIn = (what: string, store: ReportStore): string => `No ${what} in ${humanWindow(store.window)} in ${store.absoluteDir}.`;

/** One report's renderings; json is the summary itself. */
export interface Renderers<S> {
  table(summary: S): string;
  csv(summary: S): string;
  html(summary: S): string;
}

/**
 * The summary in the chosen format. With `empty` (a window without data), table and html say so
 * in one sentence instead of printing empty headings; json and csv keep their shape for scripts.
 */
export function render<S>(summary: S, format: Format, renderers: Renderers<S>, empty?: { title: string; message: string }): string {
  if (format === 'json') return `${JSON.stringify(summary, null, 2)}\n`;
  if (empty !== undefined && format === 'table') return `${empty.message}\n`;
  if (empty !== undefined && format === 'html') return emptyPage(empty.title, empty.message);
  return renderers[format](summary);
}

/** What a family adds to the common command: its summary, its headline numbers, and when it has nothing to show. */
export interface SummarySpec<R, S> {
  command: string;
  describe: string;
  family: Family;
  fold: Fold<R>;
  summarize: (tally: R) => S;
  /** The numbers of the summary strip, from one period's summary. */
  headline: (summary: S) => Headline[];
  /** Whether the summary holds nothing at all (no event, no damaged line). */
  isEmpty: (summary: S) => boolean;
  /** What the family counts, for the empty state: "Connect events". */
  noun: string;
  /** The page title, for the empty state. */
  title: string;
  renderers: Renderers<S & { summary: SummaryStrip }>;
}

/** A `report <family>` command whose fold is summarized once merged; its options are the common ones. */
export function summaryReportCommand<R, S>(spec: SummarySpec<R, S>, runtime: CollectorRuntime, setExitCode: (code: number) => void): CommandModule<object, CommonReportArgs> {
  return {
    command: spec.command,
    describe: spec.describe,
    builder: (yargs: Argv) => commonReportOptions(yargs) as unknown as Argv<CommonReportArgs>,
    handler: async (args: ArgumentsCamelCase<CommonReportArgs>) => {
      const store = await openStore(args, runtime);
      const { current, previous, previousWindow: before } = await foldCompared(spec.fold, spec.family, store, {}, runtime);
      const summary = spec.summarize(current);
      const shown = withStrip(summary, spec.summarize(previous), spec.headline, before);
      const empty = spec.isEmpty(summary) ? { title: spec.title, message: nothingIn(spec.noun, store) } : undefined;
      runtime.stdout(render(shown, args.format, spec.renderers, empty));
      setExitCode(0);
    },
  };
}
