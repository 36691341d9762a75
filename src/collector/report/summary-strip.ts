/**
 * The summary strip at the top of every report: the few numbers a reader opens it for, each with
 * its change against the previous period of the same length. Both periods are folded and
 * summarized by the same code; a family only says which numbers of its summary are its headline
 * (`Headline`), and this module pairs them up and words the change. Pure.
 */
import type { ReportWindow } from './window.js';

/** How a figure is read: a count, or a share (0..1). */
export type FigureUnit = 'count' | 'share';

/** One headline number of one period; null when the period cannot say (a rate of nothing). */
export interface Headline {
  key: string;
  label: string;
  value: number | null;
  unit: FigureUnit;
}

export interface Figure extends Headline {
  previous: number | null;
  /**
   * Against the previous period: for counts the relative change (0.125 = +12.5%), null
   * when the previous period had none (or either value is unknown); for shares the difference
   * (0.05 = 5 percentage points), null when either share is unknown.
   */
  change: number | null;
}

export interface SummaryStrip {
  /** The period compared against: the same length, ending where the report's window starts. */
  previousWindow: ReportWindow;
  /** "previous 30 days", as the change is worded. */
  previousLabel: string;
  figures: Figure[];
}

/** The period of the same length that ends where `window` starts. */
export function previousWindow(window: ReportWindow): ReportWindow {
  const since = Date.parse(window.since);
  return { since: new Date(2 * since - Date.parse(window.until)).toISOString(), until: window.since };
}

/** "previous 30 days", "previous 12 hours", "previous 90 minutes", else "previous period". */
export function previousLabel(window: ReportWindow): string {
  const length = Date.parse(window.until) - Date.parse(window.since);
  for (const [unit, ms] of [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ] as const)
    if (length % ms === 0) return `previous ${length / ms} ${unit}${length === ms ? '' : 's'}`;
  return 'previous period';
}

function changeOf(value: number | null, previous: number | null, unit: FigureUnit): number | null {
  if (value === null || previous === null) return null;
  if (unit === 'share') return value - previous;
  return previous === 0 ? null : (value - previous) / previous;
}

/** Pairs each headline of the current period with the same one of the previous period. */
export function compareHeadlines(current: readonly Headline[], previous: readonly Headline[], before: ReportWindow, label = previousLabel(before)): SummaryStrip {
  return {
    previousWindow: before,
    previousLabel: label,
    figures: current.map((figure) => {
      const earlier = previous.find((candidate) => candidate.key === figure.key)?.value ?? null;
      return { ...figure, previous: earlier, change: changeOf(figure.value, earlier, figure.unit) };
    }),
  };
}

/** "1,234", "2.5", "40.0%", or "–" when unknown. */
export function figureValue(value: number | null, unit: FigureUnit): string {
  if (value === null) return '–';
  if (unit === 'share') return `${(100 * value).toFixed(1)}%`;
  return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** "+12.5% vs previous 30 days", "+5.0 pts vs …", "new: none in the previous 30 days", … */
export function figureChange(figure: Figure, label: string): string {
  if (figure.change !== null) {
    const sign = figure.change > 0 ? '+' : figure.change < 0 ? '−' : '±';
    const size = Math.abs(100 * figure.change).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    return `${sign}${size}${figure.unit === 'share' ? ' pts' : '%'} vs ${label}`;
  }
  if (figure.value === null) return figure.previous === null ? `none in the ${label} either` : `${figureValue(figure.previous, figure.unit)} in the ${label}`;
  // A share of nothing is unknown, not zero: there is nothing to compare with.
  if (figure.previous === null) return `none in the ${label}`;
  return figure.value === 0 ? `none in the ${label} either` : `new: none in the ${label}`;
}

/** The strip as terminal lines: "starts 1,234 (+12.5% vs previous 30 days)". */
export function stripLines(strip: SummaryStrip): string[] {
  return strip.figures.map((figure) => `${figure.label} ${figureValue(figure.value, figure.unit)} (${figureChange(figure, strip.previousLabel)})`);
}

/** The current and previous summaries as one, the strip under `summary`: what every report prints. */
export function withStrip<S>(current: S, previous: S, headline: (summary: S) => Headline[], previousPeriod: ReportWindow, label?: string): S & { summary: SummaryStrip } {
  return { ...current, summary: compareHeadlines(headline(current), headline(previous), previousPeriod, label) };
}
