/**
 * Per-run state for the Discover funnels, kept in columns (typed pages indexed by a row per run
 * id) instead of an object per run: about 100 bytes a run instead of several hundred, and a
 * worker's table crosses to the main thread as flat pages, transferred, rather than a graph of
 * objects. Plain data only (no class), because it travels through postMessage.
 *
 * A run's passed steps and errors are singly linked lists in shared pools, so a run costs only
 * what it holds; run ids are kept compactly too (../id-index.ts).
 */
import { at, paged, pageBuffers, put, type Page, type Paged } from '../paged.js';
import { emptyIdIndex, findOrAdd, findOrAddRow, otherIdsByRow, idIndexBuffers, type IdIndex } from '../id-index.js';

export interface RunTable {
  /** Run id → row. */
  index: IdIndex;
  rows: number;
  /** Resource names by code; code 0 is "none named yet". Codes are per table, so merges translate. */
  resources: string[];
  resource: Paged<Uint16Array>;
  /** When the event naming the resource happened: the latest choice wins, whatever the merge order. */
  resourceAt: Paged<Float64Array>;
  /** Bit per step (at most 31 steps, so a mask is never negative): any event of that step. */
  seen: Paged<Int32Array>;
  /** Bit per step: the user left the wizard at that step. */
  aborted: Paged<Int32Array>;
  /** A row's latest pass and error entries, or -1. */
  passHead: Paged<Int32Array>;
  errorHead: Paged<Int32Array>;
  passes: number;
  passStep: Paged<Uint8Array>;
  /** First time (ms) the step passed in the run. */
  passAt: Paged<Float64Array>;
  passNext: Paged<Int32Array>;
  errors: number;
  errorStep: Paged<Uint8Array>;
  errorClass: Paged<Uint8Array>;
  errorNext: Paged<Int32Array>;
}

export function emptyRunTable(): RunTable {
  return {
    index: emptyIdIndex(),
    rows: 0,
    resources: [''],
    resource: paged(Uint16Array),
    resourceAt: paged(Float64Array),
    seen: paged(Int32Array),
    aborted: paged(Int32Array),
    passHead: paged(Int32Array),
    errorHead: paged(Int32Array),
    passes: 0,
    passStep: paged(Uint8Array),
    passAt: paged(Float64Array),
    passNext: paged(Int32Array),
    errors: 0,
    errorStep: paged(Uint8Array),
    errorClass: paged(Uint8Array),
    errorNext: paged(Int32Array),
  };
}

/** The row of `id`, added when new. */
export function rowOf(table: RunTable, id: string): number {
  return claim(table, findOrAdd(table.index, id, table.rows));
}

/** Makes `row` a row of the table when it is the next free one (a new run). */
function claim(table: RunTable, row: number): number {
  if (row < table.rows) return row;
  table.rows += 1;
  // Every row column gets the row's page now, so reading a row never finds a missing page.
  put(table.resource, row, 0);
  put(table.resourceAt, row, 0);
  put(table.seen, row, 0);
  put(table.aborted, row, 0);
  put(table.passHead, row, -1);
  put(table.errorHead, row, -1);
  return row;
}

/** Sets the bits of `mask` in the row's entry of a bit-per-step column. */
export function markSteps(column: Paged<Int32Array>, row: number, mask: number): void {
  put(column, row, at(column, row) | mask);
}

function resourceCode(table: RunTable, name: string): number {
  const code = table.resources.indexOf(name);
  if (code >= 0) return code;
  table.resources.push(name);
  return table.resources.length - 1;
}

/** The resource the run's events named ('' when none). */
export const resourceOf = (table: RunTable, row: number): string => table.resources[at(table.resource, row)]!;

export function chooseResource(table: RunTable, row: number, name: string, time: number): void {
  if (name === '' || name === 'DISCOVER_RESOURCE_UNSPECIFIED') return;
  const current = resourceOf(table, row);
  const chosenAt = at(table.resourceAt, row);
  if (current === '' || time > chosenAt || (time === chosenAt && name < current)) {
    put(table.resource, row, resourceCode(table, name));
    put(table.resourceAt, row, time);
  }
}

/** Keeps the earliest pass of each step. */
export function recordPass(table: RunTable, row: number, step: number, time: number): void {
  for (let entry = at(table.passHead, row); entry >= 0; entry = at(table.passNext, entry)) {
    if (at(table.passStep, entry) === step) {
      if (time < at(table.passAt, entry)) put(table.passAt, entry, time);
      return;
    }
  }
  const entry = table.passes;
  table.passes += 1;
  put(table.passStep, entry, step);
  put(table.passAt, entry, time);
  put(table.passNext, entry, at(table.passHead, row));
  put(table.passHead, row, entry);
}

export function recordError(table: RunTable, row: number, step: number, errorClass: number): void {
  const entry = table.errors;
  table.errors += 1;
  put(table.errorStep, entry, step);
  put(table.errorClass, entry, errorClass);
  put(table.errorNext, entry, at(table.errorHead, row));
  put(table.errorHead, row, entry);
}

/** Calls `each` with the step and first pass time of every step the run passed. */
export function forEachPass(table: RunTable, row: number, each: (step: number, time: number) => void): void {
  for (let entry = at(table.passHead, row); entry >= 0; entry = at(table.passNext, entry)) each(at(table.passStep, entry), at(table.passAt, entry));
}

/** Calls `each` with the step and error class index of every error of the run, latest first. */
export function forEachError(table: RunTable, row: number, each: (step: number, errorClass: number) => void): void {
  for (let entry = at(table.errorHead, row); entry >= 0; entry = at(table.errorNext, entry)) each(at(table.errorStep, entry), at(table.errorClass, entry));
}

/**
 * Adds every run of `part` into `target`, joining runs that share an id. Part rows are taken in
 * order, so runs keep the order they were first seen in (part after part), which orders the
 * report's keyed tallies (error classes).
 */
export function mergeRunTables(target: RunTable, part: RunTable): void {
  const otherIds = otherIdsByRow(part.index);
  for (let from = 0; from < part.rows; from += 1) {
    const row = claim(target, findOrAddRow(target.index, part.index, from, otherIds, target.rows));
    markSteps(target.seen, row, at(part.seen, from));
    markSteps(target.aborted, row, at(part.aborted, from));
    chooseResource(target, row, resourceOf(part, from), at(part.resourceAt, from));
    forEachPass(part, from, (step, time) => recordPass(target, row, step, time));
    forEachError(part, from, (step, errorClass) => recordError(target, row, step, errorClass));
  }
}

/** Every page's buffer, for a worker to hand its table over (transfer) rather than copy it. */
export function runTableBuffers(table: RunTable): ArrayBuffer[] {
  const columns = Object.values(table).filter((value): value is Paged<Page> => typeof value === 'object' && value !== null && 'pages' in value);
  return [...columns.flatMap(pageBuffers), ...idIndexBuffers(table.index)];
}
