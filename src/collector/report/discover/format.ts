/** The Discover report as a terminal table or CSV (one row per resource and funnel step). */
import { csvCell, humanWindow, percent, ranked } from '../window.js';
import { resourceLabel, type DiscoverReport, type Durations } from './summary.js';
import { counted } from '../counted.js';
import { duration } from '../duration.js';
import { stripLines } from '../summary-strip.js';

const classes = (counts: Record<string, number>): string =>
  ranked(Object.entries(counts))
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');

const cell = (text: string | number, width: number): string => String(text).padStart(width);

export function formatDiscoverTable(report: DiscoverReport): string {
  const lines = [
    `Discover events, ${humanWindow(report.window)}: ${report.total} in ${report.runs} wizard runs; ${report.completed} completed (${percent(report.completed, report.runs)}); ${report.withoutResource} never chose a resource${report.skipped > 0 ? ` (${report.skipped} damaged lines skipped)` : ''}`,
    ...(report.summary === undefined ? [] : stripLines(report.summary)),
    '',
    'resource types, hardest first (lowest completion)',
    `  ${'resource'.padEnd(36)}  ${cell('runs', 6)}  ${cell('done', 6)}  ${cell('rate', 6)}  ${cell('median', 7)}  ${cell('p90', 7)}  ${cell('aborted', 7)}  most errors at`,
    ...[...report.resources]
      .sort((a, b) => a.completionRate - b.completionRate || b.runs - a.runs)
      .map(
        (resource) =>
          `  ${resourceLabel(resource.resource).padEnd(36)}  ${cell(resource.runs, 6)}  ${cell(resource.completed, 6)}  ${cell(percent(resource.completed, resource.runs), 6)}  ${cell(duration(resource.startToCompletion.medianSeconds), 7)}  ${cell(duration(resource.startToCompletion.p90Seconds), 7)}  ${cell(resource.aborted, 7)}  ${resource.mostErrorsAt ?? '-'}`,
      ),
    '',
  ];
  for (const resource of report.resources) {
    lines.push(
      `funnel: ${resourceLabel(resource.resource)} (${counted(resource.runs, 'run')}; start to completion median ${duration(resource.startToCompletion.medianSeconds)}, p90 ${duration(resource.startToCompletion.p90Seconds)})`,
    );
    lines.push(
      `  ${'step'.padEnd(26)}  ${cell('runs', 6)}  ${cell('conv.', 6)}  ${cell('drop', 6)}  ${cell('median', 7)}  ${cell('p90', 7)}  ${cell('errors', 6)}  ${cell('aborted', 7)}  error classes`,
    );
    for (const step of resource.funnel) {
      lines.push(
        `  ${step.label.padEnd(26)}  ${cell(step.runs, 6)}  ${cell(percent(step.runs, resource.runs), 6)}  ${cell(step.dropOff, 6)}  ${cell(duration(step.time.medianSeconds), 7)}  ${cell(duration(step.time.p90Seconds), 7)}  ${cell(step.errors, 6)}  ${cell(step.aborted, 7)}  ${classes(step.errorClasses)}`,
      );
    }
    lines.push('');
  }
  if (Object.keys(report.errorClasses).length > 0) lines.push(`error classes overall: ${classes(report.errorClasses)}`, '');
  return lines.join('\n');
}

const seconds = (value: number | null): string => (value === null ? '' : value.toFixed(3));

export function formatDiscoverCsv(report: DiscoverReport): string {
  const header = [
    'resource',
    'step',
    'runs',
    'reached',
    'conversion',
    'drop_off',
    'drop_off_rate',
    'median_seconds',
    'p90_seconds',
    'timed_runs',
    'errors',
    'error_runs',
    'top_error_class',
    'aborted',
  ];
  const rows: (string | number)[][] = [];
  const total = (resource: string, time: Durations, runs: number, completed: number): (string | number)[] => [
    resource,
    'start_to_completion',
    completed,
    runs,
    (completed / Math.max(1, runs)).toFixed(4),
    '',
    '',
    seconds(time.medianSeconds),
    seconds(time.p90Seconds),
    time.count,
    '',
    '',
    '',
    '',
  ];
  for (const resource of report.resources) {
    for (const step of resource.funnel) {
      rows.push([
        resource.resource,
        step.step,
        step.runs,
        step.reached,
        step.conversion.toFixed(4),
        step.dropOff,
        step.dropOffRate.toFixed(4),
        seconds(step.time.medianSeconds),
        seconds(step.time.p90Seconds),
        step.time.count,
        step.errors,
        step.errorRuns,
        ranked(Object.entries(step.errorClasses))[0]?.[0] ?? '',
        step.aborted,
      ]);
    }
    rows.push(total(resource.resource, resource.startToCompletion, resource.runs, resource.completed));
  }
  return `${header.join(',')}\n${rows.map((row) => row.map(csvCell).join(',')).join('\n')}${rows.length === 0 ? '' : '\n'}`;
}
