/**
 * The Discover report's tally: one small state per wizard run (per `metadata.id`), because a
 * funnel and the time between steps are properties of a run, not of single events. Runs cross
 * segment and day boundaries, so worker threads return their partial run states and the merge
 * joins them by run id; only then are funnels computed (summary.ts).
 *
 * A run's state is kept compact (flat number arrays, bit masks) so a million events fit well
 * inside the report's memory budget.
 */
import { DISCOVER_STEPS, discoverEventOf, isPassed, type StoredDiscoverRequest } from '../../../protocol/discover-wire.js';
import { ERROR_CLASSES } from '../../../protocol/free-text.js';
import type { StoredRecord } from '../../store/record.js';
import type { Fold } from '../fold.js';

export interface RunState {
  /** The resource the run enrolls ('' until an event names one). */
  resource: string;
  /** When the event naming `resource` happened: a later choice wins, so the merge order does not matter. */
  resourceAt: number;
  /** Flat pairs (step index, ms) of the first time each step passed (succeeded or was skipped). */
  passed: number[];
  /** Bit per step index: any event of that step, whatever its status. */
  seen: number;
  /** Bit per step index: the user left the wizard at that step. */
  aborted: number;
  /** Flat pairs (step index, index in ERROR_CLASSES), one per error event. */
  errors: number[];
}

export interface DiscoverTally {
  since: string;
  total: number;
  /** Lines that did not parse as a Discover record (damage); never counted as events. */
  skipped: number;
  runs: Map<string, RunState>;
}

const CLASS_INDEX = new Map<string, number>(ERROR_CLASSES.map((name, index) => [name, index]));
const OTHER_CLASS = CLASS_INDEX.get('other')!;

if (DISCOVER_STEPS.length > 31) throw new Error('step bit masks hold at most 31 steps');

/** Keeps the earlier pass of a step already present; pairs stay short (one per step). */
function recordPass(passed: number[], step: number, at: number): void {
  for (let index = 0; index < passed.length; index += 2) {
    if (passed[index] === step) {
      if (at < passed[index + 1]!) passed[index + 1] = at;
      return;
    }
  }
  passed.push(step, at);
}

function chooseResource(run: RunState, resource: string, at: number): void {
  if (resource === '' || resource === 'DISCOVER_RESOURCE_UNSPECIFIED') return;
  if (run.resource === '' || at > run.resourceAt || (at === run.resourceAt && resource < run.resource)) {
    run.resource = resource;
    run.resourceAt = at;
  }
}

export const discoverFold: Fold<DiscoverTally> = {
  empty(since) {
    return { since: since.toISOString(), total: 0, skipped: 0, runs: new Map() };
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
    tally.total += 1;
    let run = tally.runs.get(id);
    if (run === undefined) {
      run = { resource: '', resourceAt: 0, passed: [], seen: 0, aborted: 0, errors: [] };
      tally.runs.set(id, run);
    }
    const bit = 1 << found.index;
    run.seen |= bit;
    chooseResource(run, found.event.resource?.resource ?? '', at);
    if (isPassed(status)) recordPass(run.passed, found.index, at);
    else if (status === 'DISCOVER_STATUS_ABORTED') run.aborted |= bit;
    else if (status === 'DISCOVER_STATUS_ERROR') run.errors.push(found.index, CLASS_INDEX.get(found.event.status.errorClass ?? '') ?? OTHER_CLASS);
  },

  merge(target, part) {
    target.total += part.total;
    target.skipped += part.skipped;
    for (const [id, run] of part.runs) {
      const into = target.runs.get(id);
      if (into === undefined) {
        target.runs.set(id, run);
        continue;
      }
      into.seen |= run.seen;
      into.aborted |= run.aborted;
      chooseResource(into, run.resource, run.resourceAt);
      for (let index = 0; index < run.passed.length; index += 2) recordPass(into.passed, run.passed[index]!, run.passed[index + 1]!);
      into.errors.push(...run.errors);
    }
  },

  skip(tally) {
    tally.skipped += 1;
  },
};
