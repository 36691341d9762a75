/**
 * The dashboard's HTTP side, served under /dashboard/ on the collector's own listener: read-only
 * (GET and HEAD), behind the access check, every answer with the security headers, and each view
 * computed once per window, filters and store generation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { buildReport, buildReports } from '../report/fold.js';
import { decoratePage, escapeHtml, page } from '../report/html-kit.js';
import { previousWindow } from '../report/summary-strip.js';
import type { ReportWindow } from '../report/window.js';
import { DashboardAccess } from './access.js';
import { DashboardBusyError, ViewCache } from './cache.js';
import { DASHBOARD_PATH, dashboardHead, filterLinks, liveNote, nav, windowForm } from './chrome.js';
import { storeGeneration } from './generation.js';
import { contentSecurityPolicy, securityHeaders } from './headers.js';
import { DEFAULT_SINCE, DEFAULT_UNTIL, parseViewQuery, QueryError, resolveWindow, type ViewQuery } from './query.js';
import { DASHBOARD_VIEWS, type DashboardView, type ViewContext } from './views.js';

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

export interface DashboardOptions {
  dataDir: string;
  /** Required of every request when set (see access.ts); unset only on a loopback address. */
  token: string | undefined;
  /** Served over TLS: the session cookie is marked Secure. */
  secure: boolean;
  now: () => Date;
  /** The built report worker, to fold on several threads as the CLI does. */
  workerUrl?: URL | undefined;
  refreshSeconds?: number;
  /** Told about a view that failed for a reason other than its query. */
  onError?: (error: unknown) => void;
  views?: readonly DashboardView[];
}

export const DEFAULT_REFRESH_SECONDS = 60;
/** Views kept: each is one rendered page (tens to hundreds of KiB). */
const CACHE_ENTRIES = 64;

interface Rendered {
  /** Encoded once, so a cached view is written as it is. */
  html: Buffer;
  csp: string;
}

const rendered = (html: string): Rendered => ({ html: Buffer.from(html), csp: contentSecurityPolicy(html) });

/** Whether a path is the dashboard's, for the listener to hand it over. */
export const isDashboardPath = (path: string): boolean => path === '/dashboard' || path.startsWith(DASHBOARD_PATH);

/** The parameters a picked window keeps: not one that is a window itself (usage's month). */
function withoutOwnWindow(view: DashboardView, params: Readonly<Record<string, string>>): Record<string, string> {
  const own = new Set(view.params.filter((spec) => spec.replacesWindow === true).map((spec) => spec.name));
  return Object.fromEntries(Object.entries(params).filter(([name]) => !own.has(name)));
}

