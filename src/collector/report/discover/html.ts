/**
 * The Discover report as one self-contained page: per resource type, a funnel chart (a centred
 * bar per step, as wide as the runs that passed it, joined to the next by a band that narrows with
 * the drop-off) and a table of times, errors and aborts; then what is hardest across types. Every
 * chart fits a phone's width.
 */
import { barList, countRows, escapeHtml, page, summaryStrip, type BarRow } from '../html-kit.js';
import { humanWindow, percent, ranked } from '../window.js';
import { duration } from '../duration.js';
import { resourceLabel, type DiscoverReport, type ResourceFunnel } from './summary.js';
import { counted } from '../counted.js';

export const DISCOVER_COLORS = { funnel: '#7b4fd6', band: '#d9cdf5', drop: '#c2410c', completion: '#0f8a8a' } as const;

/**
 * One row per step: its label, a bar centred in the track as wide as the runs that passed it, and
 * its count; between two steps a band that narrows with the drop-off, with the drop-off's count.
 * The bars and labels are HTML, so text keeps its size on a phone; the bands are SVG without text,
 * stretched to the track's width (viewBox, width 100%).
 */
function funnelChart(id: string, resource: ResourceFunnel): string {
  const steps = resource.funnel;
  const widthOf = (runs: number): number => Math.max(0.5, (100 * runs) / Math.max(1, resource.runs));
  const parts = steps.map((step, index) => {
    const width = widthOf(step.runs);
    const next = steps[index + 1];
    const title = `${step.label}: ${step.runs} of ${counted(resource.runs, 'run')} passed (${percent(step.runs, resource.runs)}), ${step.dropOff} dropped here, median ${duration(step.time.medianSeconds)}`;
    const row =
      `<div class="label" title="${escapeHtml(title)}">${escapeHtml(step.label)}</div>` +
      `<div class="stage" title="${escapeHtml(title)}"><b class="funnel-bar" style="width:${width.toFixed(2)}%;background:${DISCOVER_COLORS.funnel}"></b></div>` +
      `<div class="num">${step.runs} (${percent(step.runs, resource.runs)})</div>`;
    if (next === undefined) return row;
    const low = widthOf(next.runs);
    const [a, b, c, d] = [50 - width / 2, 50 + width / 2, 50 + low / 2, 50 - low / 2].map((x) => x.toFixed(2));
    return (
      `${row}<div></div>` +
      `<svg viewBox="0 0 100 10" preserveAspectRatio="none" width="100%" height="14" aria-hidden="true"><polygon class="band" points="${a},0 ${b},0 ${c},10 ${d},10" fill="${DISCOVER_COLORS.band}"/></svg>` +
      `<div class="drop">${next.dropOff > 0 ? `−${next.dropOff} (${percent(next.dropOff, step.runs)})` : ''}</div>`
    );
  });
  return `<div class="funnel" id="${id}" role="img" aria-label="funnel for ${escapeHtml(resourceLabel(resource.resource))}">${parts.join('')}</div>`;
}

function stepTable(resource: ResourceFunnel): string {
  const rows = resource.funnel
    .map(
      (step) =>
        `<tr><td>${escapeHtml(step.label)}</td><td>${step.runs}</td><td>${percent(step.runs, resource.runs)}</td><td>${step.dropOff}</td><td>${duration(step.time.medianSeconds)}</td><td>${duration(step.time.p90Seconds)}</td><td>${step.errors}</td><td>${escapeHtml(
          ranked(Object.entries(step.errorClasses))
            .map(([name, count]) => `${name} ${count}`)
            .join(', '),
        )}</td><td>${step.aborted}</td></tr>`,
    )
    .join('');
  return `<div class="scroll"><table><tr><th>step</th><th>runs</th><th>conversion</th><th>drop-off</th><th>median time</th><th>p90 time</th><th>errors</th><th>error classes</th><th>aborted</th></tr>${rows}</table></div>`;
}

/** Completion rate per resource type, as bars out of 100% (hardest first). */
function completionChart(report: DiscoverReport): string {
  const rows: BarRow[] = [...report.resources]
    .sort((a, b) => a.completionRate - b.completionRate || b.runs - a.runs)
    .map((resource) => ({
      label: resourceLabel(resource.resource),
      raw: resource.resource,
      value: resource.completionRate,
      note: `${percent(resource.completed, resource.runs)} of ${resource.runs}`,
      title: `${resourceLabel(resource.resource)}: ${resource.completed} of ${counted(resource.runs, 'run')} completed`,
    }));
  return barList('completion', rows, { color: DISCOVER_COLORS.completion, max: 1 });
}

export function formatDiscoverHtml(report: DiscoverReport): string {
  const abortedBySteps: Record<string, number> = {};
  for (const resource of report.resources) for (const step of resource.funnel) if (step.aborted > 0) abortedBySteps[step.label] = (abortedBySteps[step.label] ?? 0) + step.aborted;
  const abortedTotal = Object.values(abortedBySteps).reduce((sum, count) => sum + count, 0);
  const errorTotal = Object.values(report.errorClasses).reduce((sum, count) => sum + count, 0);
  const funnels = report.resources
    .map(
      (resource, index) => `<h3>${escapeHtml(resourceLabel(resource.resource))}: ${counted(resource.runs, 'run')}, ${percent(resource.completed, resource.runs)} completed</h3>
<p class="muted">Start to completion: median ${duration(resource.startToCompletion.medianSeconds)}, p90 ${duration(resource.startToCompletion.p90Seconds)} (${counted(resource.startToCompletion.count, 'run')}). Most errors at: ${escapeHtml(resource.mostErrorsAt ?? 'none')}.</p>
${funnelChart(`funnel-${index}`, resource)}
${stepTable(resource)}`,
    )
    .join('\n');
  const body = `<h1>Teleport Discover funnels</h1>
<p id="summary">${report.total} events in ${report.runs} wizard runs, ${escapeHtml(humanWindow(report.window))}: ${report.completed} completed (${percent(report.completed, report.runs)}), ${report.withoutResource} never chose a resource.</p>
${report.summary === undefined ? '' : summaryStrip(report.summary)}
<p class="note">A step counts a run when it succeeded or was skipped. Times are from the previous step the run passed, from the events' own timestamps within one run. Error texts that named an address, path, host, e-mail or other identifier were replaced by "redacted" when they arrived; the classes below are derived from the text, never copies of it.</p>
<h2>Completion by resource type (hardest first)</h2>
${completionChart(report)}
<h2>Errors by class</h2>
${errorTotal === 0 ? '<p class="muted">No errors.</p>' : barList('error-classes', countRows(ranked(Object.entries(report.errorClasses))))}
<h2>Aborted runs by step</h2>
${abortedTotal === 0 ? '<p class="muted">No aborted runs.</p>' : barList('aborted-steps', countRows(ranked(Object.entries(abortedBySteps))))}
<h2>Funnels by resource type</h2>
${funnels}`;
  return page(`Teleport Discover funnels, ${humanWindow(report.window)}`, body);
}
