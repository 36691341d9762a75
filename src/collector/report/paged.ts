/**
 * Growable typed columns kept in fixed-size pages. A contiguous typed array grows by copying into
 * one twice its size, and the old copy stays resident until a major GC, which a report's small
 * JS heap rarely triggers: measured on a million Discover events, that left each worker holding
 * twice its tally. Pages are only ever added: nothing is copied, nothing is left behind, and a
 * column's slack is at most one page.
 *
 * Plain data (an array of typed arrays), so a column crosses postMessage, and its pages can be
 * transferred.
 */

/**
 * The page types. Four at most: `at` and `put` stay fast while their element accesses see at most
 * four kinds of typed array (V8's polymorphic limit); a fifth made `put` several times slower.
 */
export type Page = Uint8Array | Uint16Array | Int32Array | Float64Array;

export interface Paged<T extends Page> {
  pages: T[];
}

const PAGE_BITS = 14;
/** Entries per page: 16 KiB to 128 KiB a page, by type; a multiple of any small record width. */
export const PAGE = 1 << PAGE_BITS;
const MASK = PAGE - 1;

/** A column of one (zeroed) page; the page's type is the column's. */
export function paged<T extends Page>(type: new (length: number) => T): Paged<T> {
  return { pages: [new type(PAGE)] };
}

export function at(column: Paged<Page>, index: number): number {
  return column.pages[index >>> PAGE_BITS]![index & MASK]!;
}

/** Sets entry `index`, adding (zeroed) pages up to it. */
export function put(column: Paged<Page>, index: number, value: number): void {
  const page = index >>> PAGE_BITS;
  const pages = column.pages;
  while (page >= pages.length) pages.push(new (pages[0]!.constructor as new (length: number) => Page)(PAGE));
  pages[page]![index & MASK] = value;
}

/** The page holding entry `index` and the entry's place in it, for reading a record in one page. */
export function pageOf<T extends Page>(column: Paged<T>, index: number): [page: T, offset: number] {
  return [column.pages[index >>> PAGE_BITS]!, index & MASK];
}

/** The pages' buffers, to transfer a column rather than copy it. */
export const pageBuffers = (column: Paged<Page>): ArrayBuffer[] => column.pages.map((page) => page.buffer as ArrayBuffer);
