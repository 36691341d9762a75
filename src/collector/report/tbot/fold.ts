/**
 * The tbot report's tally, answering the usage-metrics questions: starts per day, the one-shot
 * (CI) vs continuous (host) share, join methods, helpers, agent versions, and the destination mix.
 */
import { fromWireStart, isWireTbotStart, type SubmitTbotEventRequest, type TbotStartEvent } from '../../../protocol/tbot-wire.js';
import type { StoredRecord } from '../../store/record.js';
import type { Fold } from '../fold.js';

export const GROUPINGS = ['run_mode', 'join_type', 'helper', 'version', 'day'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export interface TbotReport {
  since: string;
  total: number;
  /** Lines that did not parse as a tbot record (damage); never counted as events. */
  skipped: number;
  perDay: Record<string, { 'one-shot': number; continuous: number }>;
  /** Every grouping is counted in the one pass; `by` picks the one a table or CSV shows. */
  breakdowns: Record<Grouping, Record<string, number>>;
  destinations: { total: number; database: number; kubernetes: number; application: number; other: number };
}

function groupKey(by: Grouping, start: TbotStartEvent, day: string): string {
  switch (by) {
    case 'run_mode':
      return start.run_mode;
    case 'join_type':
      return start.join_type;
    case 'helper':
      return start.helper === undefined ? '(none)' : `${start.helper}${start.helper_version === undefined ? '' : `@${start.helper_version}`}`;
    case 'version':
      return start.version;
    case 'day':
      return day;
  }
}

export const tbotFold: Fold<TbotReport> = {
  empty(since) {
    const breakdowns = Object.fromEntries(GROUPINGS.map((grouping) => [grouping, {}])) as TbotReport['breakdowns'];
    return { since: since.toISOString(), total: 0, skipped: 0, perDay: {}, breakdowns, destinations: { total: 0, database: 0, kubernetes: 0, application: 0, other: 0 } };
  },

  valid: (record) => isWireTbotStart((record.event as { start?: unknown }).start),

  add(report, record: StoredRecord) {
    const wire = (record.event as SubmitTbotEventRequest).start;
    const day = record.received_at.slice(0, 10);
    const start = fromWireStart(wire);
    report.total += 1;
    const perDay = (report.perDay[day] ??= { 'one-shot': 0, continuous: 0 });
    perDay[start.run_mode] += 1;
    for (const grouping of GROUPINGS) {
      const key = groupKey(grouping, start, day);
      report.breakdowns[grouping][key] = (report.breakdowns[grouping][key] ?? 0) + 1;
    }
    const mix = report.destinations;
    mix.total += start.destinations_configured;
    mix.database += start.destinations_configured_database_access;
    mix.kubernetes += start.destinations_configured_kubernetes_access;
    mix.application += start.destinations_configured_application_access;
    mix.other += wire.destinationsOther;
  },

  merge(target, part) {
    target.total += part.total;
    target.skipped += part.skipped;
    for (const [day, counts] of Object.entries(part.perDay)) {
      const into = (target.perDay[day] ??= { 'one-shot': 0, continuous: 0 });
      into['one-shot'] += counts['one-shot'];
      into.continuous += counts.continuous;
    }
    for (const grouping of GROUPINGS) {
      for (const [key, count] of Object.entries(part.breakdowns[grouping])) target.breakdowns[grouping][key] = (target.breakdowns[grouping][key] ?? 0) + count;
    }
    for (const key of Object.keys(part.destinations) as (keyof TbotReport['destinations'])[]) target.destinations[key] += part.destinations[key];
  },

  skip(report) {
    report.skipped += 1;
  },
};

export function sortedGroups(report: TbotReport, by: Grouping): [string, number][] {
  const entries = Object.entries(report.breakdowns[by]);
  return by === 'day' ? entries.sort((a, b) => a[0].localeCompare(b[0])) : entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
