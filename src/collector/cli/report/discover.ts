/** `tbot-collector report discover`: per resource type, the wizard funnel with times, errors and aborts. */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { discoverFold } from '../../report/discover/fold.js';
import { formatDiscoverCsv, formatDiscoverTable } from '../../report/discover/format.js';
import { formatDiscoverHtml } from '../../report/discover/html.js';
import { summarizeDiscover } from '../../report/discover/summary.js';
import type { CollectorRuntime } from '../../runtime.js';
import { commonReportOptions, foldFamily, render, type CommonReportArgs } from './shared.js';

export function discoverReportCommand(runtime: CollectorRuntime, setExitCode: (code: number) => void): CommandModule<object, CommonReportArgs> {
  return {
    command: 'discover',
    describe: 'Report Teleport Discover funnels per resource type: conversion, drop-off, step times, errors and aborted runs',
    builder: (yargs: Argv) => commonReportOptions(yargs) as unknown as Argv<CommonReportArgs>,
    handler: async (args: ArgumentsCamelCase<CommonReportArgs>) => {
      const summary = summarizeDiscover(await foldFamily(discoverFold, 'discover', args, runtime));
      runtime.stdout(render(summary, args.format, { table: formatDiscoverTable, csv: formatDiscoverCsv, html: formatDiscoverHtml }));
      setExitCode(0);
    },
  };
}
