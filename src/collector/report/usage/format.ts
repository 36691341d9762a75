/**
 * The billing report's renderings: per tenant and month, a text table, CSV for an invoicing
 * system (stable columns, documented in docs/usage-report.md), or a self-contained HTML page; the
 * JSON is the summary itself.
 */
import { counted } from '../counted.js';
import { dataTable, escapeHtml, page, summaryStrip } from '../html-kit.js';
import { stripLines, type Headline, type SummaryStrip } from '../summary-strip.js';
import { csvCell, type ReportWindow } from '../window.js';
import { USAGE_COUNTERS, type ResourceTally, type UsageCounter, type UsageGroup, type UsageReport } from './fold.js';

/** The tenant column of the cross-tenant rows. */
export const ALL_TENANTS = '(all tenants)';

/** The resource kinds every CSV row has columns for (the contract's), in its enum's order. */
export const CSV_RESOURCE_KINDS = ['node', 'app_server', 'kube_server', 'db_server', 'windows_desktop', 'node.openssh', 'node.openssh_ec2_ice'] as const;

export interface ResourceFigures {
  /** Distinct resource ids in the month. */
  distinct: number;
  /** The most distinct ids in one hour, and the first hour ("YYYY-MM-DDTHH") that reached it. */
  peak_hour_count: number;
  peak_hour: string | null;
}

export interface UsageRow {
  tenant: string;
  month: string;
  mau: number;
  mau_human: number;
  mau_bot: number;
  mau_unspecified: number;
  /** Users whose kind is a number the contract does not name (a newer auth server). */
  mau_other: number;
  /** System components acting as users (USER_KIND_SYSTEM). */
  mau_system: number;
  counters: Record<UsageCounter, number>;
  bot_instances: number;
  /** Resource kind label → figures. */
  resources: Record<string, ResourceFigures>;
  /** The kinds without CSV columns of their own (unspecified, undeclared numbers), together. */
  resources_other: ResourceFigures;
  reports: number;
}

export interface UsageSummary {
  window: ReportWindow;
  tenant: string | null;
  /** One row per tenant and month, tenants in name order, then months. */
  rows: UsageRow[];
  /** Per month, every tenant's row added up (tenants' users are distinct identities: their keys differ). */
  totals: UsageRow[];
  reports: number;
  repeats: number;
  skipped: number;
  /** The headline numbers against the previous period (added by the command, not by summarizeUsage). */
  summary?: SummaryStrip;
}

/**
 * Figures of resource tallies whose ids are distinct identities (one kind of one tenant, or one
 * kind over tenants, whose HMAC keys differ): distinct ids add up, and an hour's count is the sum
 * of the tallies' counts in that hour.
 */
function resourceFigures(tallies: readonly ResourceTally[]): ResourceFigures {
  const hours = new Map<string, number>();
  for (const tally of tallies) for (const [hour, ids] of tally.hours) hours.set(hour, (hours.get(hour) ?? 0) + ids.size);
  let peak = 0;
  let peakHour: string | null = null;
  for (const hour of [...hours.keys()].sort()) {
    if (hours.get(hour)! > peak) {
      peak = hours.get(hour)!;
      peakHour = hour;
    }
  }
  return { distinct: tallies.reduce((sum, tally) => sum + tally.ids.size, 0), peak_hour_count: peak, peak_hour: peakHour };
}

const DECLARED = new Set<string>(CSV_RESOURCE_KINDS);

/** One row from the groups of one tenant's month, or of every tenant's month (the total). */
function row(tenant: string, month: string, groups: readonly UsageGroup[]): UsageRow {
  // Unspecified, human, bot, system; then every number the contract does not name.
  const byKind = [0, 0, 0, 0, 0];
  for (const group of groups) for (const kind of group.users.values()) byKind[Math.min(kind, 4)]! += 1;
  const kinds = [...new Set(groups.flatMap((group) => [...group.resources.keys()]))].sort();
  const tallies = (kind: string): ResourceTally[] => groups.flatMap((group) => group.resources.get(kind) ?? []);
  const resources: Record<string, ResourceFigures> = {};
  for (const kind of kinds) resources[kind] = resourceFigures(tallies(kind));
  return {
    tenant,
    month,
    mau: byKind.reduce((sum, count) => sum + count, 0),
    mau_human: byKind[1]!,
    mau_bot: byKind[2]!,
    mau_unspecified: byKind[0]!,
    mau_other: byKind[4]!,
    mau_system: byKind[3]!,
    counters: Object.fromEntries(USAGE_COUNTERS.map(([name], index) => [name, groups.reduce((sum, group) => sum + group.counters[index]!, 0)])) as Record<UsageCounter, number>,
    bot_instances: groups.reduce((sum, group) => sum + group.botInstances.size, 0),
    resources,
    resources_other: resourceFigures(kinds.filter((kind) => !DECLARED.has(kind)).flatMap(tallies)),
    reports: groups.reduce((sum, group) => sum + group.reports, 0),
  };
}

