/** The product-usage report: per tenant, the events its auth servers reported, as a table, CSV or HTML. */
import { dataTable, escapeHtml, page, summaryStrip } from '../html-kit.js';
import { stripLines, type Headline, type SummaryStrip } from '../summary-strip.js';
import type { ReportWindow } from '../window.js';
import type { ProductReport } from './fold.js';

export interface ProductSummary {
  window: ReportWindow;
  total: number;
  skipped: number;
  /** Stored lines that repeated an event already counted (a client's retry), not counted again. */
  repeats: number;
  /** One row per tenant and event, tenants and events in name order. */
  rows: { tenant: string; event: string; count: number }[];
  /** The headline numbers against the previous period (added by the command, not by summarizeProduct). */
  summary?: SummaryStrip;
}

/** The product summary strip: how much was reported, by how many tenants, of how many kinds. */
export function productHeadline(summary: ProductSummary): Headline[] {
  return [
    { key: 'events', label: 'events', value: summary.total, unit: 'count' },
    { key: 'tenants', label: 'tenants reporting', value: new Set(summary.rows.map((row) => row.tenant)).size, unit: 'count' },
    { key: 'event_kinds', label: 'kinds of event', value: new Set(summary.rows.map((row) => row.event)).size, unit: 'count' },
  ];
}

export const productIsEmpty = (summary: ProductSummary): boolean => summary.total === 0 && summary.skipped === 0 && summary.repeats === 0;

export function summarizeProduct(report: ProductReport): ProductSummary {
  const rows = Object.keys(report.events)
    .sort()
    .flatMap((tenant) =>
      Object.entries(report.events[tenant]!)
        .filter(([, count]) => count > 0)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([event, count]) => ({ tenant, event, count })),
    );
  return { window: report.window, total: rows.reduce((sum, row) => sum + row.count, 0), skipped: report.skipped, repeats: report.repeats, rows };
}

export function formatProductTable(summary: ProductSummary): string {
  const width = Math.max(6, ...summary.rows.map((row) => row.tenant.length));
  const eventWidth = Math.max(5, ...summary.rows.map((row) => row.event.length));
  return [
    `product usage events ${summary.window.since} .. ${summary.window.until}: ${summary.total}` +
      `${summary.repeats > 0 ? ` (${summary.repeats} retried copies counted once)` : ''}${summary.skipped > 0 ? ` (${summary.skipped} damaged lines skipped)` : ''}`,
    ...(summary.summary === undefined ? [] : stripLines(summary.summary)),
    '',
    `${'tenant'.padEnd(width)}  ${'event'.padEnd(eventWidth)}  count`,
    ...summary.rows.map((row) => `${row.tenant.padEnd(width)}  ${row.event.padEnd(eventWidth)}  ${String(row.count).padStart(5)}`),
    '',
  ].join('\n');
}

const csvCell = (value: string): string => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

export function formatProductCsv(summary: ProductSummary): string {
  return ['tenant,event,count', ...summary.rows.map((row) => `${csvCell(row.tenant)},${csvCell(row.event)},${row.count}`), ''].join('\n');
}

export function formatProductHtml(summary: ProductSummary): string {
  return page(
    'Product usage',
    `<h1>Product usage</h1>
<p id="product-summary">${summary.total} events from ${escapeHtml(summary.window.since)} to ${escapeHtml(summary.window.until)}${summary.repeats > 0 ? `; ${summary.repeats} retried copies counted once` : ''}.</p>
${summary.summary === undefined ? '' : summaryStrip(summary.summary)}
${dataTable(
  'product-events',
  ['tenant', 'event', 'count'],
  summary.rows.map((row) => [row.tenant, row.event, row.count]),
)}`,
  );
}
