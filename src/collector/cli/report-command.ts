/** `tbot-collector report`: stream the stored events and print the usage answers. */
import { stat } from 'node:fs/promises';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { buildReport } from '../report/fold.js';
import { heartbeatFold } from '../report/heartbeat/fold.js';
import { formatHeartbeatHtml, formatHeartbeatTable } from '../report/heartbeat/format.js';
import { GROUPINGS, tbotFold, type Grouping } from '../report/tbot/fold.js';
import { formatCsv, formatTable } from '../report/tbot/format.js';
import { formatHtml } from '../report/tbot/html.js';
import { parseSince } from '../report/window.js';
import type { CollectorRuntime } from '../runtime.js';

/** The worker script sits beside the built CLI; under tsx (dev) reports run on one thread. */
const REPORT_WORKER = import.meta.url.endsWith('.mjs') ? new URL('./tbot-collector-report-worker.mjs', import.meta.url) : undefined;

/** The section shares the report's window, so it does not repeat it. */
const withoutSince = <T extends { since: string }>({ since: _since, ...rest }: T): Omit<T, 'since'> => rest;

interface ReportArgs {
  dataDir: string;
  since: string;
  by: Grouping;
  format: 'table' | 'json' | 'csv' | 'html';
  workers?: number;
}

export function reportCommand(runtime: CollectorRuntime, setExitCode: (code: number) => void): CommandModule<object, ReportArgs> {
  return {
    command: 'report',
    describe: 'Report starts per day, run-mode share, join methods, helpers, versions, destination mix, and continuous agents running per day',
    builder: (yargs: Argv) =>
      yargs
        .option('data-dir', { type: 'string', default: './collector-data', describe: 'Where the event segments are' })
        .option('since', { type: 'string', default: '30d', describe: 'Window: 30d, 12h, 90m or an ISO date' })
        .option('by', { type: 'string', choices: GROUPINGS, default: 'run_mode', describe: 'Breakdown for table and csv' })
        .option('format', { type: 'string', choices: ['table', 'json', 'csv', 'html'], default: 'table' })
        .option('workers', { type: 'number', describe: 'Threads parsing segments (default: one per core, at most 4)' }) as unknown as Argv<ReportArgs>,
    handler: async (args: ArgumentsCamelCase<ReportArgs>) => {
      const since = parseSince(args.since, runtime.now());
      // A window reaching past what Date can hold (e.g. 99999999999d) is as unusable as a typo.
      if (since === undefined || Number.isNaN(since.getTime())) throw new UsageError(`--since ${JSON.stringify(args.since)}: expected 30d, 12h, 90m or an ISO date`);
      if (args.workers !== undefined && !(Number.isInteger(args.workers) && args.workers >= 1 && args.workers <= 64)) throw new UsageError('--workers: expected a whole number from 1 to 64');
      const dataDir = await stat(args.dataDir).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
      if (dataDir !== undefined && !dataDir.isDirectory()) throw new UsageError(`--data-dir ${JSON.stringify(args.dataDir)}: not a directory`);
      const scanOptions = {
        ...(args.workers === undefined ? {} : { workers: args.workers }),
        ...(REPORT_WORKER === undefined ? {} : { workerUrl: REPORT_WORKER }),
        onIgnored: (name: string) => runtime.stderr(`tbot-collector: ignoring ${name}: not a regular file\n`),
      };
      const report = await buildReport(tbotFold, 'tbot', args.dataDir, since, scanOptions);
      // Continuous agents' daily heartbeats: their own fold, added as a section of the tbot report.
      const heartbeats = await buildReport(heartbeatFold, 'tbot.heartbeat', args.dataDir, since, { ...scanOptions, onIgnored: () => undefined });
      const output =
        args.format === 'json'
          ? `${JSON.stringify({ ...report, heartbeats: withoutSince(heartbeats) }, null, 2)}\n`
          : args.format === 'csv'
            ? formatCsv(report, args.by)
            : args.format === 'html'
              ? formatHtml(report).replace('</body>', `${formatHeartbeatHtml(heartbeats)}</body>`)
              : `${formatTable(report, args.by)}\n${formatHeartbeatTable(heartbeats)}`;
      runtime.stdout(output);
      setExitCode(0);
    },
  };
}