const order = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function summarizeUsage(report: UsageReport): UsageSummary {
  const groups = [...report.groups.values()];
  const rows = groups.map((group) => row(group.tenant, group.month, [group])).sort((a, b) => order(a.tenant, b.tenant) || order(a.month, b.month));
  const months = [...new Set(rows.map((item) => item.month))].sort();
  return {
    window: report.window,
    tenant: report.tenant ?? null,
    rows,
    totals: months.map((month) =>
      row(
        ALL_TENANTS,
        month,
        groups.filter((group) => group.month === month),
      ),
    ),
    reports: rows.reduce((sum, item) => sum + item.reports, 0),
    repeats: report.repeats,
    skipped: report.skipped,
  };
}

/**
 * The billing summary strip: tenants, and the latest month's active users, sessions and bot
 * instances over every tenant (months are not added up: a user active in two months is one user
 * twice).
 */
export function usageHeadline(summary: UsageSummary): Headline[] {
  const latest = summary.totals.at(-1);
  const sessions = latest === undefined ? 0 : SESSION_HEADS.reduce((sum, [name]) => sum + latest.counters[name], 0);
  return [
    { key: 'tenants', label: 'tenants', value: new Set(summary.rows.map((item) => item.tenant)).size, unit: 'count' },
    { key: 'mau', label: 'monthly active users (latest month)', value: latest?.mau ?? 0, unit: 'count' },
    { key: 'sessions', label: 'sessions (latest month)', value: sessions, unit: 'count' },
    { key: 'bot_instances', label: 'bot instances (latest month)', value: latest?.bot_instances ?? 0, unit: 'count' },
  ];
}

export const usageIsEmpty = (summary: UsageSummary): boolean => summary.reports === 0 && summary.repeats === 0 && summary.skipped === 0;

const SESSION_HEADS: [UsageCounter, string][] = [
  ['sessions_ssh', 'ssh'],
  ['sessions_kube', 'kube'],
  ['sessions_db', 'db'],
  ['sessions_app', 'app'],
  ['sessions_app_tcp', 'app-tcp'],
  ['sessions_desktop', 'desktop'],
  ['sessions_linux_desktop', 'linux-desktop'],
];

const TABLE_HEAD = [
  'tenant',
  'month',
  'MAU',
  'human',
  'bot',
  'system',
  'unspec.',
  'other',
  'logins',
  ...SESSION_HEADS.map(([, head]) => head),
  'SVIDs',
  'certs',
  'bot inst.',
  'bot joins',
];
const tableCells = (item: UsageRow): (string | number)[] => [
  item.tenant,
  item.month,
  item.mau,
  item.mau_human,
  item.mau_bot,
  item.mau_system,
  item.mau_unspecified,
  item.mau_other,
  item.counters.logins,
  ...SESSION_HEADS.map(([name]) => item.counters[name]),
  item.counters.svids_issued,
  item.counters.certificates_issued,
  item.bot_instances,
  item.counters.bot_joins,
];

const RESOURCE_HEAD = ['tenant', 'month', 'kind', 'distinct', 'peak/hour', 'peak hour (UTC)'];
const resourceCells = (item: UsageRow): (string | number)[][] =>
  Object.entries(item.resources).map(([kind, figures]) => [
    item.tenant,
    item.month,
    kind,
    figures.distinct,
    figures.peak_hour_count,
    figures.peak_hour === null ? '–' : `${figures.peak_hour}:00`,
  ]);

