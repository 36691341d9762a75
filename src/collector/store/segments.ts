/**
 * The segment file format, owned here alone: newline-delimited JSON, one file per UTC day of
 * arrival (events-YYYY-MM-DD.ndjson). A line counts only once its newline is on disk, so every
 * reader below sees whole lines and ignores a tail still being written (or torn by a crash).
 *
 * Files in the data directory are only ever opened with O_NOFOLLOW and used only when they are
 * regular files: a symlink planted under a segment's name is refused, never followed, truncated
 * or appended to.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

export const SEGMENT_PATTERN = /^events-(\d{4}-\d{2}-\d{2})\.ndjson$/;

export function segmentName(day: Date): string {
  return `events-${day.toISOString().slice(0, 10)}.ndjson`;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The segment a record received at `receivedAt` belongs in; toISOString's form is read without a Date. */
export function segmentOf(receivedAt: string): string {
  return ISO_INSTANT.test(receivedAt) ? `events-${receivedAt.slice(0, 10)}.ndjson` : segmentName(new Date(receivedAt));
}

/** The UTC day a segment holds, e.g. "2026-11-23". */
export const segmentDay = (segment: string): string => SEGMENT_PATTERN.exec(segment)?.[1] ?? '';

/** Read-only, never through a symlink (ELOOP instead). */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW;
/**
 * Append, create 0600, never through a symlink; O_NONBLOCK so that a FIFO planted under the name
 * fails the regular-file check below instead of blocking the open (it changes nothing for a
 * regular file). Read access is for cutting a torn tail.
 */
const APPEND_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export interface SegmentListing {
  /** Segment names in order, regular files only. */
  segments: string[];
  /** Entries named like a segment that are not regular files (directories, symlinks, …): never read. */
  ignored: string[];
}

export async function listSegmentEntries(dir: string): Promise<SegmentListing> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(error)));
  const named = entries.filter((entry) => SEGMENT_PATTERN.test(entry.name));
  return {
    segments: named
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
      .sort(),
    ignored: named
      .filter((entry) => !entry.isFile())
      .map((entry) => entry.name)
      .sort(),
  };
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

/** A position in the store: just after a line of `segment` ('' = before the first segment). */
export interface Cursor {
  segment: string;
  offset: number;
}

export const START: Cursor = { segment: '', offset: 0 };

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
 */
const TEXT_CHUNK = 64 * 1024;

/** Where the writer puts a record's family: right after `{"received_at":"<24-character ISO time>",`. */
const FAMILY_AT = '{"received_at":"2026-01-01T00:00:00.000Z",'.length;
/** A family is a string; a line with anything else there is not skipped but judged by the caller. */
const FAMILY_KEY = '"family":"';

export interface SegmentReaderOptions {
  /**
   * Read with blocking system calls, for a thread that has nothing else to do (a report's worker
   * thread, a one-shot CLI): measured on the billing report's segments, a stream's trips through
   * the thread pool and its promises cost five times the CPU of the reads themselves.
   */
  blocking?: boolean;
}

export class SegmentReader {
  constructor(
    readonly dir: string,
    private readonly options: SegmentReaderOptions = {},
  ) {}

  /** One segment's text in pieces, opened never through a symlink. */
  private async text(segment: string): Promise<AsyncIterable<string> | Iterable<string>> {
    if (this.options.blocking === true) return blockingText(join(this.dir, segment));
    return (await open(join(this.dir, segment), READ_FLAGS)).createReadStream({ encoding: 'utf8', highWaterMark: TEXT_CHUNK });
  }

