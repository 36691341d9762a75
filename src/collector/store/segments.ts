/**
 * The segment file format, owned here alone: newline-delimited JSON, one file per UTC day of
 * arrival (events-YYYY-MM-DD.ndjson). A line counts only once its newline is on disk, so every
 * reader below sees whole lines and ignores a tail still being written (or torn by a crash).
 *
 * A past day's segment is sealed (seal.ts): its whole lines are gzipped into
 * events-YYYY-MM-DD.ndjson.gz, and only then is the plain file removed. A segment therefore has
 * one name (the plain one, as listed and as held in cursors) and one or two files on disk; the
 * reader opens whichever is there, preferring the plain file while it exists (it is the source the
 * gzip was made from), so a crash that leaves both never makes a line be read twice.
 *
 * Cursors do not depend on the form: an offset counts bytes of the segment's uncompressed text, so
 * a cursor taken in the plain file stays valid once the segment is sealed, and a consumer with its
 * own cursor (the forwarder, a shipper) never needs to hold sealing back. A cursor file written
 * before sealing existed already has this meaning and is read as it is.
 *
 * Files in the data directory are only ever opened with O_NOFOLLOW and used only when they are
 * regular files: a symlink planted under a segment's name is refused, never followed, truncated
 * or appended to.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { ISO_INSTANT } from '../../text/canonical-text.js';
import { blockingMemberText, DamagedMemberError, type ReadAt } from './sealed-members.js';
import { FAMILY_KEY, FAMILY_KEY_AT } from './stored-line.js';

export const SEGMENT_PATTERN = /^events-(\d{4}-\d{2}-\d{2})\.ndjson$/;
/** A sealed segment's file: the plain name plus `.gz`. */
export const SEALED_PATTERN = /^events-(\d{4}-\d{2}-\d{2})\.ndjson\.gz$/;

export function segmentName(day: Date): string {
  return `events-${day.toISOString().slice(0, 10)}.ndjson`;
}

/** The file a sealed segment is kept in. */
export const sealedName = (segment: string): string => `${segment}.gz`;

/** The segment a record received at `receivedAt` belongs in; toISOString's form is read without a Date. */
export function segmentOf(receivedAt: string): string {
  return ISO_INSTANT.test(receivedAt) ? `events-${receivedAt.slice(0, 10)}.ndjson` : segmentName(new Date(receivedAt));
}

/** The UTC day a segment holds, e.g. "2026-11-23". */
export const segmentDay = (segment: string): string => SEGMENT_PATTERN.exec(segment)?.[1] ?? '';

/** The segment of a UTC day given as "YYYY-MM-DD". */
export const segmentOfDay = (day: string): string => `events-${day}.ndjson`;

/**
 * Read-only, never through a symlink (ELOOP instead); O_NONBLOCK so that a FIFO planted under the
 * name fails the regular-file check instead of blocking the open.
 */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/**
 * Append, create 0600, never through a symlink; O_NONBLOCK so that a FIFO planted under the name
 * fails the regular-file check below instead of blocking the open (it changes nothing for a
 * regular file). Read access is for cutting a torn tail.
 */
const APPEND_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export interface SegmentListing {
  /** Segment names in order (the plain name, whichever form is on disk), regular files only. */
  segments: string[];
  /** The segments whose sealed (gzip) file is there, as plain names; a subset of `segments`. */
  sealed: string[];
  /** The segments whose plain file is there; a subset of `segments` (both, after a crash mid-seal). */
  plain: string[];
  /** Entries named like a segment (either form) that are not regular files (directories, symlinks, …): never read. */
  ignored: string[];
}

export async function listSegmentEntries(dir: string): Promise<SegmentListing> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(error)));
  const plain: string[] = [];
  const sealed: string[] = [];
  const ignored: string[] = [];
  for (const entry of entries) {
    const isPlain = SEGMENT_PATTERN.test(entry.name);
    if (!isPlain && !SEALED_PATTERN.test(entry.name)) continue;
    // Dirent types come from the directory itself (lstat's view): a symlink is never a file here.
    if (!entry.isFile()) ignored.push(entry.name);
    else if (isPlain) plain.push(entry.name);
    else sealed.push(entry.name.slice(0, -'.gz'.length));
  }
  return { segments: [...new Set([...plain, ...sealed])].sort(), sealed: sealed.sort(), plain: plain.sort(), ignored: ignored.sort() };
}

