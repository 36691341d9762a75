/**
 * The forwarder's cursor file, posthog-cursor.json in the data directory: `{"segment":…,"offset":…}`,
 * the position just after the last line PostHog accepted (or that was parked). Offsets count bytes
 * of a segment's uncompressed text (segments.ts), so the file means the same before and after the
 * segment is sealed; files written before sealing existed are read as they are.
 */
import { constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CursorHolder } from '../store/segment-retention.js';
import { START, type Cursor } from '../store/segments.js';

export const CURSOR_FILE = 'posthog-cursor.json';

/** The cursor file is there but is not a cursor; the forwarder starts over from the oldest segment. */
export class UnreadableCursorError extends Error {
  override name = 'UnreadableCursorError';
}

/**
 * The saved cursor; undefined when there is no file (nothing forwarded yet). Like a segment, the
 * file is never read through a symlink planted in the data directory.
 */
export async function readForwardCursor(dataDir: string): Promise<Cursor | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, CURSOR_FILE), { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UnreadableCursorError(`${CURSOR_FILE}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const cursor = JSON.parse(text) as Cursor;
    if (typeof cursor.segment === 'string' && Number.isInteger(cursor.offset) && cursor.offset >= 0) return { segment: cursor.segment, offset: cursor.offset };
  } catch {
    // Reported below, as any other shape is.
  }
  throw new UnreadableCursorError(`${CURSOR_FILE}: not a cursor`);
}

/**
 * The forwarder as a holder of the segments, for retention: its saved cursor, read from the file
 * whether or not it forwards in this run (a later run with forwarding must find its events).
 * Before its first batch it holds everything when it is on; an unreadable file holds everything.
 */
export function forwarderHolder(dataDir: string, forwarding: boolean): CursorHolder {
  return {
    name: 'the PostHog forwarder',
    position: async () => {
      try {
        return (await readForwardCursor(dataDir)) ?? (forwarding ? START : undefined);
      } catch {
        return START;
      }
    },
  };
}
