/**
 * Sets of distinct ids by key (the installations active on a day, or that used a feature), with
 * each id held once per tally as a small number instead of once per set as a string.
 *
 * A set member was the id string of the line that first put it there: a 36-character UUID (about
 * 56 bytes) in every set it joined, besides the set's own entry. The id is now numbered once, by
 * the compact id index the Discover runs use (id-index.ts: a UUID kept as its 128 bits, any other
 * spelling as its string, so ids that differ in any character stay different). A set holds the
 * numbers: in a Set (some 32 bytes a member) while it is sparse, and as a bitset over every number
 * (one bit an id of the tally) once it holds more than one in DENSE_SHARE of the tally's ids, where
 * the bitset is the smaller. A day's or a feature's set is dense: the Connect tally of the bench's
 * million events (5,000 installations, 225,000 members of 55 sets) took 7.2 MB of heap as Sets of
 * numbers and takes 1.2 MB with bitsets. A report counts members and unions sets, never prints an
 * id, so the numbers answer the same.
 *
 * Numbers are per tally: a worker's part is merged by numbering its ids in the target first.
 * Plain data (a Map of Sets and typed arrays), so a part crosses postMessage; the index's arrays
 * can be transferred.
 */
import { emptyIdIndex, findOrAdd, findOrAddRow, idIndexBuffers, otherIdsByRow, type IdIndex } from './id-index.js';

export interface IdNumbers {
  index: IdIndex;
  /** Ids numbered so far; the next new id gets this number. */
  count: number;
}

/** The numbers of a key's distinct ids: a Set while sparse, a bitset (bit n = number n) once dense. */
export type IdSet = Set<number> | Uint32Array;

/** Key (a day, an event name…) → the numbers of its distinct ids. */
export type IdSets = Map<string, IdSet>;

/**
 * A Set turns into a bitset once it holds more than one in this many of the tally's ids: a Set
 * member costs about 32 bytes (256 bits), a bitset one bit per id of the tally. A bitset is made
 * with room for twice the ids numbered so far; when full, it turns back into a Set if it is no
 * longer dense, so no set is ever more than about twice the size of the smaller form.
 */
const DENSE_SHARE = 256;

export const emptyIdNumbers = (): IdNumbers => ({ index: emptyIdIndex(), count: 0 });

/** The number of `id`, numbering it when new. */
export function idNumber(ids: IdNumbers, id: string): number {
  const number = findOrAdd(ids.index, id, ids.count);
  if (number === ids.count) ids.count += 1;
  return number;
}

/** Adds number `number` of `ids` to the set of `key`. */
export function addId(ids: IdNumbers, sets: IdSets, key: string, number: number): void {
  const set = sets.get(key);
  if (set === undefined) sets.set(key, new Set([number]));
  else if (set instanceof Set) {
    set.add(number);
    if (set.size * DENSE_SHARE > ids.count) sets.set(key, toBitset(set, ids.count));
  } else if (number >>> 5 < set.length) set[number >>> 5]! |= 1 << (number & 31);
  else {
    // Full: the tally's ids have doubled since the bitset was made. Grown if still dense, else a Set again.
    const wider = idSetSize(set) * DENSE_SHARE > ids.count ? grown(set, ids.count) : toSet(set);
    sets.set(key, wider);
    addId(ids, sets, key, number);
  }
}

/** A bitset with room for `count` numbers, and then as many again (so it grows by doubling). */
const bitsetFor = (count: number): Uint32Array => new Uint32Array(Math.max(1, Math.ceil((count * 2) / 32)));

function toBitset(set: Set<number>, count: number): Uint32Array {
  const bits = bitsetFor(count);
  for (const number of set) bits[number >>> 5]! |= 1 << (number & 31);
  return bits;
}

function toSet(bits: Uint32Array): Set<number> {
  const set = new Set<number>();
  forEachId(bits, (number) => set.add(number));
  return set;
}

function grown(bits: Uint32Array, count: number): Uint32Array {
  const wider = bitsetFor(count);
  wider.set(bits);
  return wider;
}

/** Calls `each` with every number in the set. */
export function forEachId(set: IdSet, each: (number: number) => void): void {
  if (set instanceof Set) {
    for (const number of set) each(number);
    return;
  }
  for (let word = 0; word < set.length; word += 1) {
    for (let bits = set[word]!; bits !== 0; bits &= bits - 1) each(word * 32 + (31 - Math.clz32(bits & -bits)));
  }
}

/** Ones in a 32-bit word. */
function popcount(word: number): number {
  let bits = word - ((word >>> 1) & 0x55555555);
  bits = (bits & 0x33333333) + ((bits >>> 2) & 0x33333333);
  return (Math.imul((bits + (bits >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Distinct ids in the set. */
export function idSetSize(set: IdSet): number {
  if (set instanceof Set) return set.size;
  let size = 0;
  for (const word of set) size += popcount(word);
  return size;
}

/** Distinct ids in the union of `sets`, whose numbers are below `count`. */
export function unionSize(sets: Iterable<IdSet>, count: number): number {
  const union = new Uint32Array(Math.ceil(count / 32));
  for (const set of sets) {
    if (set instanceof Set) for (const number of set) union[number >>> 5]! |= 1 << (number & 31);
    else for (let word = 0; word < set.length && word < union.length; word += 1) union[word]! |= set[word]!;
  }
  return idSetSize(union);
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
export function mergeIdSets(ids: IdNumbers, target: IdSets, part: IdSets, numbers: Int32Array): void {
  for (const [key, members] of part) forEachId(members, (member) => addId(ids, target, key, numbers[member]!));
}

/** The buffers to transfer the numbering rather than copy it. */
export const idNumbersBuffers = (ids: IdNumbers): ArrayBuffer[] => idIndexBuffers(ids.index);