export async function listSegments(dir: string): Promise<string[]> {
  return (await listSegmentEntries(dir)).segments;
}

export class NotARegularFileError extends Error {
  override name = 'NotARegularFileError';
  readonly code = 'ENOTREGULAR';
  constructor(readonly path: string) {
    super(`${path} is not a regular file; refusing to write to it`);
  }
}

/** A sealed segment whose gzip stream is damaged (truncated, or not gzip at all). */
export class DamagedSegmentError extends Error {
  override name = 'DamagedSegmentError';
  readonly code = 'ESEGMENTDAMAGED';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: cannot decompress: ${reason}`);
  }
}

export interface AppendTarget {
  handle: FileHandle;
  /** Bytes of whole lines in the file: where the next line starts. */
  size: number;
  /** Bytes of a torn last line that were cut on opening. */
  cut: number;
}

/**
 * Opens an NDJSON file of the data directory for appending (a segment, or the dead-letter file):
 * created 0600, refused when it is a symlink (ELOOP) or not a regular file, its torn tail cut.
 * With `syncWrites`, every write returns only once its bytes are on disk as fdatasync would leave
 * them (O_DSYNC): one system call, one trip to the thread pool, instead of a write and a sync.
 */
export async function openForAppend(path: string, options: { syncWrites?: boolean } = {}): Promise<AppendTarget> {
  const handle = await open(path, options.syncWrites === true ? APPEND_FLAGS | constants.O_DSYNC : APPEND_FLAGS, 0o600);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new NotARegularFileError(path);
    const size = await cutTornTail(handle, stats.size);
    return { handle, size, cut: stats.size - size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Opens a data-directory file for reading: never through a symlink, and only when it is a regular
 * file. Resolves undefined when there is no regular file under the name (absent, a symlink, a
 * directory, a FIFO), so that the caller can try the segment's other form.
 */
export async function openRegularForReading(path: string): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENXIO') return undefined;
    throw error;
  }
  if ((await handle.stat()).isFile()) return handle;
  await handle.close();
  return undefined;
}

/** A position in the store: just after a line of `segment` ('' = before the first segment). */
export interface Cursor {
  segment: string;
  /** Bytes of the segment's uncompressed text before the position, whichever form the segment is in. */
  offset: number;
}

export const START: Cursor = { segment: '', offset: 0 };

/** Orders two positions in the outbox: by segment (their names sort by day), then by offset. */
export const compareCursors = (a: Cursor, b: Cursor): number => (a.segment === b.segment ? a.offset - b.offset : a.segment < b.segment ? -1 : 1);

export interface LineAt {
  line: string;
  /** The cursor just after this line. */
  end: Cursor;
}

const CHUNK = 256 * 1024;

/**
 * Segments read as text are read in pieces small enough to be ordinary young-generation strings
 * (larger ones go straight to V8's large-object space and outlive the lines sliced from them):
 * measured on a million stored events, 64 KiB pieces take a report from about 125 to 90 MB.
 * A sealed segment is inflated into pieces of the same size.
 */
const TEXT_CHUNK = 64 * 1024;

export interface SegmentReaderOptions {
  /**
   * Read plain segments with blocking system calls, for a thread that has nothing else to do (a
   * report's worker thread, a one-shot CLI, the shipper's thread): measured on the billing
   * report's segments, a stream's trips through the thread pool and its promises cost five times
   * the CPU of the reads themselves. Sealed segments are inflated by the stream either way.
   */
  blocking?: boolean;
}

/** One segment's uncompressed bytes, from whichever form is on disk. */
interface OpenedSegment {
  chunks: AsyncGenerator<Buffer>;
  sealed: boolean;
}

/** A sealed segment's line stream left where the last readFrom stopped, to go on from there. */
interface Resumable {
  segment: string;
  offset: number;
  lines: AsyncGenerator<LineAt[]>;
  /** Lines of the last chunk read that the last readFrom had no room for. */
  pending: LineAt[];
}

export class SegmentReader {
  /**
   * Reading a sealed segment from an offset means inflating it from its start. The forwarder reads
   * a few hundred lines at a time, so the stream it last stopped in is kept (one at most) and
   * continued when the next read starts where the last one ended.
   */
  private resumable: Resumable | undefined;

  constructor(
    readonly dir: string,
    private readonly options: SegmentReaderOptions = {},
  ) {}

  /**
   * One segment's uncompressed bytes from `start`: the plain file when there is one, else the
   * sealed one inflated. Undefined when neither is there (removed by retention since it was listed).
   */
  private async openSegment(segment: string, start: number, chunk: number): Promise<OpenedSegment | undefined> {
    if (this.options.blocking === true) {
      const fd = openRegularSync(join(this.dir, segment));
      if (fd !== undefined) return { chunks: asAsync(readBlocking(fd, start, chunk)), sealed: false };
      const sealedPath = join(this.dir, sealedName(segment));
      const sealedFd = openRegularSync(sealedPath);
      const text = sealedFd === undefined ? undefined : blockingSealedText(sealedFd, sealedPath, start, chunk);
      if (text !== undefined) return { chunks: asAsync(text), sealed: true };
    }
    const plain = await openRegularForReading(join(this.dir, segment));
    if (plain !== undefined) return { chunks: chunksOf(plain.createReadStream({ start, highWaterMark: chunk })), sealed: false };
    const path = join(this.dir, sealedName(segment));
    const sealed = await openRegularForReading(path);
    if (sealed === undefined) return undefined;
    return { chunks: inflated(sealed, path, start, chunk), sealed: true };
  }

  /** One segment's text in pieces, opened never through a symlink. */
  private async *text(segment: string): AsyncGenerator<string> {
    const opened = await this.openSegment(segment, 0, TEXT_CHUNK);
    if (opened === undefined) return;
    // A character split between two pieces is held back until the rest of it comes.
    const decoder = new StringDecoder('utf8');
    for await (const chunk of opened.chunks) yield decoder.write(chunk);
    const rest = decoder.end();
    if (rest !== '') yield rest;
  }

  /** Every whole line of one segment, streamed in chunks (several times faster than readline). */
  async *lines(segment: string): AsyncGenerator<string> {
    for await (const lines of this.lineBatches(segment, () => true)) yield* lines;
  }

  /**
   * The whole lines of one segment that may belong to `family`, in batches (one per chunk read).
   * The store writes every record as `{"received_at":"<24-character time>","family":"<name>",…`,
   * so another family's line is recognised by a few bytes at a fixed offset and never decoded; a
   * line in any other shape (older lines without a family, damage) is passed on for the caller
   * to judge. Reports over a mixed store spend their time on their own lines only.
   */
  familyLines(segment: string, family: string): AsyncGenerator<string[]> {
    const own = `"family":${JSON.stringify(family)},`;
    return this.lineBatches(segment, (text, from, end) => {
      // A family is a string; a line with anything else there is not skipped but judged by the caller.
      const at = from + FAMILY_KEY_AT;
      return !(at < end && text.startsWith(FAMILY_KEY, at) && !text.startsWith(own, at));
    });
  }

  /**
   * The whole, non-empty lines of one segment that `keep` (given the text, and where the line
   * starts and ends in it) takes, a batch per chunk read; a torn last line is left out.
   */
  private async *lineBatches(segment: string, keep: (text: string, from: number, end: number) => boolean): AsyncGenerator<string[]> {
    let carry = '';
    for await (const text of this.text(segment)) {
      // Lines are slices of the chunk's text: cheap to make, and gone once parsed. The line the
      // last chunk left unfinished is completed on its own, never by joining the two chunks: that
      // copy of a whole chunk was as much garbage as the text itself.
      const lines: string[] = [];
      let start = 0;
      if (carry !== '') {
        const newline = text.indexOf('\n');
        if (newline < 0) {
          carry += text;
          continue;
        }
        const line = carry + text.slice(0, newline);
        if (line !== '' && keep(line, 0, line.length)) lines.push(line);
        start = newline + 1;
      }
      for (let newline = text.indexOf('\n', start); newline >= 0; newline = text.indexOf('\n', start)) {
        const from = start;
        start = newline + 1;
        if (newline !== from && keep(text, from, newline)) lines.push(text.slice(from, newline));
      }
      carry = text.slice(start);
      yield lines;
    }
  }

  /**
   * Whole lines of one segment after `offset`, each with the cursor after it, a chunk's lines at a
   * time: one step of the generator per line cost the shipper more than decoding the lines.
   */
  private async *linesFrom(segment: string, offset: number, opened: OpenedSegment): AsyncGenerator<LineAt[]> {
    // The offset of data[0] in the segment.
    let at = offset;
    let carry: Buffer = Buffer.alloc(0);
    for await (const chunk of opened.chunks) {
      const data = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      const lines: LineAt[] = [];
      let start = 0;
      for (let newline = data.indexOf(0x0a); newline >= 0; newline = data.indexOf(0x0a, start)) {
        if (newline > start) lines.push({ line: data.toString('utf8', start, newline), end: { segment, offset: at + newline + 1 } });
        start = newline + 1;
      }
      at += start;
      // Copied: a blocking read fills the same buffer again for the next chunk.
      carry = Buffer.from(data.subarray(start));
      if (lines.length > 0) yield lines;
    }
  }

  /** Up to `limit` whole lines after `cursor`, across segments, each with the cursor after it. */
  async readFrom(cursor: Cursor, limit: number): Promise<LineAt[]> {
    const found: LineAt[] = [];
    for (const segment of await this.segmentsFrom(cursor)) {
      // Checked before opening: a segment opened is always read from, so its file is always closed.
      if (found.length >= limit) return found;
      const offset = segment === cursor.segment ? cursor.offset : 0;
      const kept = this.resumable;
      this.resumable = undefined;
      let lines: AsyncGenerator<LineAt[]>;
      let pending: LineAt[] = [];
      let sealed = true;
      if (kept !== undefined && kept.segment === segment && kept.offset === offset) ({ lines, pending } = kept);
      else {
        await kept?.lines.return(undefined);
        const opened = await this.openSegment(segment, offset, CHUNK);
        if (opened === undefined) continue;
        sealed = opened.sealed;
        lines = this.linesFrom(segment, offset, opened);
      }
      for (;;) {
        if (pending.length === 0) {
          const next = await lines.next();
          if (next.done === true) break;
          pending = next.value;
        }
        const room = limit - found.length;
        for (let index = 0; index < Math.min(room, pending.length); index += 1) found.push(pending[index]!);
        pending = pending.length > room ? pending.slice(room) : [];
        if (found.length >= limit) {
          // A plain segment may still grow, and costs nothing to reopen: only a sealed one is kept.
          if (sealed) this.resumable = { segment, offset: found.at(-1)!.end.offset, lines, pending };
          else await lines.return(undefined);
          return found;
        }
      }
    }
    return found;
  }

  /** How many whole lines follow `cursor`, counted without parsing them. */
  async countFrom(cursor: Cursor): Promise<number> {
    return (await this.countLinesFrom(cursor)).count;
  }

  /** The whole lines after the cursor, and the cursor just after the last of them (the cursor itself if none). */
  async countLinesFrom(cursor: Cursor): Promise<{ count: number; end: Cursor }> {
    let count = 0;
    let end = cursor;
    for (const segment of await this.segmentsFrom(cursor)) {
      const start = segment === cursor.segment ? cursor.offset : 0;
      const opened = await this.openSegment(segment, start, CHUNK);
      if (opened === undefined) continue;
      let offset = start;
      for await (const chunk of opened.chunks) {
        const bytes = chunk as Buffer;
        for (let newline = bytes.indexOf(0x0a); newline >= 0; newline = bytes.indexOf(0x0a, newline + 1)) {
          count += 1;
          end = { segment, offset: offset + newline + 1 };
        }
        offset += bytes.length;
      }
    }
    return { count, end };
  }

  /** Lets go of a sealed segment kept open between reads. */
  async close(): Promise<void> {
    const kept = this.resumable;
    this.resumable = undefined;
    await kept?.lines.return(undefined);
  }

  private async segmentsFrom(cursor: Cursor): Promise<string[]> {
    return (await listSegments(this.dir)).filter((segment) => segment >= cursor.segment);
  }
}

async function* chunksOf(stream: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  for await (const chunk of stream) yield chunk as Buffer;
}

/** openRegularForReading with a blocking call: the descriptor, or undefined when there is no regular file under the name. */
function openRegularSync(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENXIO') return undefined;
    throw error;
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    return undefined;
  }
  return fd;
}

/**
 * A file's bytes from `start` to its end, read with blocking calls into one buffer of `size`
 * bytes: each chunk is overwritten by the next, so a caller keeps copies, never the chunk. Closes
 * the file when done or stopped.
 */
function* readBlocking(fd: number, start: number, size: number): Generator<Buffer> {
  try {
    const buffer = Buffer.allocUnsafe(size);
    let position = start;
    for (let read = readSync(fd, buffer, 0, size, position); read > 0; read = readSync(fd, buffer, 0, size, position)) {
      position += read;
      yield buffer.subarray(0, read);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A sealed segment's text from `start`, inflated member by member with blocking calls
 * (sealed-members.ts); undefined, the file closed, when it is not made of such members (sealed by
 * an older collector): the stream reads it instead. Closes the file when done or stopped.
 */
function blockingSealedText(fd: number, path: string, start: number, chunk: number): Generator<Buffer> | undefined {
  const read: ReadAt = (into, length, position) => {
    let got = 0;
    while (got < length) {
      const n = readSync(fd, into, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  };
  let text: Generator<Buffer> | undefined;
  try {
    text = blockingMemberText(read, start, chunk);
  } finally {
    if (text === undefined) closeSync(fd);
  }
  if (text === undefined) return undefined;
  return closingWhenDone(fd, path, text);
}

function* closingWhenDone(fd: number, path: string, text: Generator<Buffer>): Generator<Buffer> {
  try {
    yield* text;
  } catch (error) {
    throw error instanceof DamagedMemberError ? new DamagedSegmentError(path, error.reason) : error;
  } finally {
    closeSync(fd);
  }
}

async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

/**
 * A sealed segment's text from `start` (bytes of the text, not of the file): inflated from the
 * beginning, the first `start` bytes dropped. zlib's errors name no file, so they are given one.
 */
async function* inflated(handle: FileHandle, path: string, start: number, chunk: number): AsyncGenerator<Buffer> {
  // pipeline() closes the file when the inflater ends or is destroyed (a reader that stops early).
  // The compressed side is read in large pieces (fewer reads, fewer trips to zlib); the text comes out in `chunk`s.
  const gunzip = pipeline(handle.createReadStream({ highWaterMark: CHUNK }), createGunzip({ chunkSize: chunk }), () => undefined);
  let skip = start;
  try {
    for await (const piece of gunzip) {
      const bytes = piece as Buffer;
      if (skip >= bytes.length) {
        skip -= bytes.length;
        continue;
      }
      yield skip === 0 ? bytes : bytes.subarray(skip);
      skip = 0;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new DamagedSegmentError(path, (error as Error).message);
    throw error;
  }
}

/**
 * The bytes of whole lines at the start of a file of `size` bytes: up to and including its last
 * newline. What follows is a torn line, never acknowledged (acks follow the fsync of whole lines).
 */
export async function wholeLinesSize(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const index = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (index >= 0) return start + index + 1;
    end = start;
  }
  return 0;
}

/** A crash can leave a last line without its newline; it is cut off before appending. Returns the size that is kept. */
async function cutTornTail(handle: FileHandle, size: number): Promise<number> {
  const keep = await wholeLinesSize(handle, size);
  if (keep < size) await handle.truncate(keep);
  return keep;
}
