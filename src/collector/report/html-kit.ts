/**
 * What every report page is built from: one self-contained document (a CSP that loads nothing),
 * labelled bar lists, stacked day columns with a y axis, 100% share bars, and tables. Charts are
 * HTML and CSS so that text keeps its size on a phone-width screen; where a chart draws shapes in
 * SVG, the SVG holds no text and stretches to its box (viewBox, width 100%). Long labels wrap
 * rather than being cut, and wide tables scroll inside their own box instead of widening the page.
 */
import { figureChange, figureValue, type SummaryStrip } from './summary-strip.js';
import { humanDay, percent } from './window.js';

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A named colour, for a chart's series and its legend. */
export interface Series {
  key: string;
  label: string;
  color: string;
}

/** Distinct, colour-blind-friendlier hues for series without colours of their own (Okabe–Ito order). */
export const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#999999'];

const STYLE = `
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,sans-serif;margin:0;padding:16px;color:#222;background:#fff}
main{max-width:960px;margin:0 auto}
h1{margin:0 0 .2em}h2{margin:1.8em 0 .5em;font-size:1.2em}
.muted{color:#666}.note{background:#fff8e1;border-left:4px solid #e0b000;padding:.6em .8em;margin:1em 0}
.legend{display:flex;flex-wrap:wrap;gap:.3em 1em;margin:.3em 0;font-size:12px}.legend span{display:inline-flex;align-items:center;gap:4px}
.legend i{display:inline-block;width:12px;height:12px}
.bars{display:grid;grid-template-columns:minmax(0,min(14em,38%)) minmax(0,1fr);gap:4px 8px;align-items:center}
.bars .label,.share .label,.funnel .label{overflow-wrap:anywhere}.bars .sub{padding-left:1.2em;color:#555}
.track{display:flex;align-items:center;gap:6px;min-width:0;background:#eef3ee;height:20px}
.track b{display:block;height:100%;min-width:2px;flex:none}.track span{font-size:12px;white-space:nowrap;min-width:0;overflow:hidden;text-overflow:ellipsis}
.chart{margin:.5em 0 0 2.6em}.plot{position:relative;height:200px;border-left:1px solid #999;border-bottom:1px solid #999}
.tick{position:absolute;left:0;right:0;border-top:1px solid #e4e4e4}.tick span{position:absolute;right:100%;transform:translateY(-50%);padding-right:5px;font-size:11px;color:#555}
.cols{position:absolute;inset:0;display:flex;align-items:flex-end;gap:1px}
.col{flex:1 1 0;min-width:0;height:100%;display:flex;flex-direction:column-reverse}
.xlabels{display:flex;gap:1px;font-size:11px;color:#555;height:1.6em}.xlabels div{flex:1 1 0;min-width:0;white-space:nowrap;overflow:visible}
.share{display:grid;grid-template-columns:minmax(0,7em) minmax(0,1fr);gap:4px 8px;align-items:center}
.share .bar{display:flex;height:20px;min-width:0}.share .bar b{display:block;height:100%}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #e4e4e4;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;min-width:8em;max-width:16em;white-space:normal;overflow-wrap:anywhere}thead th{border-bottom:1px solid #999}
.strip{display:grid;grid-template-columns:repeat(auto-fit,minmax(9.5em,1fr));gap:8px;margin:1em 0}
.strip div{border:1px solid #d8d8d8;border-radius:6px;padding:.4em .6em;min-width:0}.strip b{display:block;font-size:1.5em;font-variant-numeric:tabular-nums}
.strip span{display:block}.strip small{display:block;color:#555}.strip .up{color:#1a7f37}.strip .down{color:#b42318}
.funnel{display:grid;grid-template-columns:minmax(0,min(11em,32%)) minmax(0,1fr) max-content;gap:0 8px;align-items:center;margin:.5em 0 1em}
.funnel .stage{display:flex;justify-content:center;height:22px}.funnel .stage b{display:block;height:100%;min-width:2px}
.funnel svg{display:block;width:100%;height:14px}.funnel .num{font-size:12px}.funnel .drop{font-size:11px;color:#c2410c}
.alarm{color:#b42318;font-weight:600}.plot svg{position:absolute;inset:0;width:100%;height:100%}.band-key{display:inline-block;width:12px;height:12px;background:#e3eefb;border-top:2px dashed #2f6fdf;vertical-align:middle}
`;

/** A whole page. Nothing can be fetched from it: no src or href, and a CSP of default-src 'none'. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>${STYLE}</style></head>
<body><main>
${body}
</main></body></html>
`;
}

/**
 * A page() with more in it: `head` at the end of its head, `top` at the start of its main. The
 * dashboard shows the very pages the CLI writes, with its navigation and filters added this way.
 */
export function decoratePage(html: string, extra: { head: string; top: string }): string {
  const head = html.indexOf('</head>');
  const main = html.indexOf('<main>');
  if (head < 0 || main < head) throw new Error('decoratePage: not a document made by page()');
  const afterMain = main + '<main>'.length;
  return `${html.slice(0, head)}${extra.head}${html.slice(head, afterMain)}\n${extra.top}${html.slice(afterMain)}`;
}

