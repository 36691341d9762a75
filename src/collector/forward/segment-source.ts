/**
 * The forwarder's source on one instance: the local segments, read from a persisted cursor
 * (segment, byte offset in its uncompressed text: valid across sealing; see cursor-file.ts) that
 * moves only once lines were dealt with, so an outage or a restart loses nothing.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import type { Logger } from '../../log/logger.js';
import { SegmentReader, START, type Cursor } from '../store/segments.js';
import { CURSOR_FILE, readForwardCursor } from './cursor-file.js';
import type { ForwardSource, SourceLine } from './forward-source.js';

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

  /** Lets go of a sealed segment's stream the reader kept open between reads. */
  async close(): Promise<void> {
    await this.reader.close();
  }

  private async loadCursor(): Promise<Cursor> {
    try {
      return (await readForwardCursor(this.dataDir)) ?? START;
    } catch {
      this.logger.warn('forward cursor unreadable; starting from the oldest segment');
      return START;
    }
  }
}
