/**
 * The Discover report's tally: the state of every wizard run (per `metadata.id`), because a
 * funnel and the time between steps are properties of a run, not of single events. Runs cross
 * segment and day boundaries, so worker threads return their partial run tables and the merge
 * joins them by run id; only then are funnels computed (summary.ts).
 */
import { DISCOVER_STEPS, discoverEventOf, isPassed, type StoredDiscoverRequest } from '../../../protocol/discover-wire.js';
import { ERROR_CLASSES } from '../../../protocol/free-text.js';
import type { StoredRecord } from '../../store/record.js';
import type { Fold } from '../fold.js';
import { eventSecond, inWindow, type ReportWindow } from '../window.js';
import { chooseResource, emptyRunTable, markSteps, mergeRunTables, recordError, recordPass, rowOf, runTableBuffers, type RunTable } from './run-table.js';

export interface DiscoverTally {
  window: ReportWindow;
  total: number;
  /** Lines that did not parse as a Discover record (damage); never counted as events. */
  skipped: number;
  runs: RunTable;
}

const CLASS_INDEX = new Map<string, number>(ERROR_CLASSES.map((name, index) => [name, index]));
const OTHER_CLASS = CLASS_INDEX.get('other')!;

// Steps are bits of a 32-bit mask.
if (DISCOVER_STEPS.length > 31) throw new Error('step bit masks hold at most 31 steps');

export const discoverFold: Fold<DiscoverTally> = {
  empty(window) {
    return { window, total: 0, skipped: 0, runs: emptyRunTable() };
  },

  add(tally, record: StoredRecord) {
    const request = record.event as StoredDiscoverRequest;
    const found = discoverEventOf(request);
    const id = found?.event.metadata?.id;
    const status = found?.event.status?.status;
    const at = Date.parse(request.timestamp);
    if (found === undefined || typeof id !== 'string' || typeof status !== 'string' || Number.isNaN(at)) {
      tally.skipped += 1;
      return;
    }
    // The rule every report shares (window.ts): an event outside the window is left out, also when
    // its run began or ends outside it. Step times below still come from the events' own timestamps.
    if (!inWindow(eventSecond(request.timestamp, record.received_at), tally.window)) return;
    tally.total += 1;
    const runs = tally.runs;
    const row = rowOf(runs, id);
    const bit = 1 << found.index;
    markSteps(runs.seen, row, bit);
    chooseResource(runs, row, found.event.resource?.resource ?? '', at);
    if (isPassed(status)) recordPass(runs, row, found.index, at);
    else if (status === 'DISCOVER_STATUS_ABORTED') markSteps(runs.aborted, row, bit);
    else if (status === 'DISCOVER_STATUS_ERROR') recordError(runs, row, found.index, CLASS_INDEX.get(found.event.status.errorClass ?? '') ?? OTHER_CLASS);
  },

  merge(target, part) {
    target.total += part.total;
    target.skipped += part.skipped;
    // A run table has no keyed objects for a stored value to reach, so the first part's table is
    // taken as it is: one copy of the largest tally fewer in memory.
    if (target.runs.rows === 0) target.runs = part.runs;
    else mergeRunTables(target.runs, part.runs);
  },

  skip(tally) {
    tally.skipped += 1;
  },

  transfer(tally) {
    return runTableBuffers(tally.runs);
  },
};