export function legend(series: readonly Series[]): string {
  return `<div class="legend">${series.map((item) => `<span><i style="background:${item.color}"></i>${escapeHtml(item.label)}</span>`).join('')}</div>`;
}

export interface BarRow {
  label: string;
  value: number;
  /** Shown after the bar, e.g. "12 (34.5%)". */
  note: string;
  /** A row nested under the one before it (a helper's version under the helper). */
  sub?: boolean;
  /** The bar's tooltip, when "label: note" says too little. */
  title?: string;
  /** The stored value a human label stands for (win32 for "Windows"): the label's tooltip. */
  raw?: string;
}

/** Counts as bar rows noted "n (share)", the share being of `total` (the rows' sum when absent). */
export function countRows(rows: readonly [string, number][], total = rows.reduce((sum, [, value]) => sum + value, 0)): BarRow[] {
  return rows.map(([label, value]) => ({ label, value, note: `${value} (${percent(value, total)})` }));
}

/** A labelled horizontal bar per row, scaled to `max` (the largest value when absent). */
export function barList(id: string, rows: readonly BarRow[], options: { color?: string; max?: number } = {}): string {
  const max = Math.max(1, options.max ?? Math.max(0, ...rows.map((row) => row.value)));
  const color = options.color ?? '#4a9d5b';
  const cells = rows.map((row) => {
    const width = ((100 * row.value) / max).toFixed(2);
    return (
      `<div class="label${row.sub === true ? ' sub' : ''}" title="${escapeHtml(row.raw ?? row.label)}">${escapeHtml(row.label)}</div>` +
      `<div class="track" title="${escapeHtml(row.title ?? `${row.label}: ${row.note}`)}"><b class="bar" style="width:calc((100% - 7em) * ${width} / 100);background:${color}"></b><span>${escapeHtml(row.note)}</span></div>`
    );
  });
  return `<div class="bars" id="${id}">${cells.join('')}</div>`;
}

/** About `target` round steps (1, 2 or 5 × 10^n) from 0 to at least `max`. */
export function niceTicks(max: number, target = 4): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough)!;
  const ticks: number[] = [];
  for (let tick = 0; tick < max + step; tick += step) ticks.push(Math.round(tick));
  return ticks;
}

export interface Column {
  /** A day, "YYYY-MM-DD" (a week's column is its Monday). */
  day: string;
  values: Record<string, number>;
  /** The tooltip, when the day and its numbers say too little. */
  title?: string;
}

/**
 * Stacked columns, one per day, with a y axis of round ticks and human dates underneath (about
 * six, so they fit a phone's width). Each column's tooltip gives its day and numbers.
 */
export function dayColumns(id: string, label: string, columns: readonly Column[], series: readonly Series[]): string {
  const totals = columns.map((column) => series.reduce((sum, item) => sum + (column.values[item.key] ?? 0), 0));
  const ticks = niceTicks(Math.max(0, ...totals));
  const top = ticks.at(-1)!;
  const labelEvery = Math.max(1, Math.ceil(columns.length / 6));
  const cols = columns.map((column, index) => {
    const title = column.title ?? `${humanDay(column.day)}: ${totals[index]} — ${series.map((item) => `${column.values[item.key] ?? 0} ${item.label}`).join(', ')}`;
    const segments = series.map((item) => {
      const value = column.values[item.key] ?? 0;
      return value === 0 ? '' : `<b class="bar ${escapeHtml(item.key)}" style="height:${((100 * value) / top).toFixed(2)}%;background:${item.color}"></b>`;
    });
    return `<div class="col" title="${escapeHtml(title)}">${segments.join('')}</div>`;
  });
  const xlabels = columns.map((column, index) => `<div>${index % labelEvery === 0 ? escapeHtml(humanDay(column.day, false)) : ''}</div>`);
  return (
    `<figure class="chart" id="${id}" role="img" aria-label="${escapeHtml(label)}">` +
    `<div class="plot">${ticks.map((tick) => `<div class="tick" style="bottom:${((100 * tick) / top).toFixed(2)}%"><span>${tick}</span></div>`).join('')}<div class="cols">${cols.join('')}</div></div>` +
    `<div class="xlabels">${xlabels.join('')}</div></figure>`
  );
}

export interface ShareRow {
  label: string;
  values: Record<string, number>;
}