  /** Every whole line of one segment, streamed in chunks (several times faster than readline). */
  async *lines(segment: string): AsyncGenerator<string> {
    let carry = '';
    for await (const chunk of await this.text(segment)) {
      const lines = (carry + (chunk as string)).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) if (line !== '') yield line;
    }
  }

  /**
   * The whole lines of one segment that may belong to `family`, in batches (one per chunk read).
   * The store writes every record as `{"received_at":"<24-character time>","family":"<name>",…`,
   * so another family's line is recognised by a few bytes at a fixed offset and never decoded; a
   * line in any other shape (older lines without a family, damage) is passed on for the caller
   * to judge. Reports over a mixed store spend their time on their own lines only.
   */
  async *familyLines(segment: string, family: string): AsyncGenerator<string[]> {
    const own = `"family":${JSON.stringify(family)},`;
    let carry = '';
    for await (const chunk of await this.text(segment)) {
      // Lines are slices of the chunk's text: cheap to make, and gone once parsed.
      const text = carry + (chunk as string);
      const lines: string[] = [];
      let start = 0;
      for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
        const from = start;
        start = newline + 1;
        if (newline === from) continue;
        const at = from + FAMILY_AT;
        if (at < newline && text.startsWith(FAMILY_KEY, at) && !text.startsWith(own, at)) continue;
        lines.push(text.slice(from, newline));
      }
      carry = text.slice(start);
      yield lines;
    }
  }

  /** Up to `limit` whole lines after `cursor`, across segments, each with the cursor after it. */
  async readFrom(cursor: Cursor, limit: number): Promise<LineAt[]> {
    const found: LineAt[] = [];
    for (const segment of await this.segmentsFrom(cursor)) {
      const handle = await open(join(this.dir, segment), READ_FLAGS);
      try {
        let offset = segment === cursor.segment ? cursor.offset : 0;
        let carry = Buffer.alloc(0);
        for (;;) {
          const chunk = Buffer.alloc(CHUNK);
          const { bytesRead } = await handle.read(chunk, 0, CHUNK, offset + carry.length);
          if (bytesRead === 0) break;
          let data = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
          for (let newline = data.indexOf(0x0a); newline >= 0; newline = data.indexOf(0x0a)) {
            const line = data.subarray(0, newline).toString('utf8');
            offset += newline + 1;
            data = data.subarray(newline + 1);
            if (line !== '') found.push({ line, end: { segment, offset } });
            if (found.length >= limit) return found;
          }
          carry = data;
        }
      } finally {
        await handle.close();
      }
    }
    return found;
  }

  /** How many whole lines follow `cursor`, counted without parsing them. */
  async countFrom(cursor: Cursor): Promise<number> {
    let count = 0;
    for (const segment of await this.segmentsFrom(cursor)) {
      const start = segment === cursor.segment ? cursor.offset : 0;
      for await (const chunk of (await open(join(this.dir, segment), READ_FLAGS)).createReadStream({ start, highWaterMark: CHUNK })) {
        const bytes = chunk as Buffer;
        for (let newline = bytes.indexOf(0x0a); newline >= 0; newline = bytes.indexOf(0x0a, newline + 1)) count += 1;
      }
    }
    return count;
  }

  private async segmentsFrom(cursor: Cursor): Promise<string[]> {
    return (await listSegments(this.dir)).filter((segment) => segment >= cursor.segment);
  }
}

/** A file's text in TEXT_CHUNK pieces, read synchronously; a character cut between two reads is joined. */
function* blockingText(path: string): Generator<string> {
  const fd = openSync(path, READ_FLAGS);
  try {
    const buffer = Buffer.allocUnsafe(TEXT_CHUNK);
    const decoder = new StringDecoder('utf8');
    for (let read = readSync(fd, buffer, 0, TEXT_CHUNK, null); read > 0; read = readSync(fd, buffer, 0, TEXT_CHUNK, null)) yield decoder.write(buffer.subarray(0, read));
    const rest = decoder.end();
    if (rest !== '') yield rest;
  } finally {
    closeSync(fd);
  }
}

/**
 * A crash can leave a last line without its newline. It was never acknowledged (acks follow the
 * fsync of whole lines), so it is cut off before appending. Returns the size that is kept.
 */
async function cutTornTail(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const index = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (index >= 0) {
      const keep = start + index + 1;
      if (keep < size) await handle.truncate(keep);
      return keep;
    }
    end = start;
  }
  if (size > 0) await handle.truncate(0);
  return 0;
}
