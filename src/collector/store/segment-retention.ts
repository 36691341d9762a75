/**
 * The local segments as a retention target. It deletes a segment only when all of these hold:
 * - its day ended at or before the cutoff;
 * - it is sealed (its .gz file is there, its plain file gone): a day not sealed yet is still the
 *   writer's or the sealer's, and a plain file beside a gzip is a crashed seal to finish first;
 * - the file is exactly a sealed segment's name and a regular file (never a symlink, never a
 *   directory, never anything else in the data directory);
 * - every consumer reading the segments from its own cursor (the PostHog forwarder; a shipper)
 *   has passed it. What is kept back for that is said in the log, with whom it waits for.
 */
import { lstat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../log/logger.js';
import type { RetentionTarget } from './retention.js';
import { listSegmentEntries, SegmentReader, sealedName, segmentDay, type Cursor } from './segments.js';

/** A consumer of the segments with a cursor of its own; segments it has not passed are kept. */
export interface CursorHolder {
  /** Named in the log, e.g. "the PostHog forwarder". */
  name: string;
  /** Its cursor now; undefined when it holds nothing back (it has never run and is not configured). */
  position(): Promise<Cursor | undefined>;
}

const DAY_MS = 86_400_000;

/** Whether the whole day of `segment` lies before `cutoff`. */
const dayOver = (segment: string, cutoff: Date): boolean => Date.parse(`${segmentDay(segment)}T00:00:00.000Z`) + DAY_MS <= cutoff.getTime();

export function segmentRetention(dir: string, holders: readonly CursorHolder[], logger: Logger): RetentionTarget {
  const reader = new SegmentReader(dir);
  /**
   * The last segment `holder` has passed entirely: the one before the segment of the first line
   * after its cursor, or every segment when no line follows it.
   */
  async function passedThrough(cursor: Cursor): Promise<(segment: string) => boolean> {
    const [next] = await reader.readFrom(cursor, 1);
    if (next === undefined) return () => true;
    return (segment) => segment < next.end.segment;
  }
  return {
    name: 'local segments',
    async dropBefore(cutoff) {
      try {
        return await drop(cutoff);
      } finally {
        // A sealed segment read to place a cursor is not kept open until the next run.
        await reader.close();
      }
    },
  };

  async function drop(cutoff: Date): Promise<string[]> {
    const listing = await listSegmentEntries(dir);
    const plain = new Set(listing.plain);
    const due = listing.sealed.filter((segment) => !plain.has(segment) && dayOver(segment, cutoff));
    if (due.length === 0) return [];
    let deletable = due;
    for (const holder of holders) {
      const cursor = await holder.position();
      if (cursor === undefined) continue;
      const passed = await passedThrough(cursor);
      const kept = deletable.filter((segment) => !passed(segment));
      if (kept.length > 0) logger.info('retention kept back segments not yet read', { target: 'local segments', waiting_for: holder.name, kept: kept.map(sealedName).join(' ') });
      deletable = deletable.filter(passed);
    }
    const deleted: string[] = [];
    for (const segment of deletable) {
      const name = sealedName(segment);
      const path = join(dir, name);
      // Looked at again just before: only a regular file, never what a symlink points to.
      const stats = await lstat(path).catch(() => undefined);
      if (stats === undefined || !stats.isFile()) continue;
      await unlink(path);
      deleted.push(name);
    }
    return deleted;
  }
}
