/**
 * The dashboard's pages, one per report, each the same fold → summary → page the CLI's
 * `report <family> --format html` runs, so every number is the CLI's. A view adds only what a live
 * page needs: which query parameters it takes (the CLI's flags), which values to offer as filter
 * links, and for tbot the `--by` breakdown the CLI prints as a table.
 */
import type { ReceivedRunMode } from '../../protocol/tbot-wire.js';
import { connectFold } from '../report/connect/fold.js';
import { formatConnectHtml } from '../report/connect/html.js';
import { connectHeadline, summarizeConnect } from '../report/connect/summary.js';
import { discoverFold } from '../report/discover/fold.js';
import { formatDiscoverHtml } from '../report/discover/html.js';
import { discoverHeadline, summarizeDiscover } from '../report/discover/summary.js';
import type { Fold } from '../report/fold.js';
import { heartbeatFold } from '../report/heartbeat/fold.js';
import { dataTable } from '../report/html-kit.js';
import { productFold } from '../report/product/fold.js';
import { formatProductHtml, productHeadline, summarizeProduct } from '../report/product/format.js';
import { tbotFilters } from '../report/tbot/filters.js';
import { GROUPINGS, NONE, RUN_MODES, tbotFold, type Grouping } from '../report/tbot/fold.js';
import { groupRows } from '../report/tbot/format.js';
import { formatTbotViewHtml, tbotView } from '../report/tbot/with-heartbeats.js';
import { type Headline, previousWindow, withStrip } from '../report/summary-strip.js';
import { usageFold } from '../report/usage/fold.js';
import { formatUsageHtml, summarizeUsage, usageHeadline } from '../report/usage/format.js';
import { monthBefore, monthWindow } from '../report/usage/month.js';
import type { ReportWindow } from '../report/window.js';
import type { Family } from '../store/record.js';
import { QueryError, type ParamSpec, type ViewQuery } from './query.js';

/** What a view's load may use: the window and a fold over the store (the CLI's buildReport). */
export interface ViewContext {
  window: ReportWindow;
  query: ViewQuery;
  fold<R>(fold: Fold<R>, family: Family, options: unknown): Promise<R>;
  /** The same fold over several windows in one pass (the window and the previous period, for the summary strip). */
  foldEach<R>(windows: ReportWindow[], fold: Fold<R>, family: Family, options: unknown): Promise<R[]>;
}

/** A fold over the window and over the period before it (the CLI's foldCompared, for the summary strip). */
async function compared<R>(context: ViewContext, fold: Fold<R>, family: Family, options: unknown, before: ReportWindow = previousWindow(context.window)) {
  // One pass for both, as the CLI does: the period before reads every segment the window reads.
  const [current, previous] = await context.foldEach([context.window, before], fold, family, options);
  return { current: current!, previous: previous!, previousWindow: before };
}

/** A summarized report with its strip, as `report <family>` prints it. */
async function summaryWithStrip<R, S>(context: ViewContext, fold: Fold<R>, family: Family, summarize: (tally: R) => S, headline: (summary: S) => Headline[]) {
  const { current, previous, previousWindow: before } = await compared(context, fold, family, {});
  return withStrip(summarize(current), summarize(previous), headline, before);
}

export interface DashboardView<S = unknown> {
  /** The URL's last segment: /dashboard/<name>. */
  name: string;
  label: string;
  describe: string;
  /** The query parameters beyond since/until: the report command's own flags. */
  params: readonly ParamSpec[];
  /** A window the view's own parameters set (usage's month), instead of since/until. */
  window?(query: ViewQuery): ReportWindow | undefined;
  /** The period the summary strip compares the window with, when not previousWindow(window) (usage's month before). */
  comparedWith?(query: ViewQuery): ReportWindow | undefined;
  /** The summary: what `report <name> --format json` prints. */
  load(context: ViewContext): Promise<S>;
  /** The report's own page, as `--format html` writes it. */
  page(summary: S): string;
  /** Per filter parameter, the values to offer as links (those seen in the window). */
  choices(summary: S): Readonly<Record<string, readonly string[]>>;
  /** More for the top of the page (tbot's --by breakdown). */
  more?(summary: S, query: ViewQuery): string;
}

/** A calendar month is compared with the calendar month before it, as `report usage --month` does. */
function monthBeforeOf(query: ViewQuery): ReportWindow | undefined {
  const month = query.params['month'];
  return month === undefined ? undefined : monthWindow(monthBefore(month));
}

/** Each view keeps its summary's type to itself; the registry holds them side by side. */
const view = <S>(spec: DashboardView<S>): DashboardView => spec as DashboardView;

