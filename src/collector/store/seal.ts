/**
 * Sealing: a past day's segment is gzipped into events-YYYY-MM-DD.ndjson.gz (a series of gzip
 * members of 256 KiB of text each: sealed-members.ts), and the plain file removed. The order is
 * what makes a crash at any point harmless:
 *
 *   1. the plain file's whole lines are gzipped into a temporary file (.events-….ndjson.gz.<hex>.tmp),
 *      which is fsynced;
 *   2. it is renamed to the sealed name, and the directory fsynced;
 *   3. only then is the plain file removed.
 *
 * Before 2, the plain file is all there is (a leftover temporary file is never read, and is removed
 * by a later run). Between 2 and 3 both are there: readers take the plain one (segments.ts), and the
 * next run seals again from it, replacing the gzip, before removing it. After 3 the gzip is complete.
 *
 * A day is sealed once it has been over for SEAL_GRACE_MS: long enough for a request that arrived
 * just before midnight to be written, and for a clock stepped back by a little to find its day still
 * open. The store is told first (closeDaysBefore), and never appends to a sealed day again.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory } from '../../fs/fsync.js';
import { gzipMember, MEMBER_TEXT } from './sealed-members.js';
import { listSegmentEntries, openRegularForReading, sealedName, segmentDay, wholeLinesSize } from './segments.js';

/** How long after its day ended a segment is sealed. */
export const SEAL_GRACE_MS = 60 * 60_000;
/** zlib's default. Level 9 was measured to shrink stored events only about 2% more (random ids dominate what is left). */
const GZIP_LEVEL = 6;
/** The temporary file sealing writes, named so that nothing else in the data directory matches it. */
const TEMP_PATTERN = /^\.events-\d{4}-\d{2}-\d{2}\.ndjson\.gz\.[0-9a-f]{12}\.tmp$/;
/** A temporary file this old belongs to no seal still running (a seal takes seconds): it was left by a crash. */
const STALE_TEMP_MS = SEAL_GRACE_MS;

/** The points of a seal, in order; a test stops a seal at each one to stand for a crash there. */
export type SealStep = 'temp-written' | 'renamed' | 'directory-synced' | 'plain-removed';

export interface SealOptions {
  signal?: AbortSignal;
  /** Called after each step; a test throws from it to leave the directory as a crash there would. */
  afterStep?: (step: SealStep, segment: string) => void | Promise<void>;
}

export interface Sealed {
  segment: string;
  /** Bytes of whole lines gzipped. */
  bytes: number;
  /** Bytes of the gzip file. */
  sealedBytes: number;
  /** Bytes of a torn last line left out (never acknowledged). */
  cut: number;
}

/** The first day ("YYYY-MM-DD") whose segment is not due for sealing at `now`. */
export function firstOpenDay(now: Date, graceMs = SEAL_GRACE_MS): string {
  return new Date(now.getTime() - graceMs).toISOString().slice(0, 10);
}

/** A seal was not done because something not made by the collector holds the sealed name. */
export class SealRefusedError extends Error {
  override name = 'SealRefusedError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}; leaving the segment unsealed`);
  }
}

/**
 * Seals one segment (see the top of the file). Resolves undefined when its plain file is gone
 * (sealed meanwhile, or never there). The store must already have closed the segment's day.
 */
