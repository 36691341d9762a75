/** `tbot-collector report connect`: daily and weekly active installations, features, platforms, login connectors. */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { connectFold } from '../../report/connect/fold.js';
import { formatConnectCsv, formatConnectTable } from '../../report/connect/format.js';
import { formatConnectHtml } from '../../report/connect/html.js';
import { summarizeConnect } from '../../report/connect/summary.js';
import type { CollectorRuntime } from '../../runtime.js';
import { commonReportOptions, foldFamily, render, type CommonReportArgs } from './shared.js';

export function connectReportCommand(runtime: CollectorRuntime, setExitCode: (code: number) => void): CommandModule<object, CommonReportArgs> {
  return {
    command: 'connect',
    describe: 'Report Teleport Connect usage: DAU and WAU with the trend, most used features, platforms and login connector types',
    builder: (yargs: Argv) => commonReportOptions(yargs) as unknown as Argv<CommonReportArgs>,
    handler: async (args: ArgumentsCamelCase<CommonReportArgs>) => {
      const summary = summarizeConnect(await foldFamily(connectFold, 'connect', args, runtime));
      runtime.stdout(render(summary, args.format, { table: formatConnectTable, csv: formatConnectCsv, html: formatConnectHtml }));
      setExitCode(0);
    },
  };
}
