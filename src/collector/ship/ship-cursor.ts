/**
 * Where the shipper is in the local segments: `postgres-ship-cursor.json` in the data directory,
 * replaced atomically, and only after the batch before it has been committed to PostgreSQL. It
 * also names the store it counts for (host:port/database, never a user or password): pointed at
 * another database, the shipper starts over from the oldest segment, and the uuids keep that from
 * storing anything twice.
 */
import { constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import { START, type Cursor } from '../store/segments.js';

export const SHIP_CURSOR_FILE = 'postgres-ship-cursor.json';

interface SavedCursor extends Cursor {
  store: string;
}

export type LoadedCursor = { cursor: Cursor; found: 'saved' | 'none' | 'other-store' | 'unreadable' };

export async function loadShipCursor(dataDir: string, store: string): Promise<LoadedCursor> {
  let text: string;
  try {
    // Like a segment, never read through a symlink planted in the data directory.
    text = await readFile(join(dataDir, SHIP_CURSOR_FILE), { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW });
  } catch (error) {
    return { cursor: START, found: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'none' : 'unreadable' };
  }
  try {
    const saved = JSON.parse(text) as Partial<SavedCursor>;
    if (typeof saved.segment !== 'string' || !Number.isSafeInteger(saved.offset) || (saved.offset ?? -1) < 0 || typeof saved.store !== 'string')
      return { cursor: START, found: 'unreadable' };
    if (saved.store !== store) return { cursor: START, found: 'other-store' };
    return { cursor: { segment: saved.segment, offset: saved.offset! }, found: 'saved' };
  } catch {
    return { cursor: START, found: 'unreadable' };
  }
}

export async function saveShipCursor(dataDir: string, store: string, cursor: Cursor): Promise<void> {
  const saved: SavedCursor = { segment: cursor.segment, offset: cursor.offset, store };
  await writeFileAtomic(join(dataDir, SHIP_CURSOR_FILE), `${JSON.stringify(saved)}\n`);
}