export async function sealSegment(dir: string, segment: string, options: SealOptions = {}): Promise<Sealed | undefined> {
  const plainPath = join(dir, segment);
  const sealedPath = join(dir, sealedName(segment));
  const plain = await openRegularForReading(plainPath);
  if (plain === undefined) return undefined;
  const temp = join(dir, `.${sealedName(segment)}.${randomBytes(6).toString('hex')}.tmp`);
  let sealedBytes: number;
  let bytes: number;
  let size: number;
  const plainStats = await plain.stat();
  try {
    // Renaming over a symlink or a directory would replace something the collector never made.
    const existing = await lstat(sealedPath).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
    if (existing !== undefined && !existing.isFile()) throw new SealRefusedError(sealedPath, 'is not a regular file');
    size = plainStats.size;
    bytes = await wholeLinesSize(plain, size);
    sealedBytes = await gzipInto(plain, bytes, temp, options.signal);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  } finally {
    await plain.close();
  }
  await options.afterStep?.('temp-written', segment);
  try {
    await rename(temp, sealedPath);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await options.afterStep?.('renamed', segment);
  await fsyncDirectory(dir);
  await options.afterStep?.('directory-synced', segment);
  // Only the file that was gzipped: one put in its place meanwhile is not the collector's to remove.
  const current = await lstat(plainPath).catch(() => undefined);
  if (current?.isFile() === true && current.ino === plainStats.ino && current.dev === plainStats.dev) await unlink(plainPath);
  await options.afterStep?.('plain-removed', segment);
  return { segment, bytes, sealedBytes, cut: size - bytes };
}

/**
 * Gzips the first `bytes` bytes of `source` into a new file at `temp`, durably, as a series of
 * members (sealed-members.ts); resolves with its size.
 */
async function gzipInto(source: FileHandle, bytes: number, temp: string, signal: AbortSignal | undefined): Promise<number> {
  const out = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const text = Buffer.allocUnsafe(Math.min(bytes, MEMBER_TEXT));
    let written = 0;
    let position = 0;
    // At least one member: an empty segment still becomes a gzip file, as gzip makes of an empty file.
    do {
      signal?.throwIfAborted();
      const length = Math.min(text.length, bytes - position);
      const { bytesRead } = length === 0 ? { bytesRead: 0 } : await source.read(text, 0, length, position);
      if (length > 0 && bytesRead === 0) throw Object.assign(new Error(`the segment ended at byte ${position} of the ${bytes} being sealed`), { code: 'EIO' });
      position += bytesRead;
      const member = await gzipMember(text.subarray(0, bytesRead), GZIP_LEVEL);
      for (let at = 0; at < member.length; ) {
        const { bytesWritten } = await out.write(member, at);
        at += bytesWritten;
      }
      written += member.length;
    } while (position < bytes);
    await out.sync();
    return written;
  } finally {
    await out.close();
  }
}

export interface SealRun {
  sealed: Sealed[];
  /** Segments not sealed, with why (a seal refused or failed); tried again on the next run. */
  failed: { segment: string; error: Error }[];
  /** Temporary files left by a crashed seal, removed. */
  removedTemps: string[];
}

/**
 * Seals every segment of a day before `openDay` that still has a plain file (including one left
 * beside its gzip by a crash), after removing stale temporary files of earlier seals.
 */
export async function sealBefore(dir: string, openDay: string, now: Date, options: SealOptions = {}): Promise<SealRun> {
  const removedTemps = await removeStaleTemps(dir, now);
  const run: SealRun = { sealed: [], failed: [], removedTemps };
  for (const segment of (await listSegmentEntries(dir)).plain) {
    if (segmentDay(segment) >= openDay) continue;
    options.signal?.throwIfAborted();
    try {
      const sealed = await sealSegment(dir, segment, options);
      if (sealed !== undefined) run.sealed.push(sealed);
    } catch (error) {
      if (options.signal?.aborted === true) throw error;
      run.failed.push({ segment, error: error as Error });
    }
  }
  return run;
}

/** Removes temporary files of seals that crashed: exactly their name pattern, regular files, not touched lately. */
async function removeStaleTemps(dir: string, now: Date): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !TEMP_PATTERN.test(entry.name)) continue;
    const stats = await lstat(join(dir, entry.name)).catch(() => undefined);
    if (stats === undefined || !stats.isFile() || now.getTime() - stats.mtimeMs < STALE_TEMP_MS) continue;
    await unlink(join(dir, entry.name));
    removed.push(entry.name);
  }
  return removed;
}
