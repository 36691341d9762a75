/**
 * `tbot-collector report tbot` (also plain `report`): starts per day and week, run modes, join
 * methods, helpers, versions, cross-tabs and the destination mix, with the tbot-only filters.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { ReceivedRunMode } from '../../../protocol/tbot-wire.js';
import { heartbeatFold } from '../../report/heartbeat/fold.js';
import { formatHeartbeatTable } from '../../report/heartbeat/format.js';
import { GROUPINGS, RUN_MODES, tbotFold, type Grouping } from '../../report/tbot/fold.js';
import { formatCsv, formatTable } from '../../report/tbot/format.js';
import { tbotFilters } from '../../report/tbot/filters.js';
import { formatTbotViewHtml, tbotIsEmpty, tbotView } from '../../report/tbot/with-heartbeats.js';
import type { CollectorRuntime } from '../../runtime.js';
import { commonReportOptions, foldCompared, nothingIn, openStore, render, type CommonReportArgs } from './shared.js';

interface TbotReportArgs extends CommonReportArgs {
  /** Absent: the overview (starts per day and the heartbeat section); given: only that breakdown. */
  by?: Grouping;
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
        .option('by', {
          type: 'string',
          requiresArg: true,
          choices: GROUPINGS,
          describe: 'Show only this breakdown (table), or break the CSV down by it (default run_mode); without it the table shows starts per day and the heartbeats',
        })
        .option('version', { type: 'string', requiresArg: true, describe: 'Only starts of this agent version' })
        .option('helper', { type: 'string', requiresArg: true, describe: 'Only starts with this helper ("none": without one)' })
        .option('run-mode', { type: 'string', requiresArg: true, choices: RUN_MODES, describe: 'Only starts in this run mode' }) as unknown as Argv<TbotReportArgs>,
    handler: async (args: ArgumentsCamelCase<TbotReportArgs>) => {
      const filters = tbotFilters(args);
      const store = await openStore(args, runtime);
      const starts = await foldCompared(tbotFold, 'tbot', store, filters, runtime);
      // Continuous agents' daily heartbeats: their own fold, added as a section of the tbot report.
      const heartbeats = await foldCompared(heartbeatFold, 'tbot.heartbeat', store, filters, runtime, { noteIgnored: false, previous: starts.previousWindow });
      const periods = { starts, heartbeats, previousWindow: starts.previousWindow };
      const view = tbotView(periods);
      const nothing = tbotIsEmpty(periods);
      runtime.stdout(
        render(
          view,
          args.format,
          {
            table: (summary) => formatTable(summary, args.by, formatHeartbeatTable(heartbeats.current)),
            csv: (summary) => formatCsv(summary, args.by),
            html: (summary) => formatTbotViewHtml(summary, heartbeats.current),
          },
          nothing ? { title: 'tbot usage', message: nothingIn('tbot starts or heartbeats', store) } : undefined,
        ),
      );
      setExitCode(0);
    },
  };
}