export function createDashboard(options: DashboardOptions): (req: Request, res: Response) => void {
  const views = options.views ?? DASHBOARD_VIEWS;
  const byName = new Map(views.map((item) => [item.name, item]));
  const refreshSeconds = options.refreshSeconds ?? DEFAULT_REFRESH_SECONDS;
  const access = new DashboardAccess({ token: options.token, secure: options.secure, now: options.now });
  const cache = new ViewCache<Rendered>({ maxEntries: CACHE_ENTRIES, maxRunning: 2, maxWaiting: 16 });

  const send = (req: Request, res: Response, status: number, answer: Rendered, extra: Record<string, string> = {}): void => {
    res.writeHead(status, {
      ...securityHeaders(answer.csp),
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(answer.html.length),
      ...extra,
    });
    if (req.method === 'HEAD') res.end();
    else res.end(answer.html);
  };
  const message = (title: string, text: string): Rendered => {
    return rendered(page(title, `<h1>${escapeHtml(title)}</h1>\n<p id="message">${escapeHtml(text)}</p>\n<p><a href="${DASHBOARD_PATH}">Dashboard</a></p>`));
  };
  const redirect = (res: Response, status: number, location: string, extra: Record<string, string> = {}): void => {
    res.writeHead(status, { ...securityHeaders(contentSecurityPolicy('')), location, 'content-length': '0', ...extra });
    res.end();
  };

  const scanOptions = options.workerUrl === undefined ? {} : { workerUrl: options.workerUrl };
  const foldOver =
    (window: ReportWindow): ViewContext['fold'] =>
    (reportFold, family, foldOptions) =>
      buildReport(reportFold, family, options.dataDir, window, foldOptions, scanOptions);

  const renderView = async (view: DashboardView, query: ViewQuery, window: ReportWindow): Promise<Rendered> => {
    const summary = await view.load({
      window,
      query,
      fold: foldOver(window),
      foldEach: (windows, reportFold, family, foldOptions) => buildReports(reportFold, family, options.dataDir, windows, foldOptions, scanOptions),
    });
    const action = `${DASHBOARD_PATH}${view.name}`;
    const top =
      nav(views, view.name, query) +
      windowForm(action, query, window, withoutOwnWindow(view, query.params)) +
      filterLinks(view, action, query, view.choices(summary)) +
      liveNote(window, refreshSeconds, options.now()) +
      (view.more?.(summary, query) ?? '');
    return rendered(decoratePage(view.page(summary), { head: dashboardHead(refreshSeconds), top }));
  };

  const renderIndex = (query: ViewQuery, window: ReportWindow): Rendered => {
    const search = query.since === DEFAULT_SINCE && query.until === DEFAULT_UNTIL ? '' : `?${new URLSearchParams({ since: query.since, until: query.until })}`;
    const list = views.map(
      (item) =>
        `<li><a href="${escapeHtml(`${DASHBOARD_PATH}${item.name}${search}`)}">${escapeHtml(item.label)}</a><br><span class="muted">${escapeHtml(item.describe)}</span></li>`,
    );
    const body = `<h1>Collector dashboard</h1>\n<ul class="dash-index" id="pages">${list.join('')}</ul>`;
    const top = nav(views, undefined, query) + windowForm(DASHBOARD_PATH, query, window, {}) + liveNote(window, refreshSeconds, options.now());
    return rendered(decoratePage(page('Collector dashboard', body), { head: dashboardHead(refreshSeconds), top }));
  };

  const answer = async (req: Request, res: Response, url: URL): Promise<void> => {
    // The URL parser resolves dot segments, so /dashboard/../x is no dashboard page.
    if (!url.pathname.startsWith(DASHBOARD_PATH)) return send(req, res, 404, message('Not found', 'There is no such dashboard page.'));
    const name = url.pathname.slice(DASHBOARD_PATH.length);
    if (name === '') {
      const query = parseViewQuery(url.searchParams, []);
      return send(req, res, 200, renderIndex(query, resolveWindow(query, options.now())));
    }
    const view = byName.get(name);
    if (view === undefined) return send(req, res, 404, message('Not found', `There is no dashboard page ${JSON.stringify(name)}.`));
    const query = parseViewQuery(url.searchParams, view.params);
    const own = view.window?.(query);
    if (own !== undefined && (query.since !== DEFAULT_SINCE || query.until !== DEFAULT_UNTIL)) throw new QueryError('month is a whole window: give either month or since/until');
    const window = own ?? resolveWindow(query, options.now());
    // The page also folds the period before the window (its summary strip): a late line there changes it too.
    const before = view.comparedWith?.(query) ?? previousWindow(window);
    const generation = await storeGeneration(options.dataDir, (before.since < window.since ? before.since : window.since).slice(0, 10));
    const key = JSON.stringify([view.name, window, Object.entries(query.params).sort(([a], [b]) => (a < b ? -1 : 1))]);
    send(req, res, 200, await cache.get(key, generation, () => renderView(view, query, window)));
  };

  return (req, res) => {
    // Nothing is read from a request body; what a client sends anyway is drained, not kept.
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(req, res, 405, message('Method not allowed', 'The dashboard is read-only: GET and HEAD only.'), { allow: 'GET, HEAD' });
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (url.pathname === '/dashboard') return redirect(res, 308, `${DASHBOARD_PATH}${url.search}`);
    const decision = access.decide(url, { authorization: req.headers.authorization, cookie: req.headers.cookie });
    if (decision.kind === 'deny')
      return send(req, res, 401, message('Token required', 'This dashboard needs its token: open it once as /dashboard/?token=… or send Authorization: Bearer ….'), {
        'www-authenticate': 'Bearer realm="tbot-collector dashboard"',
      });
    if (decision.kind === 'login') return redirect(res, 303, decision.location, { 'set-cookie': decision.cookie });
    if (decision.kind === 'strip') return redirect(res, 303, decision.location);
    answer(req, res, url).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (error instanceof QueryError) return send(req, res, 400, message('Bad request', error.message));
      if (error instanceof DashboardBusyError) return send(req, res, 503, message('Busy', error.message), { 'retry-after': '5' });
      options.onError?.(error);
      send(req, res, 500, message('Internal error', 'This view could not be computed; the collector log says why.'));
    });
  };
}
