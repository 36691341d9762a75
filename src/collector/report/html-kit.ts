/** Pieces every report page is built from: escaping, the day axis, and a labelled bar list in SVG. */
import { percent } from './window.js';

export const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Every day from the first to the last of `known`, so quiet days show as gaps. */
export function dayRange(known: readonly string[]): string[] {
  const sorted = [...known].sort();
  if (sorted.length === 0) return [];
  const days: string[] = [];
  for (let day = new Date(`${sorted[0]}T00:00:00Z`); day.toISOString().slice(0, 10) <= sorted.at(-1)!; day = new Date(day.getTime() + 86_400_000)) days.push(day.toISOString().slice(0, 10));
  return days;
}

export function barList(id: string, entries: [string, number][], total: number): string {
  const max = Math.max(1, ...entries.map(([, count]) => count));
  const rows = entries.slice(0, 20);
  const height = rows.length * 24 + 4;
  return `<svg id="${id}" role="img" width="660" height="${height}" xmlns="http://www.w3.org/2000/svg">` +
    rows.map(([key, count], index) => `<g><text x="0" y="${index * 24 + 17}" font-size="12">${escape(key)}</text>` +
      `<rect class="bar" x="220" y="${index * 24 + 4}" width="${Math.max(2, (360 * count) / max)}" height="18" fill="#4a9d5b"/>` +
      `<text x="${226 + (360 * count) / max}" y="${index * 24 + 17}" font-size="12">${count} (${percent(count, total)})</text></g>`).join('') +
    '</svg>';
}

/** A self-contained page: inline styles only, and a CSP that forbids loading anything. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:760px}h2{margin-top:1.6em}table{border-collapse:collapse;font-size:12px}td,th{padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}tr:nth-child(even){background:#f4f4f4}.note{color:#555}</style></head>
<body>
${body}
</body></html>
`;
}

/** Round numbers for an axis: 0 to at least `max` in four steps of 1, 2 or 5 times a power of ten. */
export function axisTicks(max: number): number[] {
  const raw = Math.max(1, max) / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= raw)!;
  return [0, 1, 2, 3, 4].map((index) => index * step);
}

/** One series of columns (a value per day or per week) with a labelled y axis and a tooltip per column. */
export function columnChart(id: string, label: string, points: { key: string; value: number; title: string }[], color: string): string {
  const width = 660;
  const height = 220;
  const left = 44;
  const ticks = axisTicks(Math.max(0, ...points.map((point) => point.value)));
  const top = ticks.at(-1)!;
  const plot = height - 40;
  const slot = (width - left) / Math.max(1, points.length);
  const bar = Math.max(2, slot - Math.min(6, slot / 4));
  const y = (value: number): number => height - 20 - (plot * value) / top;
  const axis = ticks.map((tick) => `<text x="${left - 6}" y="${y(tick) + 4}" font-size="10" text-anchor="end">${tick}</text><line x1="${left}" y1="${y(tick)}" x2="${width}" y2="${y(tick)}" stroke="#e3e3e3"/>`).join('');
  const columns = points
    .map((point, index) => `<g><title>${escape(point.title)}</title><rect class="bar" x="${left + index * slot}" y="${y(point.value)}" width="${bar}" height="${(plot * point.value) / top}" fill="${color}"/></g>`)
    .join('');
  const labels = points.length === 0 ? '' : `<text x="${left}" y="${height - 4}" font-size="11">${escape(points[0]!.key)}</text><text x="${width}" y="${height - 4}" font-size="11" text-anchor="end">${escape(points.at(-1)!.key)}</text>`;
  return `<svg id="${id}" role="img" aria-label="${escape(label)}" width="${width + 10}" height="${height}" xmlns="http://www.w3.org/2000/svg">${axis}${columns}${labels}</svg>`;
}