const TBOT_GROUP_LABELS: Record<Grouping, string> = {
  run_mode: 'run mode',
  join_type: 'join method',
  helper: 'helper',
  version: 'version',
  day: 'day',
  week: 'week',
  destinations: 'destinations',
};

export const DASHBOARD_VIEWS: readonly DashboardView[] = [
  view({
    name: 'tbot',
    label: 'tbot',
    describe: 'Agent starts per day and week, run modes, join methods, helpers, versions, the destination mix, and continuous agents per day.',
    params: [
      { name: 'by', label: 'Breakdown', values: GROUPINGS },
      { name: 'run-mode', label: 'Run mode', values: RUN_MODES },
      { name: 'version', label: 'Version' },
      { name: 'helper', label: 'Helper' },
    ],
    async load(context) {
      const { params } = context.query;
      const filters = tbotFilters({ version: params['version'], helper: params['helper'], runMode: params['run-mode'] as ReceivedRunMode | undefined });
      const starts = await compared(context, tbotFold, 'tbot', filters);
      const heartbeats = await compared(context, heartbeatFold, 'tbot.heartbeat', filters, starts.previousWindow);
      return { report: tbotView({ starts, heartbeats, previousWindow: starts.previousWindow }), heartbeats: heartbeats.current };
    },
    page: ({ report, heartbeats }) => formatTbotViewHtml(report, heartbeats),
    choices: ({ report }) => ({
      'run-mode': RUN_MODES.filter((mode) => (report.breakdowns.run_mode[mode] ?? 0) > 0),
      version: Object.keys(report.breakdowns.version).sort(),
      helper: Object.keys(report.breakdowns.helper)
        .sort()
        .map((helper) => (helper === NONE ? 'none' : helper)),
    }),
    more({ report }, query) {
      const by = (query.params['by'] ?? 'run_mode') as Grouping;
      const rows = groupRows(report, by);
      return `<section class="dash-breakdown"><h2>Breakdown by ${TBOT_GROUP_LABELS[by]}</h2>${
        rows.length === 0 ? '<p class="muted">No starts in this window.</p>' : dataTable('breakdown', rows[0]!.map(String), rows.slice(1))
      }</section>`;
    },
  }),
  view({
    name: 'connect',
    label: 'Connect',
    describe: 'Teleport Connect: daily and weekly active installations, features, platforms and login connectors.',
    params: [],
    load: (context) => summaryWithStrip(context, connectFold, 'connect', summarizeConnect, connectHeadline),
    page: formatConnectHtml,
    choices: () => ({}),
  }),
  view({
    name: 'discover',
    label: 'Discover',
    describe: 'Teleport Discover: the wizard funnel per resource type, with step times, errors and aborted runs.',
    params: [],
    load: (context) => summaryWithStrip(context, discoverFold, 'discover', summarizeDiscover, discoverHeadline),
    page: formatDiscoverHtml,
    choices: () => ({}),
  }),
  view({
    name: 'product',
    label: 'Product',
    describe: "Product usage per tenant: the events each tenant's auth servers reported.",
    params: [],
    load: (context) => summaryWithStrip(context, productFold, 'teleport', summarizeProduct, productHeadline),
    page: formatProductHtml,
    choices: () => ({}),
  }),
  view({
    name: 'usage',
    label: 'Usage (billing)',
    describe: 'Billing usage per tenant and month: monthly active users, sessions, bot instances, resources.',
    params: [
      { name: 'tenant', label: 'Tenant' },
      { name: 'month', label: 'Month', replacesWindow: true },
    ],
    window(query) {
      const month = query.params['month'];
      if (month === undefined) return undefined;
      const window = monthWindow(month);
      if (window === undefined) throw new QueryError(`month ${JSON.stringify(month)}: expected a month as YYYY-MM, such as 2026-11`);
      return window;
    },
    comparedWith: monthBeforeOf,
    async load(context) {
      const tenant = context.query.params['tenant'];
      const before = monthBeforeOf(context.query);
      const { current, previous, previousWindow: period } = await compared(context, usageFold, 'usage', tenant === undefined ? {} : { tenant }, before);
      return withStrip(summarizeUsage(current), summarizeUsage(previous), usageHeadline, period, before === undefined ? undefined : 'previous month');
    },
    page: formatUsageHtml,
    choices: (summary) => ({
      tenant: [...new Set(summary.rows.map((row) => row.tenant))].sort(),
      month: [...new Set(summary.rows.map((row) => row.month))].sort(),
    }),
  }),
];
