/**
 * Id → row, for a few hundred thousand ids (Discover wizard runs, Connect installations), without
 * a string and a Map entry per id.
 *
 * Such ids are UUIDs in the lowercase text form browsers and apps write (crypto.randomUUID), so
 * one is kept as its 128 bits (four words a row) in an open-addressed table of rows: about 24
 * bytes an id instead of about 90 for a 36-character string and its Map entry. Any other spelling
 * (upper case, braces, not a UUID at all: the store may hold anything) stays a string in a Map, so
 * ids that differ in any character stay different, exactly as when every id was a Map key.
 *
 * Plain data only (typed arrays, a Map, numbers), because a worker's index travels through
 * postMessage; its typed arrays can be transferred instead of copied.
 */
import { randomFillSync } from 'node:crypto';
import { paged, pageBuffers, pageOf, put, type Paged } from './paged.js';

export interface IdIndex {
  /** Row × 4 words: the 128 bits of a packed id (rows of other ids leave theirs unused). */
  words: Paged<Int32Array>;
  /** Open-addressed slots holding row + 1 (0 = empty); a power of two in length, at most half full. */
  slots: Int32Array;
  /** Packed ids in `slots`. */
  packed: number;
  /**
   * Odd multipliers of the slot hash, random per index: ids come from senders, and a hash they
   * could predict would let crafted ids pile into one probe chain and stall a report.
   */
  mix: Uint32Array;
  /** Ids in any other spelling, by their string. */
  others: Map<string, number>;
}

const INITIAL_SLOTS = 2048;

export function emptyIdIndex(): IdIndex {
  const mix = randomFillSync(new Uint32Array(4));
  for (let word = 0; word < 4; word += 1) mix[word]! |= 1;
  return { words: paged(Int32Array), slots: new Int32Array(INITIAL_SLOTS), packed: 0, mix, others: new Map() };
}

/** The packed id being looked up; one lookup at a time, so one buffer serves them all. */
const scratch = new Int32Array(4);

/** Value of a lowercase hex digit, or -1. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Dashes of the 8-4-4-4-12 text form. */
const isDash = (position: number): boolean => position === 8 || position === 13 || position === 18 || position === 23;

/** Packs a lowercase 8-4-4-4-12 UUID into `scratch`; false for any other string. */
function pack(id: string): boolean {
  if (id.length !== 36) return false;
  let word = 0;
  let digits = 0;
  for (let position = 0; position < 36; position += 1) {
    const code = id.charCodeAt(position);
    if (isDash(position)) {
      if (code !== 45) return false;
      continue;
    }
    const digit = hexDigit(code);
    if (digit < 0) return false;
    word = (word << 4) | digit;
    digits += 1;
    if (digits % 8 === 0) scratch[digits / 8 - 1] = word;
  }
  return true;
}

/**
 * Multiply-add-shift hashing over the four words (top bits of a sum of products with random odd
 * multipliers): cheap, and collisions cannot be planned without the multipliers.
 */
function slotOf(index: IdIndex, words: Int32Array, at: number): number {
  const mix = index.mix;
  const sum = (Math.imul(words[at]!, mix[0]!) + Math.imul(words[at + 1]!, mix[1]!) + Math.imul(words[at + 2]!, mix[2]!) + Math.imul(words[at + 3]!, mix[3]!)) >>> 0;
  // A power-of-two length 2^k keeps the top k bits.
  return sum >>> (Math.clz32(index.slots.length) + 1);
}

/** Where the packed id in `words` at `at` is, or the empty slot where it goes. */
function probe(index: IdIndex, words: Int32Array, at: number): number {
  const mask = index.slots.length - 1;
  for (let slot = slotOf(index, words, at); ; slot = (slot + 1) & mask) {
    const entry = index.slots[slot]!;
    if (entry === 0) return slot;
    // A row's four words never straddle two pages (a page holds a whole number of rows).
    const [stored, offset] = pageOf(index.words, (entry - 1) * 4);
    if (stored[offset] === words[at] && stored[offset + 1] === words[at + 1] && stored[offset + 2] === words[at + 2] && stored[offset + 3] === words[at + 3]) return slot;
  }
}

/** Doubles the slots (rehashing every packed row) once they are half full. */
function widen(index: IdIndex): void {
  const old = index.slots;
  index.slots = new Int32Array(old.length * 2);
  for (const entry of old) {
    if (entry === 0) continue;
    const [stored, offset] = pageOf(index.words, (entry - 1) * 4);
    index.slots[probe(index, stored, offset)] = entry;
  }
}

/** The row of the packed id in `scratch`; when it has none yet, `newRow` becomes its row. */
function findOrAddPacked(index: IdIndex, newRow: number): number {
  let slot = probe(index, scratch, 0);
  const entry = index.slots[slot]!;
  if (entry !== 0) return entry - 1;
  if ((index.packed + 1) * 2 > index.slots.length) {
    widen(index);
    slot = probe(index, scratch, 0);
  }
  for (let word = 0; word < 4; word += 1) put(index.words, newRow * 4 + word, scratch[word]!);
  index.slots[slot] = newRow + 1;
  index.packed += 1;
  return newRow;
}

function findOrAddOther(index: IdIndex, id: string, newRow: number): number {
  const existing = index.others.get(id);
  if (existing !== undefined) return existing;
  index.others.set(id, newRow);
  return newRow;
}

/** The row of `id`; when it has none yet, `newRow` becomes its row (the caller's next free row). */
export function findOrAdd(index: IdIndex, id: string, newRow: number): number {
  return pack(id) ? findOrAddPacked(index, newRow) : findOrAddOther(index, id, newRow);
}

/** The ids of `part` that are not packed, by row: what `findOrAddRow` needs to merge it. */
export function otherIdsByRow(part: IdIndex): Map<number, string> {
  const byRow = new Map<number, string>();
  for (const [id, row] of part.others) byRow.set(row, id);
  return byRow;
}

/** The row in `target` of `part`'s row `from`; when it has none yet, `newRow` becomes its row. */
export function findOrAddRow(target: IdIndex, part: IdIndex, from: number, otherIds: Map<number, string>, newRow: number): number {
  const other = otherIds.get(from);
  if (other !== undefined) return findOrAddOther(target, other, newRow);
  const [stored, offset] = pageOf(part.words, from * 4);
  scratch.set(stored.subarray(offset, offset + 4));
  return findOrAddPacked(target, newRow);
}

/** The buffers to transfer an index rather than copy it. */
export const idIndexBuffers = (index: IdIndex): ArrayBuffer[] => [...pageBuffers(index.words), index.slots.buffer as ArrayBuffer];
