/**
 * The true figures of a simulated history, computed from the events themselves (never from the
 * reports the submitters made), by the rules docs/usage-report.md documents, in the shape of
 * `tbot-collector report usage --format json`, so a test can compare the two directly:
 * - a figure belongs to the month (UTC) of its window's start (15 minutes for users and bot
 *   instances, one hour for resources);
 * - MAU is every user with any counted event in the month, whichever auth server saw it; a user's
 *   kind is the highest kind seen (unspecified < human < bot);
 * - counters add up over auth servers, each event being handled by exactly one;
 * - resources are distinct per kind in the month, and the busiest hour is the one whose window
 *   saw the most distinct resources of the kind (the first such hour).
 */
import { ALL_TENANTS, type ResourceFigures, type UsageRow, type UsageSummary } from '../../src/collector/report/usage/format.js';
import { USAGE_COUNTERS, type UsageCounter } from '../../src/collector/report/usage/fold.js';
import { POSTHOG_ENUM_VALUES } from '../../src/protocol/usage-wire.js';
import { botUserName, RESOURCE_WINDOW_MS, USER_ACTIVITY_WINDOW_MS } from '../../src/reporting/index.js';
import type { SimEvent } from './simulate.js';

const KIND_CODE = { USER_KIND_UNSPECIFIED: 0, USER_KIND_HUMAN: 1, USER_KIND_BOT: 2 } as const;
const SESSION_COLUMN: Readonly<Record<string, UsageCounter>> = {
  ssh: 'sessions_ssh',
  k8s: 'sessions_kube',
  db: 'sessions_db',
  app: 'sessions_app',
  app_tcp: 'sessions_app_tcp',
  windows_desktop: 'sessions_desktop',
};

interface MonthTally {
  users: Map<string, number>;
  counters: Record<UsageCounter, number>;
  instances: Set<string>;
  /** kind label → names, and hour → names. */
  resources: Map<string, { names: Set<string>; hours: Map<string, Set<string>> }>;
}

const windowStart = (at: number, length: number): number => at - (at % length);
const monthOf = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

function tallyFor(months: Map<string, MonthTally>, month: string): MonthTally {
  let tally = months.get(month);
  if (tally === undefined) {
    tally = {
      users: new Map(),
      counters: Object.fromEntries(USAGE_COUNTERS.map(([name]) => [name, 0])) as Record<UsageCounter, number>,
      instances: new Set(),
      resources: new Map(),
    };
    months.set(month, tally);
  }
  return tally;
}

/** `reportsByMonth`: the reports the run's submitters made, per month (a count of reports, not of usage). */
export function truth(events: readonly SimEvent[], tenant: string, window: { since: string; until: string }, reportsByMonth: ReadonlyMap<string, number>): UsageSummary {
  const months = new Map<string, MonthTally>();
  for (const { at, event } of events) {
    if (event.type === 'resource.heartbeat') {
      const start = windowStart(at, RESOURCE_WINDOW_MS);
      const tally = tallyFor(months, monthOf(start));
      const label = POSTHOG_ENUM_VALUES[event.kind]!;
      let kind = tally.resources.get(label);
      if (kind === undefined) {
        kind = { names: new Set(), hours: new Map() };
        tally.resources.set(label, kind);
      }
      kind.names.add(event.name);
      const hour = new Date(start).toISOString().slice(0, 13);
      const inHour = kind.hours.get(hour) ?? new Set<string>();
      inHour.add(event.name);
      kind.hours.set(hour, inHour);
      continue;
    }
    const tally = tallyFor(months, monthOf(windowStart(at, USER_ACTIVITY_WINDOW_MS)));
    const see = (user: string, kind: number): void => {
      tally.users.set(user, Math.max(tally.users.get(user) ?? 0, kind));
    };
    switch (event.type) {
      case 'user.login':
        see(event.user, KIND_CODE.USER_KIND_HUMAN);
        tally.counters.logins += 1;
        break;
      case 'access_request.create':
      case 'access_request.review':
        see(event.user, KIND_CODE.USER_KIND_HUMAN);
        break;
      case 'session.start': {
        see(event.user, KIND_CODE[event.userKind ?? 'USER_KIND_UNSPECIFIED']);
        const column = SESSION_COLUMN[event.sessionType];
        if (column !== undefined) tally.counters[column] += 1;
        break;
      }
      case 'kube.request':
      case 'sftp':
        see(event.user, KIND_CODE[event.userKind ?? 'USER_KIND_UNSPECIFIED']);
        break;
      case 'certificate.issued':
        see(event.user, event.isBot ? KIND_CODE.USER_KIND_BOT : KIND_CODE.USER_KIND_UNSPECIFIED);
        tally.counters.certificates_issued += 1;
        if (event.botInstanceId !== undefined) tally.instances.add(event.botInstanceId);
        break;
      case 'spiffe.svid.issued':
        see(event.user, KIND_CODE[event.userKind ?? 'USER_KIND_UNSPECIFIED']);
        tally.counters.svids_issued += 1;
        if (event.botInstanceId !== undefined) tally.instances.add(event.botInstanceId);
        break;
      case 'bot.join':
        see(botUserName(event.botName), KIND_CODE.USER_KIND_BOT);
        tally.counters.bot_joins += 1;
        if (event.botInstanceId !== undefined) tally.instances.add(event.botInstanceId);
        break;
    }
  }
  const rows = [...months.keys()].sort().map((month) => row(tenant, month, months.get(month)!, reportsByMonth.get(month) ?? 0));
  const totals = rows.map((item) => ({ ...item, tenant: ALL_TENANTS }));
  return { window, tenant: null, rows, totals, reports: rows.reduce((sum, item) => sum + item.reports, 0), repeats: 0, skipped: 0 };
}

const NO_RESOURCES: ResourceFigures = { distinct: 0, peak_hour_count: 0, peak_hour: null };

function row(tenant: string, month: string, tally: MonthTally, reports: number): UsageRow {
  const byKind = [0, 0, 0];
  for (const kind of tally.users.values()) byKind[kind]! += 1;
  const resources: Record<string, ResourceFigures> = {};
  for (const label of [...tally.resources.keys()].sort()) {
    const { names, hours } = tally.resources.get(label)!;
    let peak = 0;
    let peakHour: string | null = null;
    for (const hour of [...hours.keys()].sort()) {
      if (hours.get(hour)!.size > peak) {
        peak = hours.get(hour)!.size;
        peakHour = hour;
      }
    }
    resources[label] = { distinct: names.size, peak_hour_count: peak, peak_hour: peakHour };
  }
  return {
    tenant,
    month,
    mau: tally.users.size,
    mau_human: byKind[1]!,
    mau_bot: byKind[2]!,
    mau_unspecified: byKind[0]!,
    mau_other: 0,
    // Teleport's aggregator (and the library's) never reports USER_KIND_SYSTEM.
    mau_system: 0,
    counters: tally.counters,
    bot_instances: tally.instances.size,
    resources,
    resources_other: NO_RESOURCES,
    reports,
  };
}
