/** `tbot-collector report connect`: daily and weekly active installations, features, platforms, login connectors. */
import type { CommandModule } from 'yargs';
import { connectFold } from '../../report/connect/fold.js';
import { formatConnectCsv, formatConnectTable } from '../../report/connect/format.js';
import { formatConnectHtml } from '../../report/connect/html.js';
import { connectHeadline, connectIsEmpty, summarizeConnect } from '../../report/connect/summary.js';
import type { CollectorRuntime } from '../../runtime.js';
import { summaryReportCommand, type CommonReportArgs } from './shared.js';

export function connectReportCommand(runtime: CollectorRuntime, setExitCode: (code: number) => void): CommandModule<object, CommonReportArgs> {
  return summaryReportCommand(
    {
      command: 'connect',
      describe: 'Report Teleport Connect usage: DAU and WAU with the trend, most used features, platforms and login connector types',
      family: 'connect',
      fold: connectFold,
      summarize: summarizeConnect,
      headline: connectHeadline,
      isEmpty: connectIsEmpty,
      noun: 'Connect events',
      title: 'Teleport Connect usage',
      renderers: { table: formatConnectTable, csv: formatConnectCsv, html: formatConnectHtml },
    },
    runtime,
    setExitCode,
  );
}
