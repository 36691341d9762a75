/**
 * Per-run state for the Discover funnels, kept in columns (typed arrays indexed by a row per run
 * id) instead of an object per run: about 100 bytes a run instead of several hundred, and a
 * worker's table crosses to the main thread as a few flat copies rather than a graph of objects.
 * Plain data only (no class), because it travels through postMessage.
 *
 * A run's passed steps and errors are singly linked lists in shared pools, so a run costs only
 * what it holds; run ids are kept compactly too (run-index.ts).
 */
import { emptyRunIndex, findOrAdd, findOrAddRow, otherIdsByRow, type RunIndex } from './run-index.js';

export interface RunTable {
  /** Run id → row. */
  index: RunIndex;
  rows: number;
  /** Resource names by code; code 0 is "none named yet". Codes are per table, so merges translate. */
  resources: string[];
  resource: Uint16Array;
  /** When the event naming the resource happened: the latest choice wins, whatever the merge order. */
  resourceAt: Float64Array;
  /** Bit per step: any event of that step. */
  seen: Uint32Array;
  /** Bit per step: the user left the wizard at that step. */
  aborted: Uint32Array;
  passHead: Int32Array;
  errorHead: Int32Array;
  passes: number;
  passStep: Uint8Array;
  /** First time (ms) the step passed in the run. */
  passAt: Float64Array;
  passNext: Int32Array;
  errors: number;
  errorStep: Uint8Array;
  errorClass: Uint8Array;
  errorNext: Int32Array;
}

const INITIAL = 1024;

export function emptyRunTable(): RunTable {
  return {
    index: emptyRunIndex(),
    rows: 0,
    resources: [''],
    resource: new Uint16Array(INITIAL),
    resourceAt: new Float64Array(INITIAL),
    seen: new Uint32Array(INITIAL),
    aborted: new Uint32Array(INITIAL),
    passHead: new Int32Array(INITIAL),
    errorHead: new Int32Array(INITIAL),
    passes: 0,
    passStep: new Uint8Array(INITIAL),
    passAt: new Float64Array(INITIAL),
    passNext: new Int32Array(INITIAL),
    errors: 0,
    errorStep: new Uint8Array(INITIAL),
    errorClass: new Uint8Array(INITIAL),
    errorNext: new Int32Array(INITIAL),
  };
}

type Column = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;

function grown<T extends Column>(column: T, needed: number): T {
  if (needed <= column.length) return column;
  const bigger = new (column.constructor as new (length: number) => T)(Math.max(needed, column.length * 2));
  bigger.set(column);
  return bigger;
}

/** The row of `id`, added when new. */
export function rowOf(table: RunTable, id: string): number {
  return claim(table, findOrAdd(table.index, id, table.rows));
}

/** Makes `row` a row of the table when it is the next free one (a new run), growing the columns. */
function claim(table: RunTable, row: number): number {
  if (row < table.rows) return row;
  table.rows += 1;
  if (row >= table.seen.length) {
    table.resource = grown(table.resource, row + 1);
    table.resourceAt = grown(table.resourceAt, row + 1);
    table.seen = grown(table.seen, row + 1);
    table.aborted = grown(table.aborted, row + 1);
    table.passHead = grown(table.passHead, row + 1);
    table.errorHead = grown(table.errorHead, row + 1);
  }
  table.passHead[row] = -1;
  table.errorHead[row] = -1;
  return row;
}

function resourceCode(table: RunTable, name: string): number {
  const code = table.resources.indexOf(name);
  if (code >= 0) return code;
  table.resources.push(name);
  return table.resources.length - 1;
}

export function chooseResource(table: RunTable, row: number, name: string, at: number): void {
  if (name === '' || name === 'DISCOVER_RESOURCE_UNSPECIFIED') return;
  const current = table.resources[table.resource[row]!]!;
  if (current === '' || at > table.resourceAt[row]! || (at === table.resourceAt[row]! && name < current)) {
    table.resource[row] = resourceCode(table, name);
    table.resourceAt[row] = at;
  }
}

/** Keeps the earliest pass of each step. */
export function recordPass(table: RunTable, row: number, step: number, at: number): void {
  for (let entry = table.passHead[row]!; entry >= 0; entry = table.passNext[entry]!) {
    if (table.passStep[entry] === step) {
      if (at < table.passAt[entry]!) table.passAt[entry] = at;
      return;
    }
  }
  const entry = table.passes;
  table.passes += 1;
  table.passStep = grown(table.passStep, entry + 1);
  table.passAt = grown(table.passAt, entry + 1);
  table.passNext = grown(table.passNext, entry + 1);
  table.passStep[entry] = step;
  table.passAt[entry] = at;
  table.passNext[entry] = table.passHead[row]!;
  table.passHead[row] = entry;
}

export function recordError(table: RunTable, row: number, step: number, errorClass: number): void {
  const entry = table.errors;
  table.errors += 1;
  table.errorStep = grown(table.errorStep, entry + 1);
  table.errorClass = grown(table.errorClass, entry + 1);
  table.errorNext = grown(table.errorNext, entry + 1);
  table.errorStep[entry] = step;
  table.errorClass[entry] = errorClass;
  table.errorNext[entry] = table.errorHead[row]!;
  table.errorHead[row] = entry;
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
    target.seen[row]! |= part.seen[from]!;
    target.aborted[row]! |= part.aborted[from]!;
    chooseResource(target, row, part.resources[part.resource[from]!]!, part.resourceAt[from]!);
    for (let entry = part.passHead[from]!; entry >= 0; entry = part.passNext[entry]!) recordPass(target, row, part.passStep[entry]!, part.passAt[entry]!);
    for (let entry = part.errorHead[from]!; entry >= 0; entry = part.errorNext[entry]!) recordError(target, row, part.errorStep[entry]!, part.errorClass[entry]!);
  }
}

/** Every column's buffer, for a worker to hand its table over (transfer) rather than copy it. */
export function runTableBuffers(table: RunTable): ArrayBuffer[] {
  return [...Object.values(table), ...Object.values(table.index)].filter((value): value is Column => ArrayBuffer.isView(value)).map((column) => column.buffer as ArrayBuffer);
}
