/** The tbot report as a terminal table or CSV. */
import { csvCell, percent } from '../window.js';
import { sortedGroups, type Grouping, type TbotReport } from './fold.js';

export function formatTable(report: TbotReport, by: Grouping): string {
  const days = Object.keys(report.perDay).sort();
  const oneShot = days.reduce((sum, day) => sum + report.perDay[day]!['one-shot'], 0);
  const groups = sortedGroups(report, by);
  const width = Math.max(12, ...groups.map(([key]) => key.length));
  const mix = report.destinations;
  return [
    `tbot.start events since ${report.since}: ${report.total}${report.skipped > 0 ? ` (${report.skipped} damaged lines skipped)` : ''}`,
    `one-shot (CI): ${oneShot} (${percent(oneShot, report.total)})   continuous (host): ${report.total - oneShot} (${percent(report.total - oneShot, report.total)})`,
    '',
    `starts per day         one-shot  continuous`,
    ...days.map((day) => `${day}            ${String(report.perDay[day]!['one-shot']).padStart(8)}  ${String(report.perDay[day]!.continuous).padStart(10)}`),
    '',
    `by ${by}`,
    ...groups.map(([key, count]) => `${key.padEnd(width)}  ${String(count).padStart(8)}  ${percent(count, report.total).padStart(6)}`),
    '',
    `destination mix (${mix.total} destinations): database ${mix.database} (${percent(mix.database, mix.total)}), kubernetes ${mix.kubernetes} (${percent(mix.kubernetes, mix.total)}), application ${mix.application} (${percent(mix.application, mix.total)}), other ${mix.other} (${percent(mix.other, mix.total)})`,
    '',
  ].join('\n');
}

export function formatCsv(report: TbotReport, by: Grouping): string {
  return [[by, 'starts', 'share'].join(','), ...sortedGroups(report, by).map(([key, count]) => [csvCell(key), count, (count / Math.max(1, report.total)).toFixed(4)].join(','))].join('\n') + '\n';
}
