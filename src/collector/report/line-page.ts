/**
 * A page of stored lines as one UTF-8 buffer and the end offset of each line, for handing a page
 * to a worker thread by transfer. Sent as an array of strings, a page was copied into the worker's
 * heap, lived there while the page was folded and so was promoted out of the small young
 * generation: every page became old-generation garbage, and a worker's heap grew to some 30 MB
 * between major collections. From a buffer, each line is a string only while it is parsed, and dies
 * young.
 *
 * Exact: the lines come from PostgreSQL, whose text is valid UTF-8, so they hold no lone surrogate
 * and encoding then decoding gives back the same strings. Ends are offsets, not separators, so a
 * line holding a newline stays one line (counted once if damaged), as it was as a string.
 */
export interface LinePage {
  bytes: Uint8Array;
  /** Byte offset where each line ends (line i is bytes[ends[i-1] ?? 0, ends[i])). */
  ends: Uint32Array;
}

/**
 * Packs `lines` into `reuse` (a page a worker has given back) when its buffers are large enough,
 * else into new ones: buffers passed to and fro stay few (one per page in flight), where a fresh
 * pair per page piled up as external memory faster than the threads collected it.
 */
export function packLines(lines: readonly string[], reuse?: LinePage): LinePage {
  const ends = reuse !== undefined && reuse.ends.buffer.byteLength >= lines.length * 4 ? new Uint32Array(reuse.ends.buffer, 0, lines.length) : new Uint32Array(lines.length);
  let total = 0;
  for (let index = 0; index < lines.length; index += 1) {
    total += Buffer.byteLength(lines[index]!, 'utf8');
    ends[index] = total;
  }
  // Room to spare, so that a later, slightly larger page fits the same buffer.
  const buffer = reuse !== undefined && reuse.bytes.buffer.byteLength >= total ? reuse.bytes.buffer : new ArrayBuffer(Math.ceil(total * 1.25));
  const bytes = Buffer.from(buffer, 0, total);
  let at = 0;
  for (const line of lines) at += bytes.write(line, at, 'utf8');
  return { bytes: new Uint8Array(buffer, 0, total), ends };
}

/** Calls `each` with every line of the page, in order. */
export function forEachLine(page: LinePage, each: (line: string) => void): void {
  const bytes = Buffer.from(page.bytes.buffer, page.bytes.byteOffset, page.bytes.byteLength);
  let start = 0;
  for (const end of page.ends) {
    each(bytes.toString('utf8', start, end));
    start = end;
  }
}

/** What to transfer with a page instead of copying it. */
export const linePageBuffers = (page: LinePage): ArrayBuffer[] => [page.bytes.buffer as ArrayBuffer, page.ends.buffer as ArrayBuffer];
