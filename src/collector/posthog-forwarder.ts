/**
 * Forwards stored events to PostHog's batch API. It reads the segments from a persisted cursor
 * (segment, byte offset), so an outage or a restart loses nothing: failures are retried with capped
 * backoff, a 413 halves the batch, and the cursor moves only after PostHog has accepted a batch.
 */
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import ky, { HTTPError } from 'ky';
import { nodeHttpFetch } from '../analytics/node-http-fetch.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { Logger } from '../log/logger.js';
import { toPostHogEvent } from './posthog-event.js';
import { listSegments, type StoredEvent } from './segment-store.js';

export const CURSOR_FILE = 'posthog-cursor.json';
/** Far under PostHog's 20 MB batch limit; an event is about 500 bytes. */
export const MAX_BATCH = 500;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 60_000;
const READ_CHUNK = 256 * 1024;

export interface Cursor {
  segment: string;
  offset: number;
}

export interface ForwarderOptions {
  dataDir: string;
  host: string;
  apiKey: string;
  logger: Logger;
  /** How often to look for new events when caught up. */
  pollMs?: number;
  requestTimeoutMs?: number;
  onForwarded?: (count: number) => void;
}

interface Batch {
  events: StoredEvent[];
  /** Cursor positions just after each event's line. */
  ends: Cursor[];
}

export class PostHogForwarder {
  private cursor: Cursor = { segment: '', offset: 0 };
  private batchSize = MAX_BATCH;
  private readonly stop = new AbortController();
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Stored events not yet accepted by PostHog (the forward queue depth). */
  pending = 0;

  constructor(private readonly options: ForwarderOptions) {}

  async start(): Promise<void> {
    this.cursor = await this.loadCursor();
    this.pending = await this.countBacklog();
    this.running = this.loop();
  }

  /** New events were stored; look now rather than at the next poll. */
  notify(): void {
    this.pending += 1;
    this.wake?.();
  }

  async close(): Promise<void> {
    this.stop.abort();
    this.wake?.();
    await this.running;
  }

  /** Lines after the cursor, counted without parsing them. */
  private async countBacklog(): Promise<number> {
    let count = 0;
    for (const segment of await listSegments(this.options.dataDir)) {
      if (segment < this.cursor.segment) continue;
      const start = segment === this.cursor.segment ? this.cursor.offset : 0;
      for await (const chunk of createReadStream(join(this.options.dataDir, segment), { start })) {
        for (let index = 0; (index = (chunk as Buffer).indexOf(0x0a, index) + 1) > 0; ) count += 1;
      }
    }
    return count;
  }

  private async loadCursor(): Promise<Cursor> {
    try {
      const cursor = JSON.parse(await readFile(join(this.options.dataDir, CURSOR_FILE), 'utf8')) as Cursor;
      if (typeof cursor.segment === 'string' && Number.isInteger(cursor.offset) && cursor.offset >= 0) return cursor;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.options.logger.warn('forward cursor unreadable; starting from the oldest segment');
    }
    return { segment: '', offset: 0 };
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stop.signal.aborted) {
      const batch = await this.readBatch(this.batchSize);
      if (batch.events.length === 0) {
        this.pending = 0;
        await this.sleep(this.options.pollMs ?? 1_000);
        continue;
      }
      const outcome = await this.post(batch.events);
      if (outcome === 'ok') {
        failures = 0;
        this.batchSize = MAX_BATCH;
        this.cursor = batch.ends.at(-1)!;
        await writeFileAtomic(join(this.options.dataDir, CURSOR_FILE), JSON.stringify(this.cursor));
        this.pending = Math.max(0, this.pending - batch.events.length);
        this.options.onForwarded?.(batch.events.length);
      } else if (outcome === 'too-large' && this.batchSize > 1) {
        this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
        this.options.logger.warn('PostHog said the batch is too large; halving it', { batch_size: this.batchSize });
      } else {
        failures += 1;
        const waitMs = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), MAX_RETRY_MS);
        this.options.logger.warn('PostHog forward failed; will retry', { attempt: failures, retry_in_ms: waitMs, reason: outcome });
        await this.sleep(waitMs);
      }
    }
  }

  private async sleep(ms: number): Promise<void> {
    const woken = new Promise<void>((resolve) => (this.wake = resolve));
    await Promise.race([delay(ms, undefined, { signal: this.stop.signal }).catch(() => undefined), woken]);
    this.wake = undefined;
  }

  /** Whole lines only: a line still being appended has no newline yet and waits for the next read. */
  private async readBatch(limit: number): Promise<Batch> {
    const batch: Batch = { events: [], ends: [] };
    const segments = await listSegments(this.options.dataDir);
    let position: Cursor = this.cursor;
    for (const segment of segments) {
      if (segment < position.segment) continue;
      if (segment > position.segment) position = { segment, offset: 0 };
      const handle = await open(join(this.options.dataDir, segment), 'r');
      try {
        let offset = position.offset;
        let carry = Buffer.alloc(0);
        for (;;) {
          const chunk = Buffer.alloc(READ_CHUNK);
          const { bytesRead } = await handle.read(chunk, 0, READ_CHUNK, offset + carry.length);
          if (bytesRead === 0) break;
          let data = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
          let newline: number;
          while ((newline = data.indexOf(0x0a)) >= 0) {
            const line = data.subarray(0, newline).toString('utf8');
            offset += newline + 1;
            data = data.subarray(newline + 1);
            try {
              batch.events.push(JSON.parse(line) as StoredEvent);
              batch.ends.push({ segment, offset });
            } catch {
              this.options.logger.warn('skipping a damaged line in the store', { segment, offset });
            }
            if (batch.events.length >= limit) return batch;
          }
          carry = data;
        }
        position = { segment, offset };
      } finally {
        await handle.close();
      }
    }
    return batch;
  }

  private async post(events: StoredEvent[]): Promise<'ok' | 'too-large' | string> {
    const url = `${this.options.host.replace(/\/+$/, '')}/batch/`;
    try {
      await ky.post(url, {
        json: { api_key: this.options.apiKey, batch: events.map(toPostHogEvent) },
        retry: 0,
        timeout: this.options.requestTimeoutMs ?? 10_000,
        fetch: nodeHttpFetch,
        signal: this.stop.signal,
      });
      return 'ok';
    } catch (error) {
      if (error instanceof HTTPError) return error.response.status === 413 ? 'too-large' : `HTTP ${error.response.status}`;
      return (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    }
  }
}
