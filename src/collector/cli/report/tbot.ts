/** `tbot-collector report tbot` (also plain `report`): starts per day, run modes, join methods, helpers, versions, destinations. */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { GROUPINGS, tbotFold, type Grouping } from '../../report/tbot/fold.js';
import { formatCsv, formatTable } from '../../report/tbot/format.js';
import { formatHtml } from '../../report/tbot/html.js';
import type { CollectorRuntime } from '../../runtime.js';
import { commonReportOptions, foldFamily, render, type CommonReportArgs } from './shared.js';

interface TbotReportArgs extends CommonReportArgs {
  by: Grouping;
}

export function tbotReportCommand(runtime: CollectorRuntime, setExitCode: (code: number) => void): CommandModule<object, TbotReportArgs> {
  return {
    // The default subcommand: `report` alone is `report tbot`, as it was before families existed.
    command: ['tbot', '$0'],
    describe: 'Report starts per day, run-mode share, join methods, helpers, versions and destination mix',
    builder: (yargs: Argv) => commonReportOptions(yargs).option('by', { type: 'string', choices: GROUPINGS, default: 'run_mode', describe: 'Breakdown for table and csv' }) as unknown as Argv<TbotReportArgs>,
    handler: async (args: ArgumentsCamelCase<TbotReportArgs>) => {
      const report = await foldFamily(tbotFold, 'tbot', args, runtime);
      runtime.stdout(render(report, args.format, { table: (summary) => formatTable(summary, args.by), csv: (summary) => formatCsv(summary, args.by), html: formatHtml }));
      setExitCode(0);
    },
  };
}
