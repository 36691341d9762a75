/**
 * The embedded store's writer: appends lines to the segment of their arrival day (the format is
 * segments.ts's). Appends are group-committed: every event waiting while one batch is being
 * written and fsynced goes into the next batch, so durability costs one fsync per batch, not per
 * event. A caller's promise resolves only after its line is on disk.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredRecord } from './record.js';
import { cutTornTail, segmentName } from './segments.js';

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

  append(record: StoredRecord): Promise<void> {
    return this.appendAll([record]);
  }

  /** Stores the records together: they land in one write, so they are acknowledged together. */
  appendAll(records: readonly StoredRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      // One request's events share a receive time, hence a segment.
      const line = records.map((record) => `${JSON.stringify(record)}\n`).join('');
      this.queue.push({ line, day: segmentName(new Date(records[0]!.received_at)), resolve, reject });
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
