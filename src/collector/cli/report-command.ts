/** `tbot-collector report`: stream the stored events and print the usage answers. */
import { stat } from 'node:fs/promises';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { ReceivedRunMode } from '../../protocol/tbot-wire.js';
import { UsageError } from '../../errors.js';
import { buildReport } from '../report/fold.js';
import { heartbeatFold } from '../report/heartbeat/fold.js';
import { formatHeartbeatHtml, formatHeartbeatTable } from '../report/heartbeat/format.js';
import { GROUPINGS, NONE, RUN_MODES, tbotFold, type Grouping, type TbotFilters } from '../report/tbot/fold.js';
import { formatCsv, formatTable } from '../report/tbot/format.js';
import { formatHtml } from '../report/tbot/html.js';
import { parseWhen, type ReportWindow } from '../report/window.js';
import type { CollectorRuntime } from '../runtime.js';

/** The worker script sits beside the built CLI; under tsx (dev) reports run on one thread. */
const REPORT_WORKER = import.meta.url.endsWith('.mjs') ? new URL('./tbot-collector-report-worker.mjs', import.meta.url) : undefined;

/** The section shares the report's window and filters, so it does not repeat them. */
const sectionOf = <T extends { window: unknown; filters: unknown }>({ window: _window, filters: _filters, ...rest }: T): Omit<T, 'window' | 'filters'> => rest;

interface ReportArgs {
  dataDir: string;
  since: string;
  until: string;
  by: Grouping;
  format: 'table' | 'json' | 'csv' | 'html';
  version?: string;
  helper?: string;
  runMode?: ReceivedRunMode;
  workers?: number;
}

const WHEN = 'expected 30d, 12h, 90m, an ISO date such as 2026-03-01, or now';

export function reportWindow(args: Pick<ReportArgs, 'since' | 'until'>, now: Date): ReportWindow {
  const since = parseWhen(args.since, now);
  if (since === undefined) throw new UsageError(`--since ${JSON.stringify(args.since)}: ${WHEN}`);
  const until = parseWhen(args.until, now);
  if (until === undefined) throw new UsageError(`--until ${JSON.stringify(args.until)}: ${WHEN}`);
  if (until <= since) throw new UsageError(`--until (${until.toISOString()}) is not after --since (${since.toISOString()}); expected a window that ends after it starts`);
  return { since: since.toISOString(), until: until.toISOString() };
}

export function reportFilters(args: Pick<ReportArgs, 'version' | 'helper' | 'runMode'>): TbotFilters {
  return {
    ...(args.version === undefined ? {} : { version: args.version }),
    // "none" is easier to type than "(none)", which is how starts without a helper are shown.
    ...(args.helper === undefined ? {} : { helper: args.helper === 'none' ? NONE : args.helper }),
    ...(args.runMode === undefined ? {} : { runMode: args.runMode }),
  };
}

export function reportCommand(runtime: CollectorRuntime, setExitCode: (code: number) => void): CommandModule<object, ReportArgs> {
  return {
    command: 'report',
    describe: 'Report starts per day and week, run modes, join methods, helpers, versions, cross-tabs, the destination mix, and continuous agents running per day',
    builder: (yargs: Argv) =>
      yargs
        // yargs' own --version would shadow the filter; this command has no use for it.
        .version(false)
        .option('data-dir', { type: 'string', default: './collector-data', describe: 'Where the event segments are' })
        .option('since', { type: 'string', default: '30d', describe: `Window start: ${WHEN}` })
        .option('until', { type: 'string', default: 'now', describe: 'Window end (exclusive), in the same forms' })
        .option('by', { type: 'string', choices: GROUPINGS, default: 'run_mode', describe: 'Breakdown for table and csv' })
        .option('format', { type: 'string', choices: ['table', 'json', 'csv', 'html'], default: 'table' })
        .option('version', { type: 'string', describe: 'Only starts of this agent version' })
        .option('helper', { type: 'string', describe: 'Only starts with this helper ("none": without one)' })
        .option('run-mode', { type: 'string', choices: RUN_MODES, describe: 'Only starts in this run mode' })
        .option('workers', { type: 'number', describe: 'Threads parsing segments (default: one per core, at most 4)' }) as unknown as Argv<ReportArgs>,
    handler: async (args: ArgumentsCamelCase<ReportArgs>) => {
      const window = reportWindow(args, runtime.now());
      if (args.workers !== undefined && !(Number.isInteger(args.workers) && args.workers >= 1 && args.workers <= 64)) throw new UsageError('--workers: expected a whole number from 1 to 64');
      const dataDir = await stat(args.dataDir).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
      if (dataDir !== undefined && !dataDir.isDirectory()) throw new UsageError(`--data-dir ${JSON.stringify(args.dataDir)}: not a directory`);
      const scanOptions = {
        ...(args.workers === undefined ? {} : { workers: args.workers }),
        ...(REPORT_WORKER === undefined ? {} : { workerUrl: REPORT_WORKER }),
        onIgnored: (name: string) => runtime.stderr(`tbot-collector: ignoring ${name}: not a regular file\n`),
      };
      const filters = reportFilters(args);
      const report = await buildReport(tbotFold, 'tbot', args.dataDir, window, filters, scanOptions);
      // Continuous agents' daily heartbeats: their own fold, added as a section of the tbot report.
      const heartbeats = await buildReport(heartbeatFold, 'tbot.heartbeat', args.dataDir, window, filters, { ...scanOptions, onIgnored: () => undefined });
      const output =
        args.format === 'json'
          ? `${JSON.stringify({ ...report, heartbeats: sectionOf(heartbeats) }, null, 2)}\n`
          : args.format === 'csv'
            ? formatCsv(report, args.by)
            : args.format === 'html'
              ? formatHtml(report).replace('</main>', `${formatHeartbeatHtml(heartbeats)}</main>`)
              : `${formatTable(report, args.by)}\n${formatHeartbeatTable(heartbeats)}`;
      runtime.stdout(output);
      setExitCode(0);
    },
  };
}
