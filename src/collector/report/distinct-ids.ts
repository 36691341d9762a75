/**
 * Sets of distinct ids by key (the installations active on a day, or that used a feature), with
 * each id held once per tally as a small number instead of once per set as a string.
 *
 * A set member was the id string of the line that first put it there: a 36-character UUID (about
 * 56 bytes) in every set it joined, besides the set's own entry. The id is now numbered once, by
 * the compact id index the Discover runs use (id-index.ts: a UUID kept as its 128 bits, any other
 * spelling as its string, so ids that differ in any character stay different), and the sets hold
 * the numbers, which V8 keeps unboxed. A report counts members and unions sets, never prints an
 * id, so the numbers answer the same.
 *
 * Numbers are per tally: a worker's part is merged by numbering its ids in the target first.
 * Plain data (a Map of Sets, typed arrays), so a part crosses postMessage; the index's arrays can
 * be transferred.
 */
import { emptyIdIndex, findOrAdd, findOrAddRow, idIndexBuffers, otherIdsByRow, type IdIndex } from './id-index.js';

export interface IdNumbers {
  index: IdIndex;
  /** Ids numbered so far; the next new id gets this number. */
  count: number;
}

/** Key (a day, an event name…) → the numbers of its distinct ids. */
export type IdSets = Map<string, Set<number>>;

export const emptyIdNumbers = (): IdNumbers => ({ index: emptyIdIndex(), count: 0 });

/** The number of `id`, numbering it when new. */
export function idNumber(ids: IdNumbers, id: string): number {
  const number = findOrAdd(ids.index, id, ids.count);
  if (number === ids.count) ids.count += 1;
  return number;
}

export function addId(sets: IdSets, key: string, number: number): void {
  const set = sets.get(key);
  if (set === undefined) sets.set(key, new Set([number]));
  else set.add(number);
}

/** For each of `part`'s numbers, the number of the same id in `target` (numbered there when new). */
export function renumber(target: IdNumbers, part: IdNumbers): Int32Array {
  const otherIds = otherIdsByRow(part.index);
  const numbers = new Int32Array(part.count);
  for (let from = 0; from < part.count; from += 1) {
    const number = findOrAddRow(target.index, part.index, from, otherIds, target.count);
    if (number === target.count) target.count += 1;
    numbers[from] = number;
  }
  return numbers;
}

/** Adds `part`'s sets into `target`'s, `numbers` (from `renumber`) turning a part's number into the target's. */
export function mergeIdSets(target: IdSets, part: IdSets, numbers: Int32Array): void {
  for (const [key, members] of part) {
    let into = target.get(key);
    if (into === undefined) {
      into = new Set();
      target.set(key, into);
    }
    for (const member of members) into.add(numbers[member]!);
  }
}

/** The buffers to transfer the numbering rather than copy it. */
export const idNumbersBuffers = (ids: IdNumbers): ArrayBuffer[] => idIndexBuffers(ids.index);
