/**
 * The embedded store: append-only newline-delimited JSON, one segment file per UTC day
 * (events-YYYY-MM-DD.ndjson). Appends are group-committed: every event waiting while one batch is
 * being written and fsynced goes into the next batch, so durability costs one fsync per batch,
 * not per event. A caller's promise resolves only after its line is on disk.
 */
import { mkdir, open, readdir, stat, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { SubmitTbotEventRequest } from '../analytics/wire.js';

export interface StoredEvent {
  received_at: string;
  event: SubmitTbotEventRequest;
}

export const SEGMENT_PATTERN = /^events-(\d{4}-\d{2}-\d{2})\.ndjson$/;

export function segmentName(day: Date): string {
  return `events-${day.toISOString().slice(0, 10)}.ndjson`;
}

export async function listSegments(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(error)));
  return names.filter((name) => SEGMENT_PATTERN.test(name)).sort();
}

export interface StoreHooks {
  /** Called once per fsynced batch with its size and how long the write took. */
  onBatch?: (events: number, millis: number) => void;
  /** Called for each torn tail found (and cut) when a segment is opened. */
  onTornTail?: (segment: string, bytes: number) => void;
}

interface Pending {
  line: string;
  day: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class SegmentStore {
  private queue: Pending[] = [];
  /** The batch loop while it runs; absent when the queue is empty. */
  private draining: Promise<void> | undefined;
  private handles = new Map<string, FileHandle>();

  constructor(
    readonly dir: string,
    private readonly hooks: StoreHooks = {},
  ) {}

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  append(record: StoredEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ line: `${JSON.stringify(record)}\n`, day: segmentName(new Date(record.received_at)), resolve, reject });
      this.startDrain();
    });
  }

  private startDrain(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      // An append that arrived just as the loop finished saw it still running; pick it up.
      if (this.queue.length > 0) this.startDrain();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const started = performance.now();
      try {
        const byDay = new Map<string, string[]>();
        for (const item of batch) {
          const lines = byDay.get(item.day);
          if (lines === undefined) byDay.set(item.day, [item.line]);
          else lines.push(item.line);
        }
        for (const [day, lines] of byDay) {
          const handle = await this.handleFor(day);
          await handle.appendFile(lines.join(''));
          await handle.datasync();
        }
        this.hooks.onBatch?.(batch.length, performance.now() - started);
        for (const item of batch) item.resolve();
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
  }

  private async handleFor(day: string): Promise<FileHandle> {
    const existing = this.handles.get(day);
    if (existing !== undefined) return existing;
    const path = join(this.dir, day);
    const cut = await cutTornTail(path);
    if (cut > 0) this.hooks.onTornTail?.(day, cut);
    const handle = await open(path, 'a', 0o600);
    // Only today's segment is written to; older days are closed as soon as a new day starts.
    for (const [name, old] of this.handles) {
      await old.close();
      this.handles.delete(name);
    }
    this.handles.set(day, handle);
    return handle;
  }

  async close(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
    for (const handle of this.handles.values()) await handle.close();
    this.handles.clear();
  }
}

/**
 * A crash can leave a last line without its newline. It was never acknowledged (acks follow the
 * fsync of whole lines), so it is cut off before appending. Returns the bytes removed.
 */
export async function cutTornTail(path: string): Promise<number> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  if (size === 0) return 0;
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
    let end = size;
    // Walk back to the last newline.
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const index = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (index >= 0) {
        const keep = start + index + 1;
        if (keep === size) return 0;
        await truncate(path, keep);
        return size - keep;
      }
      end = start;
    }
    await truncate(path, 0);
    return size;
  } finally {
    await handle.close();
  }
}