/** Text columns left-aligned, number columns (headings too) right-aligned, two spaces apart. */
function textTable(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  const widths = head.map((title, column) => Math.max(title.length, ...rows.map((cells) => String(cells[column]).length)));
  const numeric = head.map((_, column) => typeof rows[0]?.[column] === 'number');
  const line = (cells: readonly (string | number)[]): string =>
    cells
      .map((value, column) => (numeric[column] ? String(value).padStart(widths[column]!) : String(value).padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}

function heading(summary: UsageSummary): string {
  const tenants = new Set(summary.rows.map((item) => item.tenant)).size;
  return (
    `usage ${summary.window.since} .. ${summary.window.until}${summary.tenant === null ? '' : ` (tenant ${summary.tenant})`}: ${counted(tenants, 'tenant')}, ${counted(summary.reports, 'report')}` +
    `${summary.repeats > 0 ? ` (${counted(summary.repeats, 'repeated copy', 'repeated copies')} counted once)` : ''}${summary.skipped > 0 ? ` (${counted(summary.skipped, 'damaged line')} skipped)` : ''}`
  );
}

export function formatUsageTable(summary: UsageSummary): string {
  const withTotals = [...summary.rows, ...(new Set(summary.rows.map((item) => item.tenant)).size > 1 ? summary.totals : [])];
  const resources = withTotals.flatMap(resourceCells);
  return [
    heading(summary),
    ...(summary.summary === undefined ? [] : stripLines(summary.summary)),
    '',
    ...textTable(TABLE_HEAD, withTotals.map(tableCells)),
    '',
    'resources (distinct in the month; the most in one hour)',
    ...(resources.length === 0 ? ['  none reported'] : textTable(RESOURCE_HEAD, resources)),
    '',
  ].join('\n');
}

/**
 * The counters in the CSV's first block, as first published; a counter added later
 * (LATER_COUNTERS) gets a column at the end instead, so no column ever moves.
 */
const LATER_COUNTERS: readonly UsageCounter[] = ['sessions_linux_desktop'];
const FIRST_COUNTERS = USAGE_COUNTERS.map(([name]) => name).filter((name) => !LATER_COUNTERS.includes(name));

/** The CSV columns, in order: stable, documented in docs/usage-report.md; never reorder or rename, only add at the end. */
export const USAGE_CSV_COLUMNS = [
  'tenant',
  'month',
  'mau',
  'mau_human',
  'mau_bot',
  'mau_unspecified',
  'mau_other',
  ...FIRST_COUNTERS,
  'bot_instances',
  ...CSV_RESOURCE_KINDS.flatMap((kind) => [`resources_${kind.replace('.', '_')}`, `resources_${kind.replace('.', '_')}_peak_hour`]),
  'resources_other',
  'resources_other_peak_hour',
  // Added on 5 December 2026, with the newer contract.
  'mau_system',
  ...LATER_COUNTERS,
] as const;

function csvCells(item: UsageRow): (string | number)[] {
  return [
    item.tenant,
    item.month,
    item.mau,
    item.mau_human,
    item.mau_bot,
    item.mau_unspecified,
    item.mau_other,
    ...FIRST_COUNTERS.map((name) => item.counters[name]),
    item.bot_instances,
    ...CSV_RESOURCE_KINDS.flatMap((kind) => [item.resources[kind]?.distinct ?? 0, item.resources[kind]?.peak_hour_count ?? 0]),
    item.resources_other.distinct,
    item.resources_other.peak_hour_count,
    item.mau_system,
    ...LATER_COUNTERS.map((name) => item.counters[name]),
  ];
}

export function formatUsageCsv(summary: UsageSummary): string {
  return [USAGE_CSV_COLUMNS.join(','), ...summary.rows.map((item) => csvCells(item).map(csvCell).join(',')), ''].join('\n');
}

export function formatUsageHtml(summary: UsageSummary): string {
  const withTotals = [...summary.rows, ...summary.totals];
  return page(
    'Usage for billing',
    `<h1>Usage for billing</h1>
<p id="usage-summary">${escapeHtml(heading(summary))}.</p>
${summary.summary === undefined ? '' : summaryStrip(summary.summary)}
<h2>Users and activity</h2>
${dataTable('usage-activity', TABLE_HEAD, withTotals.map(tableCells))}
<h2>Resources</h2>
${dataTable('usage-resources', RESOURCE_HEAD, withTotals.flatMap(resourceCells))}`,
  );
}
