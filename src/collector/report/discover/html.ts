/**
 * The Discover report as one self-contained page: per resource type, a funnel chart (a centred
 * bar per step, as wide as the runs that passed it, joined to the next by a band that narrows with
 * the drop-off) and a table of times, errors and aborts; then what is hardest across types.
 */
import { barList, countRows, escapeHtml, page } from '../html-kit.js';
import { humanWindow, percent, ranked } from '../window.js';
import { duration } from './format.js';
import { resourceLabel, type DiscoverReport, type ResourceFunnel } from './summary.js';
import { counted } from '../counted.js';

export const DISCOVER_COLORS = { funnel: '#7b4fd6', band: '#d9cdf5', drop: '#c2410c', completion: '#0f8a8a' } as const;

const ROW = 36;
const BAR = 22;
const LEFT = 180;
const SPAN = 300;

function funnelChart(id: string, resource: ResourceFunnel): string {
  const steps = resource.funnel;
  const widthOf = (runs: number): number => Math.max(2, (SPAN * runs) / Math.max(1, resource.runs));
  const centre = LEFT + SPAN / 2;
  const parts = steps.map((step, index) => {
    const y = index * ROW + 4;
    const width = widthOf(step.runs);
    const next = steps[index + 1];
    const band =
      next === undefined
        ? ''
        : `<polygon class="band" points="${centre - width / 2},${y + BAR} ${centre + width / 2},${y + BAR} ${centre + widthOf(next.runs) / 2},${y + ROW} ${centre - widthOf(next.runs) / 2},${y + ROW}" fill="${DISCOVER_COLORS.band}"/>`;
    const drop =
      step.dropOff > 0
        ? `<text x="${LEFT + SPAN + 120}" y="${y + 16}" font-size="11" fill="${DISCOVER_COLORS.drop}">−${step.dropOff} (${percent(step.dropOff, step.dropOff + step.runs)})</text>`
        : '';
    return (
      `<g><title>${escapeHtml(step.label)}: ${step.runs} of ${counted(resource.runs, 'run')} passed (${percent(step.runs, resource.runs)}), ${step.dropOff} dropped here, median ${duration(step.time.medianSeconds)}</title>` +
      `<text x="${LEFT - 8}" y="${y + 16}" font-size="12" text-anchor="end">${escapeHtml(step.label)}</text>` +
      `<rect class="funnel" x="${centre - width / 2}" y="${y}" width="${width}" height="${BAR}" fill="${DISCOVER_COLORS.funnel}"/>` +
      `<text x="${LEFT + SPAN + 8}" y="${y + 16}" font-size="12">${step.runs} (${percent(step.runs, resource.runs)})</text>${drop}${band}</g>`
    );
  });
  return `<svg id="${id}" role="img" aria-label="funnel for ${escapeHtml(resourceLabel(resource.resource))}" width="700" height="${steps.length * ROW + 8}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
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
  return `<table><tr><th>step</th><th>runs</th><th>conversion</th><th>drop-off</th><th>median time</th><th>p90 time</th><th>errors</th><th>error classes</th><th>aborted</th></tr>${rows}</table>`;
}

/** Completion rate per resource type, as bars out of 100%. */
function completionChart(report: DiscoverReport): string {
  const rows = [...report.resources].sort((a, b) => a.completionRate - b.completionRate || b.runs - a.runs);
  const height = rows.length * 24 + 4;
  return (
    `<svg id="completion" role="img" aria-label="completion rate by resource type" width="700" height="${height}" xmlns="http://www.w3.org/2000/svg">` +
    rows
      .map(
        (resource, index) =>
          `<g><title>${escapeHtml(resourceLabel(resource.resource))}: ${resource.completed} of ${counted(resource.runs, 'run')} completed</title><text x="0" y="${index * 24 + 17}" font-size="12">${escapeHtml(resourceLabel(resource.resource))}</text>` +
          `<rect class="bar" x="260" y="${index * 24 + 4}" width="${Math.max(2, 300 * resource.completionRate)}" height="18" fill="${DISCOVER_COLORS.completion}"/>` +
          `<text x="${266 + 300 * resource.completionRate}" y="${index * 24 + 17}" font-size="12">${percent(resource.completed, resource.runs)} of ${resource.runs}</text></g>`,
      )
      .join('') +
    '</svg>'
  );
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
