/**
 * What ingest has just written to the open segment, held in the ship thread's memory so that the
 * shipper can send it without reading it back from the disk. It holds one run of bytes, contiguous
 * in one segment, as the store reported its durable writes (SegmentStore's onWritten), bounded in
 * bytes: past the bound the oldest bytes go, and the shipper reads what memory lost from the disk.
 *
 * Memory is used only where it holds exactly the bytes right after the shipper's cursor. Anything
 * else (a restart, a gap in what was reported, bytes dropped for the bound, a new segment the
 * cursor has not reached yet) is read from the disk, as before this existed.
 *
 * Privacy: these are bytes this process checked and then wrote itself, never read from a file, so
 * the shipper may send them without checking them again; whatever it reads from the disk it checks.
 */
import type { Cursor } from '../store/segments.js';

/** Bounds the ship thread's copy of what was written: at 10,000 events/s of 400 bytes, 8 s of ingest. */
export const WRITTEN_MEMORY_BYTES = 32 * 1024 * 1024;

/** Bytes of a segment as written, from `offset`. */
export interface WrittenRange {
  segment: string;
  offset: number;
  bytes: Uint8Array;
}

interface Chunk {
  offset: number;
  bytes: Buffer;
}

export class WrittenMemory {
  private segment = '';
  /** Where the last bytes added end; undefined while memory knows nothing (at first, or after forget()). */
  private end: number | undefined;
  private chunks: Chunk[] = [];
  private held = 0;

  constructor(private readonly limit = WRITTEN_MEMORY_BYTES) {}

  /** Bytes held now (for tests and the bound). */
  get heldBytes(): number {
    return this.held;
  }

  /**
   * Adds the bytes written at `offset` of `segment`. Bytes that do not continue the run held (a new
   * segment, or a gap: something written was not reported) start a new run: the old one is dropped.
   */
  add(segment: string, offset: number, bytes: Uint8Array): void {
    if (this.end === undefined || segment !== this.segment || offset !== this.end) this.forget();
    this.segment = segment;
    this.end = offset + bytes.byteLength;
    // A view into a larger buffer (Node's pool for small writes) would keep all of it alive: copied.
    const own = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength;
    this.chunks.push({ offset, bytes: own ? Buffer.from(bytes.buffer, 0, bytes.byteLength) : Buffer.from(bytes) });
    this.held += bytes.byteLength;
    while (this.held > this.limit) this.held -= this.chunks.shift()!.bytes.length;
  }

  /** Drops everything: from now on memory holds only what is added after this (the sender lost some). */
  forget(): void {
    this.end = undefined;
    this.chunks = [];
    this.held = 0;
  }

  /**
   * The whole lines written after `cursor`, at most `maxLines` of them and `maxBytes` (yet at least
   * one line, however long), as one buffer; `more` says whether memory holds more after them. Empty
   * when nothing was written after it. Undefined when memory does not hold the bytes right after
   * the cursor: they are on the disk only.
   */
  after(cursor: Cursor, maxLines: number, maxBytes: number): { bytes: Buffer; more: boolean } | undefined {
    if (!this.holdsAfter(cursor)) return undefined;
    // Where the last line taken ends: found first, so that only what is taken is copied.
    let until = cursor.offset;
    let lines = 0;
    const parts: Buffer[] = [];
    for (const chunk of this.chunks) {
      const from = Math.max(0, cursor.offset - chunk.offset);
      if (from >= chunk.bytes.length) continue;
      let end = from;
      for (let newline = chunk.bytes.indexOf(0x0a, from); newline >= 0 && lines < maxLines; newline = chunk.bytes.indexOf(0x0a, newline + 1)) {
        if (lines > 0 && chunk.offset + newline + 1 - cursor.offset > maxBytes) break;
        lines += 1;
        end = newline + 1;
      }
      if (end > from) {
        parts.push(chunk.bytes.subarray(from, end));
        until = chunk.offset + end;
      }
      // Chunks hold whole lines: one not taken to its end ends the batch.
      if (end < chunk.bytes.length) break;
    }
    // Most batches lie within one chunk: a view, no copy.
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, until - cursor.offset);
    return { bytes, more: until < this.end! };
  }

  /**
   * The shipper's cursor moved to `cursor`: bytes before it are let go. A cursor past what memory
   * holds (the disk was read further) leaves memory knowing nothing until the next bytes come.
   */
  passed(cursor: Cursor): void {
    if (this.end === undefined || cursor.segment < this.segment) return;
    if (cursor.segment > this.segment || cursor.offset > this.end) {
      this.forget();
      return;
    }
    let dropped = 0;
    while (dropped < this.chunks.length && this.chunks[dropped]!.offset + this.chunks[dropped]!.bytes.length <= cursor.offset) {
      this.held -= this.chunks[dropped]!.bytes.length;
      dropped += 1;
    }
    if (dropped > 0) this.chunks = this.chunks.slice(dropped);
  }

  /** The whole lines written after `cursor` and the cursor after the last of them, if memory holds what follows it. */
  countLines(cursor: Cursor): { count: number; end: Cursor } | undefined {
    if (!this.holdsAfter(cursor)) return undefined;
    let count = 0;
    let end = cursor;
    for (const chunk of this.chunks) {
      const from = cursor.offset - chunk.offset;
      if (from >= chunk.bytes.length) continue;
      for (let newline = chunk.bytes.indexOf(0x0a, Math.max(0, from)); newline >= 0; newline = chunk.bytes.indexOf(0x0a, newline + 1)) {
        count += 1;
        end = { segment: this.segment, offset: chunk.offset + newline + 1 };
      }
    }
    return { count, end };
  }

  /** Whether memory holds the bytes right after `cursor` (or knows that nothing was written after it). */
  private holdsAfter(cursor: Cursor): boolean {
    const end = this.end;
    if (end === undefined || cursor.segment !== this.segment || cursor.offset > end) return false;
    return cursor.offset >= (this.chunks[0]?.offset ?? end);
  }
}

/**
 * Writes as few ranges as possible: each run of writes that follow on from one another (the same
 * segment, each starting where the last ended) copied into one buffer of its own, which can be
 * transferred to another thread whole (a small write's bytes are a view into Node's shared pool).
 */
export function coalesced(writes: readonly WrittenRange[]): WrittenRange[] {
  const runs: WrittenRange[] = [];
  let first = 0;
  let size = 0;
  for (let index = 0; index < writes.length; index += 1) {
    const write = writes[index]!;
    size += write.bytes.byteLength;
    const next = writes[index + 1];
    if (next !== undefined && next.segment === write.segment && next.offset === write.offset + write.bytes.byteLength) continue;
    // Not from Node's pool, and not zeroed first: every byte is written below.
    const bytes = Buffer.allocUnsafeSlow(size);
    let at = 0;
    for (let part = first; part <= index; part += 1) {
      bytes.set(writes[part]!.bytes, at);
      at += writes[part]!.bytes.byteLength;
    }
    runs.push({ segment: writes[first]!.segment, offset: writes[first]!.offset, bytes });
    first = index + 1;
    size = 0;
  }
  return runs;
}
