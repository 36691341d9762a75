/**
 * `tbot-collector report tbot` (also plain `report`): starts per day and week, run modes, join
 * methods, helpers, versions, cross-tabs and the destination mix, with the tbot-only filters.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { ReceivedRunMode } from '../../../protocol/tbot-wire.js';
import { heartbeatFold } from '../../report/heartbeat/fold.js';
import { formatHeartbeatTable } from '../../report/heartbeat/format.js';
import { tbotFilters } from '../../report/tbot/filters.js';
import { GROUPINGS, RUN_MODES, tbotFold, type Grouping } from '../../report/tbot/fold.js';
import { formatCsv, formatTable } from '../../report/tbot/format.js';
import { formatTbotPageHtml, tbotSummary } from '../../report/tbot/with-heartbeats.js';
import type { CollectorRuntime } from '../../runtime.js';
import { commonReportOptions, foldFamily, render, type CommonReportArgs } from './shared.js';

interface TbotReportArgs extends CommonReportArgs {
  by: Grouping;
  version?: string;
  helper?: string;
  runMode?: ReceivedRunMode;
}

export function tbotReportCommand(runtime: CollectorRuntime, setExitCode: (code: number) => void): CommandModule<object, TbotReportArgs> {
  return {
    // The default subcommand: `report` alone is `report tbot`, as it was before families existed.
    command: ['tbot', '$0'],
    describe: 'Report starts per day and week, run modes, join methods, helpers, versions, cross-tabs, the destination mix, and continuous agents running per day',
    builder: (yargs: Argv) =>
      commonReportOptions(yargs)
        // yargs' own --version would shadow the filter; this command has no use for it.
        .version(false)
        .option('by', { type: 'string', requiresArg: true, choices: GROUPINGS, default: 'run_mode', describe: 'Breakdown for table and csv' })
        .option('version', { type: 'string', requiresArg: true, describe: 'Only starts of this agent version' })
        .option('helper', { type: 'string', requiresArg: true, describe: 'Only starts with this helper ("none": without one)' })
        .option('run-mode', { type: 'string', requiresArg: true, choices: RUN_MODES, describe: 'Only starts in this run mode' }) as unknown as Argv<TbotReportArgs>,
    handler: async (args: ArgumentsCamelCase<TbotReportArgs>) => {
      const filters = tbotFilters(args);
      const report = await foldFamily(tbotFold, 'tbot', args, filters, runtime);
      // Continuous agents' daily heartbeats: their own fold, added as a section of the tbot report.
      const heartbeats = await foldFamily(heartbeatFold, 'tbot.heartbeat', args, filters, runtime, false);
      runtime.stdout(
        render(tbotSummary(report, heartbeats), args.format, {
          table: (summary) => `${formatTable(summary, args.by)}\n${formatHeartbeatTable(heartbeats)}`,
          csv: (summary) => formatCsv(summary, args.by),
          html: () => formatTbotPageHtml(report, heartbeats),
        }),
      );
      setExitCode(0);
    },
  };
}
