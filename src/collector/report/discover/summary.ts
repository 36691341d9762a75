/**
 * Funnels from the merged run states, per resource type. Definitions (docs/reports.md repeats them):
 * - a run belongs to the resource its events name (runs that never chose one are counted apart);
 * - a step's funnel count is the runs that passed it (status SUCCESS or SKIPPED);
 * - conversion is that count over the resource's runs; drop-off is the runs that passed the
 *   previous step shown but not this one;
 * - the time of a step is, within one run, from the previous step that run passed (in wizard
 *   order) to this step's first pass; start to completion is `started` to `completed`;
 * - median and p90 are nearest-rank percentiles of those durations (always an observed value).
 * Steps are shown in wizard order, and only those any run of the resource reached.
 */
import { COMPLETED_STEP, DISCOVER_STEPS, STARTED_STEP } from '../../../protocol/discover-wire.js';
import { ERROR_CLASSES } from '../../../protocol/free-text.js';
import type { Headline, SummaryStrip } from '../summary-strip.js';
import type { ReportWindow } from '../window.js';
import type { DiscoverTally } from './fold.js';
import { at as entryAt } from '../paged.js';
import { forEachError, forEachPass, resourceOf, type RunTable } from './run-table.js';

export interface Durations {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface FunnelStep {
  step: string;
  label: string;
  /** Runs that passed this step. */
  runs: number;
  /** Runs with any event of this step, whatever its status. */
  reached: number;
  conversion: number;
  dropOff: number;
  /** Drop-off over the previous step's count. */
  dropOffRate: number;
  time: Durations;
  errors: number;
  errorRuns: number;
  errorClasses: Record<string, number>;
  aborted: number;
}

export interface ResourceFunnel {
  resource: string;
  runs: number;
  completed: number;
  completionRate: number;
  startToCompletion: Durations;
  funnel: FunnelStep[];
  /** The step with the most error events, or null when there were none. */
  mostErrorsAt: string | null;
  aborted: number;
}

export interface DiscoverReport {
  window: ReportWindow;
  total: number;
  skipped: number;
  runs: number;
  /** Runs whose events never named a resource; their funnel is listed under NO_RESOURCE. */
  withoutResource: number;
  completed: number;
  resources: ResourceFunnel[];
  errorClasses: Record<string, number>;
  /** The headline numbers against the previous period (added by the command, not by summarizeDiscover). */
  summary?: SummaryStrip;
}

/** Nearest-rank percentile of ascending `sorted`; null when empty. */
export function percentile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

export function durations(values: number[]): Durations {
  const sorted = Float64Array.from(values).sort();
  const seconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000);
  return { count: sorted.length, medianSeconds: seconds(percentile(sorted, 0.5)), p90Seconds: seconds(percentile(sorted, 0.9)) };
}

/** Fills `at` (one slot per step, NaN = not passed) with the run's first pass times. */
function passTimes(table: RunTable, row: number, at: Float64Array): void {
  at.fill(Number.NaN);
  forEachPass(table, row, (step, time) => {
    at[step] = time;
  });
}

const hasBit = (mask: number, step: number): boolean => (mask & (1 << step)) !== 0;

