/** `tbot-collector report discover`: per resource type, the wizard funnel with times, errors and aborts. */
import type { CommandModule } from 'yargs';
import { discoverFold } from '../../report/discover/fold.js';
import { formatDiscoverCsv, formatDiscoverTable } from '../../report/discover/format.js';
import { formatDiscoverHtml } from '../../report/discover/html.js';
import { discoverHeadline, discoverIsEmpty, summarizeDiscover } from '../../report/discover/summary.js';
import type { CollectorRuntime } from '../../runtime.js';
import { summaryReportCommand, type CommonReportArgs } from './shared.js';

export function discoverReportCommand(runtime: CollectorRuntime, setExitCode: (code: number) => void): CommandModule<object, CommonReportArgs> {
  return summaryReportCommand(
    {
      command: 'discover',
      describe: 'Report Teleport Discover funnels per resource type: conversion, drop-off, step times, errors and aborted runs',
      family: 'discover',
      fold: discoverFold,
      summarize: summarizeDiscover,
      headline: discoverHeadline,
      isEmpty: discoverIsEmpty,
      noun: 'Discover events',
      title: 'Teleport Discover funnels',
      renderers: { table: formatDiscoverTable, csv: formatDiscoverCsv, html: formatDiscoverHtml },
    },
    runtime,
    setExitCode,
  );
}
