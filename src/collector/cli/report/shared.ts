/** What every `report <family>` command shares: the store, the window, the format, the threads. */
import { stat } from 'node:fs/promises';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../../errors.js';
import { buildReport, type Fold } from '../../report/fold.js';
import { parseWhen, type ReportWindow } from '../../report/window.js';
import type { CollectorRuntime } from '../../runtime.js';
import { ENV_STORE, resolveStore } from '../../serve.js';
import type { Family } from '../../store/record.js';
import { dataDirOption } from '../data-dir-option.js';

/** The worker script sits beside the built CLI; under tsx (dev) reports run on one thread. */
const REPORT_WORKER = import.meta.url.endsWith('.mjs') ? new URL('./tbot-collector-report-worker.mjs', import.meta.url) : undefined;

export const FORMATS = ['table', 'json', 'csv', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export interface CommonReportArgs {
  dataDir: string;
  /** The shared PostgreSQL store to read instead of the data directory's segments. */
  store?: string;
  since: string;
  until: string;
  format: Format;
  workers?: number;
}

const WHEN = 'expected 30d, 12h, 90m, an ISO date such as 2026-03-01, or now';

export function commonReportOptions<T>(yargs: Argv<T>): Argv<T> {
  return yargs
    .option('data-dir', dataDirOption('Where the event segments are'))
    .option('store', {
      type: 'string',
      requiresArg: true,
      describe: `Read the events from this shared PostgreSQL store (postgres://user@host:5432/database) instead of --data-dir; prefer env ${ENV_STORE}, which keeps a password out of ps`,
    })
    .option('since', { type: 'string', requiresArg: true, default: '30d', describe: `Window start: ${WHEN}` })
    .option('until', { type: 'string', requiresArg: true, default: 'now', describe: 'Window end (exclusive), in the same forms' })
    .option('format', { type: 'string', requiresArg: true, choices: FORMATS, default: 'table', describe: 'Output: a text table, JSON, CSV, or a self-contained HTML page' })
    .option('workers', { type: 'number', requiresArg: true, describe: 'Threads parsing segments (default: one per core, at most 4)' }) as unknown as Argv<T>;
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

/**
 * Checks the common options, then streams the window's records of `family` through `fold`, with
 * the family's own options (its filters) passed to the fold as they are.
 */
export async function foldFamily<R>(fold: Fold<R>, family: Family, args: CommonReportArgs, foldOptions: unknown, runtime: CollectorRuntime, noteIgnored = true): Promise<R> {
  const window = reportWindow(args, runtime.now());
  if (args.workers !== undefined && !(Number.isInteger(args.workers) && args.workers >= 1 && args.workers <= 64))
    throw new UsageError('--workers: expected a whole number from 1 to 64');
  const store = resolveStore(args.store, runtime.env, (message) => runtime.stderr(`tbot-collector: ${message}\n`));
  if (store !== undefined) {
    // Only a report over PostgreSQL loads its client.
    const { reportFromPostgres } = await import('../../report/postgres-scan.js');
    return reportFromPostgres(fold, family, store, window, foldOptions);
  }
  const dataDir = await stat(args.dataDir).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
  if (dataDir !== undefined && !dataDir.isDirectory()) throw new UsageError(`--data-dir ${JSON.stringify(args.dataDir)}: not a directory`);
  return buildReport(fold, family, args.dataDir, window, foldOptions, {
    ...(args.workers === undefined ? {} : { workers: args.workers }),
    ...(REPORT_WORKER === undefined ? {} : { workerUrl: REPORT_WORKER }),
    onIgnored: (name) => (noteIgnored ? runtime.stderr(`tbot-collector: ignoring ${name}: not a regular file\n`) : undefined),
  });
}

/** One report's renderings; json is the summary itself. */
export interface Renderers<S> {
  table(summary: S): string;
  csv(summary: S): string;
  html(summary: S): string;
}

export function render<S>(summary: S, format: Format, renderers: Renderers<S>): string {
  return format === 'json' ? `${JSON.stringify(summary, null, 2)}\n` : renderers[format](summary);
}

/** A `report <family>` command whose fold is summarized once merged; its options are the common ones. */
export function summaryReportCommand<R, S>(
  spec: { command: string; describe: string; family: Family; fold: Fold<R>; summarize: (tally: R) => S; renderers: Renderers<S> },
  runtime: CollectorRuntime,
  setExitCode: (code: number) => void,
): CommandModule<object, CommonReportArgs> {
  return {
    command: spec.command,
    describe: spec.describe,
    builder: (yargs: Argv) => commonReportOptions(yargs) as unknown as Argv<CommonReportArgs>,
    handler: async (args: ArgumentsCamelCase<CommonReportArgs>) => {
      runtime.stdout(render(spec.summarize(await foldFamily(spec.fold, spec.family, args, {}, runtime)), args.format, spec.renderers));
      setExitCode(0);
    },
  };
}
