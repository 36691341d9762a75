/**
 * The Connect report's tally, answering the design's questions: how many installations use
 * Connect each day (any event counts) and each week, and the trend; which features are used most
 * (events by name, tab and connection kinds); which platforms (os and app version from
 * connect.start, by installation); which login connector types.
 *
 * Unique counts are sets of distinct ids, so partial tallies from worker threads merge exactly
 * (set union), not approximately. Events count on their own day, by the rule every report shares
 * (window.ts `eventSecond`); those outside the window are left out.
 */
import { connectEventOf, type StoredConnectRequest } from '../../../protocol/connect-wire.js';
import type { StoredRecord } from '../../store/record.js';
import { bump, counts, mergeCounts, type Counts, type Fold } from '../fold.js';
import { eventSecond, inWindow, type ReportWindow } from '../window.js';

type IdSets = Map<string, Set<string>>;

export interface ConnectTally {
  window: ReportWindow;
  total: number;
  /** Lines that did not parse as a Connect record (damage); never counted as events. */
  skipped: number;
  activeByDay: IdSets;
  eventsByDay: Counts;
  events: Counts;
  usersByEvent: IdSets;
  tabKinds: Counts;
  connectionKinds: Counts;
  /** From connect.start: installations by os, and by app version. */
  osUsers: IdSets;
  versionUsers: IdSets;
  connectorTypes: Counts;
}

function addId(sets: IdSets, key: string, id: string): void {
  const set = sets.get(key);
  if (set === undefined) sets.set(key, new Set([id]));
  else set.add(id);
}

function mergeSets(target: IdSets, part: IdSets): void {
  for (const [key, ids] of part) {
    const into = target.get(key);
    if (into === undefined) target.set(key, ids);
    else for (const id of ids) into.add(id);
  }
}

export const connectFold: Fold<ConnectTally> = {
  empty(window) {
    return {
      window,
      total: 0,
      skipped: 0,
      activeByDay: new Map(),
      eventsByDay: counts(),
      events: counts(),
      usersByEvent: new Map(),
      tabKinds: counts(),
      connectionKinds: counts(),
      osUsers: new Map(),
      versionUsers: new Map(),
      connectorTypes: counts(),
    };
  },

  add(tally, record: StoredRecord) {
    const request = record.event as StoredConnectRequest;
    const found = connectEventOf(request);
    if (found === undefined || typeof request.distinctId !== 'string' || typeof request.timestamp !== 'string') {
      tally.skipped += 1;
      return;
    }
    const id = request.distinctId;
    const at = eventSecond(request.timestamp, record.received_at);
    if (!inWindow(at, tally.window)) return;
    const day = at.slice(0, 10);
    const name = found.spec.posthogName;
    const event = found.event;
    tally.total += 1;
    addId(tally.activeByDay, day, id);
    bump(tally.eventsByDay, day);
    bump(tally.events, name);
    addId(tally.usersByEvent, name, id);
    switch (found.spec.member) {
      case 'tabOpen':
        bump(tally.tabKinds, String(event['tabKind']));
        break;
      case 'connectionsPickerItemSelect':
        bump(tally.connectionKinds, String(event['connectionKind']));
        break;
      case 'start':
        addId(tally.osUsers, String(event['os']), id);
        addId(tally.versionUsers, String(event['connectVersion']) || '(unknown)', id);
        break;
      case 'clusterLogin':
        bump(tally.connectorTypes, String(event['connectorType']));
        break;
    }
  },

  merge(target, part) {
    target.total += part.total;
    target.skipped += part.skipped;
    mergeSets(target.activeByDay, part.activeByDay);
    mergeCounts(target.eventsByDay, part.eventsByDay);
    mergeCounts(target.events, part.events);
    mergeSets(target.usersByEvent, part.usersByEvent);
    mergeCounts(target.tabKinds, part.tabKinds);
    mergeCounts(target.connectionKinds, part.connectionKinds);
    mergeSets(target.osUsers, part.osUsers);
    mergeSets(target.versionUsers, part.versionUsers);
    mergeCounts(target.connectorTypes, part.connectorTypes);
  },

  skip(tally) {
    tally.skipped += 1;
  },
};
