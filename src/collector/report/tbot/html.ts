/** The tbot report as one self-contained page with inline SVG charts and no external requests. */
import { barList, dayRange, escape } from '../html-kit.js';
import { percent } from '../window.js';
import { sortedGroups, type TbotReport as Report } from './fold.js';

const COLORS = { 'one-shot': '#2f6fdf', continuous: '#e07b22' } as const;

function perDayChart(report: Report): string {
  const days = dayRange(Object.keys(report.perDay));
  const max = Math.max(1, ...Object.values(report.perDay).map((counts) => counts['one-shot'] + counts.continuous));
  const width = 640;
  const height = 220;
  const bar = Math.max(4, Math.floor((width - 40) / Math.max(1, days.length)) - 4);
  const bars = days
    .map((day, index) => {
      const x = 40 + index * (bar + 4);
      const { 'one-shot': oneShot, continuous } = report.perDay[day] ?? { 'one-shot': 0, continuous: 0 };
      const h1 = ((height - 40) * oneShot) / max;
      const h2 = ((height - 40) * continuous) / max;
      return `<g><title>${escape(day)}: ${oneShot} one-shot, ${continuous} continuous</title>` +
        `<rect class="bar one-shot" x="${x}" y="${height - 20 - h1}" width="${bar}" height="${h1}" fill="${COLORS['one-shot']}"/>` +
        `<rect class="bar continuous" x="${x}" y="${height - 20 - h1 - h2}" width="${bar}" height="${h2}" fill="${COLORS.continuous}"/></g>`;
    })
    .join('');
  const labels = days.length === 0 ? '' : `<text x="40" y="${height - 4}" font-size="11">${escape(days[0]!)}</text><text x="${width}" y="${height - 4}" font-size="11" text-anchor="end">${escape(days.at(-1)!)}</text>`;
  return `<svg id="starts-per-day" role="img" aria-label="starts per day by run mode" width="${width + 10}" height="${height}" xmlns="http://www.w3.org/2000/svg">` +
    `<text x="0" y="14" font-size="11">${max}</text><line x1="38" y1="20" x2="38" y2="${height - 20}" stroke="#999"/>${bars}${labels}</svg>`;
}

export function formatHtml(report: Report): string {
  const oneShot = Object.values(report.perDay).reduce((sum, day) => sum + day['one-shot'], 0);
  const mix = report.destinations;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tbot usage since ${escape(report.since.slice(0, 10))}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:720px}h2{margin-top:1.6em}.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}</style></head>
<body>
<h1>tbot usage</h1>
<p id="summary">${report.total} starts since ${escape(report.since)}: ${oneShot} one-shot (CI, ${percent(oneShot, report.total)}) and ${report.total - oneShot} continuous (host, ${percent(report.total - oneShot, report.total)}).</p>
<h2>Starts per day</h2>
<p class="legend"><span style="background:${COLORS['one-shot']}"></span>one-shot<span style="background:${COLORS.continuous}"></span>continuous</p>
${perDayChart(report)}
<h2>Join methods</h2>
${barList('join-types', sortedGroups(report, 'join_type'), report.total)}
<h2>Helpers</h2>
${barList('helpers', sortedGroups(report, 'helper'), report.total)}
<h2>Agent versions</h2>
${barList('versions', sortedGroups(report, 'version'), report.total)}
<h2>Destination mix</h2>
<p>${mix.total} destinations: database ${mix.database}, kubernetes ${mix.kubernetes}, application ${mix.application}, other ${mix.other}.</p>
</body></html>
`;
}
