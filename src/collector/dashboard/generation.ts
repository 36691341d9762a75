/**
 * The store's generation as a report over a window sees it: the name, size and modification time
 * of every segment the report would read. The store only ever appends to segments and adds new
 * ones, so while this string is the same, so is every report over the window. It is read from the
 * files, not from the running store, so it also sees segments written by another process.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listSegmentEntries, segmentDay } from '../store/segments.js';

export async function storeGeneration(dataDir: string, sinceDay: string): Promise<string> {
  const { segments } = await listSegmentEntries(dataDir);
  const parts = await Promise.all(
    segments
      .filter((segment) => segmentDay(segment) >= sinceDay)
      .map(async (segment) => {
        const info = await stat(join(dataDir, segment)).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
        return info === undefined ? '' : `${segment}:${info.size}:${info.mtimeMs}`;
      }),
  );
  return parts.join('|');
}
