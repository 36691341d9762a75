/**
 * The forwarder's source on one instance: the local segments, read from a persisted cursor
 * (segment, byte offset) that moves only once lines were dealt with, so an outage or a restart
 * loses nothing.
 */
import { constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import type { Logger } from '../../log/logger.js';
import { SegmentReader, START, type Cursor } from '../store/segments.js';
import type { ForwardSource, SourceLine } from './forward-source.js';

export const CURSOR_FILE = 'posthog-cursor.json';

interface SegmentLine extends SourceLine {
  /** The cursor just after this line. */
  end: Cursor;
}

export class SegmentSource implements ForwardSource<SegmentLine> {
  readonly announced = true;
  private cursor: Cursor = START;
  private readonly reader: SegmentReader;

  constructor(
    private readonly dataDir: string,
    private readonly logger: Logger,
  ) {
    this.reader = new SegmentReader(dataDir);
  }

  async open(): Promise<number> {
    this.cursor = await this.loadCursor();
    return this.reader.countFrom(this.cursor);
  }

  /** Whole lines only: a line still being appended has no newline yet and waits for the next read. */
  async read(limit: number): Promise<SegmentLine[]> {
    return (await this.reader.readFrom(this.cursor, limit)).map(({ line, end }) => ({ line, end, origin: end }));
  }

  async done(lines: SegmentLine[]): Promise<void> {
    const last = lines.at(-1);
    if (last === undefined) return;
    await writeFileAtomic(join(this.dataDir, CURSOR_FILE), JSON.stringify(last.end));
    this.cursor = last.end;
  }

  /** The cursor did not move, so the same lines are read again. */
  async release(): Promise<void> {}

  async close(): Promise<void> {}

  private async loadCursor(): Promise<Cursor> {
    try {
      // Like a segment, never read through a symlink planted in the data directory.
      const cursor = JSON.parse(await readFile(join(this.dataDir, CURSOR_FILE), { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW })) as Cursor;
      if (typeof cursor.segment === 'string' && Number.isInteger(cursor.offset) && cursor.offset >= 0) return cursor;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn('forward cursor unreadable; starting from the oldest segment');
    }
    return START;
  }
}