function funnelFor(resource: string, table: RunTable, runs: number[]): ResourceFunnel {
  const steps = DISCOVER_STEPS.length;
  const passed = new Array<number>(steps).fill(0);
  const reached = new Array<number>(steps).fill(0);
  const aborted = new Array<number>(steps).fill(0);
  const errors = new Array<number>(steps).fill(0);
  const errorRuns = new Array<number>(steps).fill(0);
  const classes = Array.from({ length: steps }, () => ({}) as Record<string, number>);
  const times = Array.from({ length: steps }, () => [] as number[]);
  const startToCompletion: number[] = [];
  let abortedRuns = 0;
  const at = new Float64Array(steps);
  for (const row of runs) {
    passTimes(table, row, at);
    const seen = entryAt(table.seen, row);
    const left = entryAt(table.aborted, row);
    if (left !== 0) abortedRuns += 1;
    // Steps in wizard order: each passed step is timed from the previous one this run passed.
    let previous = Number.NaN;
    for (let step = 0; step < steps; step += 1) {
      if (hasBit(seen, step)) reached[step]! += 1;
      if (hasBit(left, step)) aborted[step]! += 1;
      const passedAt = at[step]!;
      if (Number.isNaN(passedAt)) continue;
      passed[step]! += 1;
      if (!Number.isNaN(previous) && passedAt >= previous) times[step]!.push(passedAt - previous);
      previous = passedAt;
    }
    const started = at[STARTED_STEP]!;
    const completed = at[COMPLETED_STEP]!;
    if (!Number.isNaN(started) && !Number.isNaN(completed) && completed >= started) startToCompletion.push(completed - started);
    if (entryAt(table.errorHead, row) < 0) continue;
    const errorSteps = new Set<number>();
    forEachError(table, row, (step, classIndex) => {
      const errorClass = ERROR_CLASSES[classIndex] ?? 'other';
      errors[step]! += 1;
      errorSteps.add(step);
      classes[step]![errorClass] = (classes[step]![errorClass] ?? 0) + 1;
    });
    for (const step of errorSteps) errorRuns[step]! += 1;
  }
  const funnel: FunnelStep[] = [];
  let previous = runs.length;
  for (let step = 0; step < steps; step += 1) {
    if (reached[step] === 0) continue;
    const count = passed[step]!;
    const dropOff = Math.max(0, previous - count);
    funnel.push({
      step: DISCOVER_STEPS[step]!.posthogName,
      label: DISCOVER_STEPS[step]!.label,
      runs: count,
      reached: reached[step]!,
      conversion: runs.length === 0 ? 0 : count / runs.length,
      dropOff,
      dropOffRate: previous === 0 ? 0 : dropOff / previous,
      time: durations(times[step]!),
      errors: errors[step]!,
      errorRuns: errorRuns[step]!,
      errorClasses: inClassOrder(classes[step]!),
      aborted: aborted[step]!,
    });
    previous = count;
  }
  const worst = funnel.reduce<FunnelStep | undefined>((best, step) => (step.errors > (best?.errors ?? 0) ? step : best), undefined);
  const completed = passed[COMPLETED_STEP]!;
  return {
    resource,
    runs: runs.length,
    completed,
    completionRate: runs.length === 0 ? 0 : completed / runs.length,
    startToCompletion: durations(startToCompletion),
    funnel,
    mostErrorsAt: worst?.label ?? null,
    aborted: abortedRuns,
  };
}

/** Error classes in one order, the vocabulary's: the order in which runs met them depends on which thread folded which lines. */
const CLASS_ORDER = [...new Set([...ERROR_CLASSES, 'other'])];
function inClassOrder(counts: Record<string, number>): Record<string, number> {
  const ordered: Record<string, number> = {};
  for (const name of CLASS_ORDER) if (counts[name] !== undefined) ordered[name] = counts[name];
  return ordered;
}

/** Where runs whose events never named a resource are counted (left at or before selecting one). */
export const NO_RESOURCE = '(none chosen)';

export function summarizeDiscover(tally: DiscoverTally): DiscoverReport {
  const table = tally.runs;
  const byResource = new Map<string, number[]>();
  for (let row = 0; row < table.rows; row += 1) {
    const resource = resourceOf(table, row) || NO_RESOURCE;
    const runs = byResource.get(resource) ?? byResource.set(resource, []).get(resource)!;
    runs.push(row);
  }
  const resources = [...byResource].map(([resource, runs]) => funnelFor(resource, table, runs)).sort((a, b) => b.runs - a.runs || a.resource.localeCompare(b.resource));
  const errorClasses: Record<string, number> = {};
  for (const resource of resources)
    for (const step of resource.funnel) for (const [name, count] of Object.entries(step.errorClasses)) errorClasses[name] = (errorClasses[name] ?? 0) + count;
  return {
    window: tally.window,
    total: tally.total,
    skipped: tally.skipped,
    runs: table.rows,
    withoutResource: byResource.get(NO_RESOURCE)?.length ?? 0,
    completed: resources.reduce((sum, resource) => sum + resource.completed, 0),
    resources,
    errorClasses: inClassOrder(errorClasses),
  };
}

/** DISCOVER_RESOURCE_DATABASE_POSTGRES_RDS → database postgres rds */
export const resourceLabel = (resource: string): string =>
  resource
    .replace(/^DISCOVER_RESOURCE_/, '')
    .toLowerCase()
    .replaceAll('_', ' ');

/** The Discover summary strip: how many tried, how many got through, and how many gave up. */
export function discoverHeadline(report: DiscoverReport): Headline[] {
  return [
    { key: 'runs', label: 'wizard runs', value: report.runs, unit: 'count' },
    { key: 'completed', label: 'completed', value: report.completed, unit: 'count' },
    { key: 'completion_rate', label: 'completion rate', value: report.runs === 0 ? null : report.completed / report.runs, unit: 'share' },
    { key: 'aborted', label: 'runs aborted', value: report.resources.reduce((sum, resource) => sum + resource.aborted, 0), unit: 'count' },
  ];
}

export const discoverIsEmpty = (report: DiscoverReport): boolean => report.total === 0 && report.skipped === 0;