/** One 100% bar per row, split by series, each part with its share as a tooltip. */
export function shareBars(id: string, rows: readonly ShareRow[], series: readonly Series[]): string {
  const cells = rows.map((row) => {
    const total = series.reduce((sum, item) => sum + (row.values[item.key] ?? 0), 0);
    const parts = series.map((item) => {
      const value = row.values[item.key] ?? 0;
      if (value === 0) return '';
      const share = (100 * value) / Math.max(1, total);
      return `<b style="width:${share.toFixed(2)}%;background:${item.color}" title="${escapeHtml(`${row.label}, ${item.label}: ${share.toFixed(1)}% (${value})`)}"></b>`;
    });
    return `<div class="label" title="${escapeHtml(row.label)}">${escapeHtml(row.label)}</div><div class="bar">${parts.join('')}</div>`;
  });
  return `<div class="share" id="${id}">${cells.join('')}</div>`;
}

/** A table in its own horizontal scroll box; the first column is the row label. */
export function dataTable(id: string, head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (tag: string, value: string | number): string => `<${tag} title="${escapeHtml(String(value))}">${escapeHtml(String(value))}</${tag}>`;
  return (
    `<div class="scroll"><table id="${id}"><thead><tr>${head.map((value) => cell('th', value)).join('')}</tr></thead>` +
    `<tbody>${rows.map((row) => `<tr>${row.map((value) => cell('td', value)).join('')}</tr>`).join('')}</tbody></table></div>`
  );
}

/** The report's headline numbers, each with its change against the previous period. */
export function summaryStrip(strip: SummaryStrip): string {
  const cells = strip.figures.map((figure) => {
    const direction = figure.change === null || figure.change === 0 ? '' : figure.change > 0 ? ' class="up"' : ' class="down"';
    return (
      `<div id="figure-${escapeHtml(figure.key)}"><b>${escapeHtml(figureValue(figure.value, figure.unit))}</b><span>${escapeHtml(figure.label)}</span>` +
      `<small${direction}>${escapeHtml(figureChange(figure, strip.previousLabel))}</small></div>`
    );
  });
  return `<section class="strip" id="summary-strip" aria-label="summary">${cells.join('')}</section>`;
}

/** A report page for a window without data: the one sentence, instead of empty charts. */
export function emptyPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1>\n<p class="note" id="empty">${escapeHtml(message)}</p>`);
}

export interface RatePoint {
  day: string;
  /** 0..1; undefined on a day without anything to divide. */
  rate: number | undefined;
  /** Above the usual band: drawn in the alarm colour. */
  flagged: boolean;
  title: string;
}

export const RATE_COLORS = { usual: '#2f6fdf', flagged: '#d55e00', band: '#e3eefb' } as const;

/**
 * A rate per day as columns, in SVG that holds no text and stretches to its box, with the usual
 * band (0 up to `upper`) shaded behind them and the days above it in the alarm colour; the y axis
 * and the dates are HTML, so their text keeps its size on a phone.
 */
export function rateChart(id: string, label: string, points: readonly RatePoint[], upper: number | null): string {
  // Ticks in hundredths of a percent, so small rates still get round, distinct ticks.
  const units = (rate: number): number => Math.round(rate * 10_000);
  const ticks = niceTicks(Math.max(1, units(upper ?? 0), ...points.map((point) => units(point.rate ?? 0))));
  const top = ticks.at(-1)! / 10_000;
  const y = (rate: number): number => 100 - (100 * rate) / top;
  const n = Math.max(1, points.length);
  const band = upper === null ? '' : `<rect x="0" y="${y(upper).toFixed(3)}" width="${n}" height="${(100 - y(upper)).toFixed(3)}" fill="${RATE_COLORS.band}"/>`;
  const line =
    upper === null
      ? ''
      : `<line x1="0" x2="${n}" y1="${y(upper).toFixed(3)}" y2="${y(upper).toFixed(3)}" stroke="${RATE_COLORS.usual}" stroke-dasharray="4 3" vector-effect="non-scaling-stroke"/>`;
  const bars = points.map((point, index) =>
    point.rate === undefined
      ? ''
      : `<rect class="${point.flagged ? 'flagged' : 'usual'}" x="${index + 0.15}" y="${y(point.rate).toFixed(3)}" width="0.7" height="${(100 - y(point.rate)).toFixed(3)}" fill="${point.flagged ? RATE_COLORS.flagged : RATE_COLORS.usual}"><title>${escapeHtml(point.title)}</title></rect>`,
  );
  const labelEvery = Math.max(1, Math.ceil(points.length / 6));
  const xlabels = points.map((point, index) => `<div>${index % labelEvery === 0 ? escapeHtml(humanDay(point.day, false)) : ''}</div>`);
  return (
    `<figure class="chart" id="${id}" role="img" aria-label="${escapeHtml(label)}"><div class="plot">` +
    ticks.map((tick) => `<div class="tick" style="bottom:${((100 * tick) / ticks.at(-1)!).toFixed(2)}%"><span>${Number((tick / 100).toFixed(2))}%</span></div>`).join('') +
    `<svg viewBox="0 0 ${n} 100" preserveAspectRatio="none" width="100%" height="100%" xmlns="http://www.w3.org/2000/svg">${band}${line}${bars.join('')}</svg></div>` +
    `<div class="xlabels">${xlabels.join('')}</div></figure>`
  );
}
