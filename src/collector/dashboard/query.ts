/**
 * A view's URL query: the window (since/until, as the CLI's --since/--until take them) and the
 * view's own parameters, checked against what the view declares. Every view is a URL, so it can be
 * bookmarked and shared; the canonical spelling (known keys, in order) keys the cache.
 */
import { parseWhen, type ReportWindow } from '../report/window.js';

/** A query parameter of a view: its name (the CLI flag's) and, for a closed vocabulary, its values. */
export interface ParamSpec {
  name: string;
  label: string;
  values?: readonly string[];
  /** A window of its own (usage's month): choosing it drops since/until, and choosing dates drops it. */
  replacesWindow?: boolean;
}

export class QueryError extends Error {
  override name = 'QueryError';
}

export interface ViewQuery {
  since: string;
  until: string;
  /** The view's parameters that were given (non-empty), by name. */
  params: Readonly<Record<string, string>>;
}

export const DEFAULT_SINCE = '30d';
export const DEFAULT_UNTIL = 'now';
const MAX_VALUE = 200;
const MAX_PARAMS = 16;
const WHEN = 'expected 30d, 12h, 90m, an ISO date such as 2026-03-01, or now';

/**
 * Relative windows ("30d", "now") move in steps of this length, `now` being the end of the current
 * step: within a step the same URL is the same window, so it can be answered from the cache, and
 * no event is left out (none arrives after the present).
 */
export const WINDOW_STEP_MS = 5 * 60_000;

export function parseViewQuery(search: URLSearchParams, specs: readonly ParamSpec[]): ViewQuery {
  const known = new Map(specs.map((spec) => [spec.name, spec]));
  const seen = new Set<string>();
  const params: Record<string, string> = {};
  let since = DEFAULT_SINCE;
  let until = DEFAULT_UNTIL;
  let count = 0;
  for (const [name, value] of search) {
    count += 1;
    if (count > MAX_PARAMS) throw new QueryError(`too many query parameters; expected at most ${MAX_PARAMS}`);
    if (seen.has(name)) throw new QueryError(`${JSON.stringify(name)} is given twice; expected it once`);
    seen.add(name);
    if (value.length > MAX_VALUE) throw new QueryError(`${name}: longer than ${MAX_VALUE} characters`);
    if (name === 'since' || name === 'until') {
      if (value !== '' && name === 'since') since = value;
      if (value !== '' && name === 'until') until = value;
      continue;
    }
    const spec = known.get(name);
    if (spec === undefined) throw new QueryError(`unknown parameter ${JSON.stringify(name)}; expected since, until${specs.map((item) => `, ${item.name}`).join('')}`);
    if (value === '') continue;
    if (spec.values !== undefined && !spec.values.includes(value)) throw new QueryError(`${name} ${JSON.stringify(value)}: expected one of ${spec.values.join(', ')}`);
    params[name] = value;
  }
  return { since, until, params };
}

/** The end of the current window step: what "now" means in a dashboard window. */
export const steppedNow = (now: Date): Date => new Date(Math.ceil(now.getTime() / WINDOW_STEP_MS) * WINDOW_STEP_MS);

export function resolveWindow(query: Pick<ViewQuery, 'since' | 'until'>, now: Date): ReportWindow {
  const at = steppedNow(now);
  const bound = (name: string, text: string): Date => {
    const parsed = parseWhen(text, at);
    if (parsed.ok) return parsed.date;
    throw new QueryError(`${name} ${JSON.stringify(text)}: ${parsed.reason === undefined ? '' : `${parsed.reason}; `}${WHEN}`);
  };
  const since = bound('since', query.since);
  const until = bound('until', query.until);
  if (until <= since) throw new QueryError(`until (${until.toISOString()}) is not after since (${since.toISOString()}); expected a window that ends after it starts`);
  return { since: since.toISOString(), until: until.toISOString() };
}

/** The query as a URL search string (with "?"), defaults left out; `change` sets or drops (undefined) parameters. */
export function queryString(query: ViewQuery, change: Readonly<Record<string, string | undefined>> = {}): string {
  const merged: Record<string, string | undefined> = {
    since: query.since === DEFAULT_SINCE ? undefined : query.since,
    until: query.until === DEFAULT_UNTIL ? undefined : query.until,
    ...query.params,
    ...change,
  };
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(merged)) if (value !== undefined) search.set(name, value);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
