/**
 * What the dashboard adds around a report page: the links between pages, the window picker (a
 * plain GET form), the filters and breakdowns as links, and a line saying how live the page is.
 * Every link is a URL of the whole view, so any view can be bookmarked. Everything shown is escaped.
 */
import { escapeHtml } from '../report/html-kit.js';
import type { ReportWindow } from '../report/window.js';
import { DEFAULT_SINCE, DEFAULT_UNTIL, queryString, type ViewQuery } from './query.js';
import type { DashboardView } from './views.js';

export const DASHBOARD_PATH = '/dashboard/';

/**
 * The dashboard's own rules, after the report's: nav, form and filter links, wrapping on a phone.
 * The last line keeps a report's fixed-width chart or bare table inside a phone's width (clipped
 * or scrolling in its own box) until the report page itself is responsive.
 */
export const DASHBOARD_STYLE = `
.dash-nav{display:flex;flex-wrap:wrap;gap:.2em .9em;padding:.4em 0 .6em;border-bottom:1px solid #ddd;margin-bottom:.8em}
.dash-nav a{color:#1a56b0;text-decoration:none}.dash-nav a[aria-current]{font-weight:600;color:#222}
.dash-window{display:flex;flex-wrap:wrap;align-items:end;gap:.4em .8em;margin:.4em 0}
.dash-window label{display:flex;flex-direction:column;font-size:12px;color:#555}
.dash-window input{font:inherit;max-width:100%}
.dash-filters{margin:.4em 0}.dash-filters p{margin:.3em 0;display:flex;flex-wrap:wrap;gap:.3em;align-items:center}
.chip{display:inline-block;max-width:100%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;padding:1px 8px;border:1px solid #c8d3e6;border-radius:10px;color:#1a56b0;text-decoration:none;font-size:13px}
.chip[aria-current]{background:#1a56b0;border-color:#1a56b0;color:#fff}
.dash-live{font-size:12px}
main svg{max-width:100%}main>table{display:block;max-width:100%;overflow-x:auto}
.dash-index{list-style:none;padding:0}.dash-index li{margin:.6em 0}.dash-index a{font-weight:600}
`;

const link = (href: string, text: string, current: boolean, className = ''): string =>
  `<a${className === '' ? '' : ` class="${className}"`} href="${escapeHtml(href)}"${current ? ' aria-current="page"' : ''} title="${escapeHtml(text)}">${escapeHtml(text)}</a>`;

/** The window only: what carries over from one page to another. */
const windowQuery = (query: ViewQuery): ViewQuery => ({ since: query.since, until: query.until, params: {} });

export function nav(views: readonly DashboardView[], current: string | undefined, query: ViewQuery): string {
  const search = queryString(windowQuery(query));
  return `<nav class="dash-nav">${link(`${DASHBOARD_PATH}${search}`, 'Dashboard', current === undefined)}${views
    .map((item) => link(`${DASHBOARD_PATH}${item.name}${search}`, item.label, item.name === current))
    .join('')}</nav>`;
}

/** The day a bound falls on, for a date input; the exclusive end of a window is the day after its last. */
const dayOf = (iso: string): string => iso.slice(0, 10);

/**
 * The window picker. It keeps the view's parameters as hidden fields, so picking a window keeps
 * the filters; the quick links keep them too.
 */
export function windowForm(action: string, query: ViewQuery, window: ReportWindow, keep: Readonly<Record<string, string>>): string {
  const hidden = Object.entries(keep)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const untilDay = query.until === DEFAULT_UNTIL ? '' : dayOf(window.until);
  const quick = ['7d', '30d', '90d']
    .map((since) =>
      link(
        `${action}${queryString({ since: DEFAULT_SINCE, until: DEFAULT_UNTIL, params: keep }, { since })}`,
        `last ${since.slice(0, -1)} days`,
        query.since === since && query.until === DEFAULT_UNTIL,
        'chip',
      ),
    )
    .join('');
  return (
    `<form class="dash-window" method="get" action="${escapeHtml(action)}">` +
    `<label>From<input type="date" name="since" value="${escapeHtml(dayOf(window.since))}"></label>` +
    `<label>Until (not included; empty: now)<input type="date" name="until" value="${escapeHtml(untilDay)}"></label>` +
    `${hidden}<button type="submit">Show</button><span class="dash-quick">${quick}</span></form>`
  );
}

/** One line of links per filter: "all", then each value seen; the current one is marked. */
export function filterLinks(view: DashboardView, action: string, query: ViewQuery, choices: Readonly<Record<string, readonly string[]>>): string {
  const lines = view.params.map((spec) => {
    const current = query.params[spec.name];
    const values = spec.values !== undefined && spec.name === 'by' ? spec.values : (choices[spec.name] ?? []);
    // The current value stays offered even when the window holds none of it.
    const offered = current === undefined || values.includes(current) ? values : [...values, current];
    const all = spec.name === 'by' ? [] : [link(`${action}${queryString(query, { [spec.name]: undefined })}`, 'all', current === undefined, 'chip')];
    const windowChange = spec.replacesWindow === true ? { since: undefined, until: undefined } : {};
    const chips = offered.map((value) =>
      link(
        `${action}${queryString(query, { ...windowChange, [spec.name]: value })}`,
        value,
        current === value || (spec.name === 'by' && current === undefined && value === 'run_mode'),
        'chip',
      ),
    );
    return `<p data-param="${escapeHtml(spec.name)}"><span class="muted">${escapeHtml(spec.label)}:</span>${[...all, ...chips].join('')}</p>`;
  });
  return lines.length === 0 ? '' : `<div class="dash-filters">${lines.join('')}</div>`;
}

export function liveNote(window: ReportWindow, refreshSeconds: number, now: Date): string {
  return `<p class="muted dash-live" id="live">Live from the store: ${escapeHtml(window.since)} to ${escapeHtml(window.until)} (until not included). Reloads every ${refreshSeconds} s; computed ${escapeHtml(now.toISOString().slice(0, 19))}Z.</p>`;
}

/** The head additions: the reload timer and the dashboard's style. */
export const dashboardHead = (refreshSeconds: number): string => `<meta http-equiv="refresh" content="${refreshSeconds}"><style>${DASHBOARD_STYLE}</style>`;
