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
