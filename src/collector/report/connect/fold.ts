/**
 * The Connect report's tally, answering the design's questions: how many installations use
 * Connect each day (any event counts) and each week, and the trend; which features are used most
 * (events by name, tab and connection kinds); which platforms (os and app version from
 * connect.start, by installation); which login connector types.
 *
 * Unique counts are sets of distinct ids, so partial tallies from worker threads merge exactly
 * (set union), not approximately. The sets hold each id's number in the tally, as bitsets once
 * dense (distinct-ids.ts), not its string: a fraction of the memory, in each thread and in the
 * merge. Events count on their own day, by the rule every report shares (window.ts
 * `eventSecond`); those outside the window are left out.
 */
import { connectEventOf, type StoredConnectRequest } from '../../../protocol/connect-wire.js';
import type { StoredRecord } from '../../store/record.js';
import { addId, emptyIdNumbers, idNumber, idNumbersBuffers, type IdNumbers, type IdSets, mergeIdSets, renumber } from '../distinct-ids.js';
import { bump, counts, mergeCounts, type Counts, type Fold } from '../fold.js';
import { eventSecond, inWindow, type ReportWindow } from '../window.js';

export interface ConnectTally {
  window: ReportWindow;
  total: number;
  /** Lines that did not parse as a Connect record (damage); never counted as events. */
  skipped: number;
  /** Every distinct id counted, numbered; the sets below hold these numbers. */
  ids: IdNumbers;
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

/** The tally's sets of distinct ids, all numbered by its `ids`. */
const ID_SETS = ['activeByDay', 'usersByEvent', 'osUsers', 'versionUsers'] as const;

export const connectFold: Fold<ConnectTally> = {
  empty(window) {
    return {
      window,
      total: 0,
      skipped: 0,
      ids: emptyIdNumbers(),
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
    const at = eventSecond(request.timestamp, record.received_at);
    if (!inWindow(at, tally.window)) return;
    const id = idNumber(tally.ids, request.distinctId);
    const day = at.slice(0, 10);
    const name = found.spec.posthogName;
    const event = found.event;
    tally.total += 1;
    addId(tally.ids, tally.activeByDay, day, id);
    bump(tally.eventsByDay, day);
    bump(tally.events, name);
    addId(tally.ids, tally.usersByEvent, name, id);
    switch (found.spec.member) {
      case 'tabOpen':
        bump(tally.tabKinds, String(event['tabKind']));
        break;
      case 'connectionsPickerItemSelect':
        bump(tally.connectionKinds, String(event['connectionKind']));
        break;
      case 'start':
        addId(tally.ids, tally.osUsers, String(event['os']), id);
        addId(tally.ids, tally.versionUsers, String(event['connectVersion']) || '(unknown)', id);
        break;
      case 'clusterLogin':
        bump(tally.connectorTypes, String(event['connectorType']));
        break;
    }
  },

  merge(target, part) {
    target.total += part.total;
    target.skipped += part.skipped;
    if (target.ids.count === 0) {
      // Nothing counted yet (so no set has a member): the part's numbering and sets are taken as
      // they are, one copy of the largest sets fewer in memory. Sets are Maps, which no stored key
      // can reach a prototype through; the Counts below are merged into prototype-free ones.
      for (const field of ID_SETS) target[field] = part[field];
      target.ids = part.ids;
    } else {
      const numbers = renumber(target.ids, part.ids);
      for (const field of ID_SETS) mergeIdSets(target.ids, target[field], part[field], numbers);
    }
    mergeCounts(target.eventsByDay, part.eventsByDay);
    mergeCounts(target.events, part.events);
    mergeCounts(target.tabKinds, part.tabKinds);
    mergeCounts(target.connectionKinds, part.connectionKinds);
    mergeCounts(target.connectorTypes, part.connectorTypes);
  },

  skip(tally) {
    tally.skipped += 1;
  },

  transfer(tally) {
    return idNumbersBuffers(tally.ids);
  },
};
