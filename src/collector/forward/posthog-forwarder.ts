/**
 * Forwards stored events to PostHog's batch API. It reads the segments from a persisted cursor
 * (segment, byte offset), so an outage or a restart loses nothing: failures are retried with capped
 * backoff, a 413 halves the batch, and the cursor moves only after PostHog has accepted a batch.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import ky, { HTTPError } from 'ky';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import type { Logger } from '../../log/logger.js';
import { nodeHttpFetch } from '../../net/node-http-fetch.js';
import { backoffDelayMs } from '../../time/backoff.js';
import type { StoredRecord } from '../store/record.js';
import { SegmentReader, START, type Cursor } from '../store/segments.js';
import { toPostHogEvent } from './posthog-event.js';

export const CURSOR_FILE = 'posthog-cursor.json';
/** Far under PostHog's 20 MB batch limit; an event is about 500 bytes. */
export const MAX_BATCH = 500;
const RETRY_BACKOFF = { firstMs: 500, maxMs: 60_000 };

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
  events: StoredRecord[];
  /** The cursor after the last line read, damaged lines included; undefined when nothing was read. */
  through: Cursor | undefined;
}

export class PostHogForwarder {
  private cursor: Cursor = START;
  private readonly reader: SegmentReader;
  private batchSize = MAX_BATCH;
  private readonly stop = new AbortController();
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Stored events not yet accepted by PostHog (the forward queue depth). */
  pending = 0;

  constructor(private readonly options: ForwarderOptions) {
    this.reader = new SegmentReader(options.dataDir);
  }

  async start(): Promise<void> {
    this.cursor = await this.loadCursor();
    this.pending = await this.reader.countFrom(this.cursor);
    this.running = this.loop();
  }

  /** New events were stored; look now rather than at the next poll. */
  notify(count = 1): void {
    this.pending += count;
    this.wake?.();
  }

  async close(): Promise<void> {
    this.stop.abort();
    this.wake?.();
    await this.running;
  }

  private async loadCursor(): Promise<Cursor> {
    try {
      const cursor = JSON.parse(await readFile(join(this.options.dataDir, CURSOR_FILE), 'utf8')) as Cursor;
      if (typeof cursor.segment === 'string' && Number.isInteger(cursor.offset) && cursor.offset >= 0) return cursor;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.options.logger.warn('forward cursor unreadable; starting from the oldest segment');
    }
    return START;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stop.signal.aborted) {
      const batch = await this.readBatch(this.batchSize);
      if (batch.through === undefined) {
        this.pending = 0;
        await this.sleep(this.options.pollMs ?? 1_000);
        continue;
      }
      if (batch.events.length === 0) {
        // Only damaged lines: step over them rather than read them again forever.
        await this.advance(batch.through);
        continue;
      }
      const outcome = await this.post(batch.events);
      if (outcome === 'ok') {
        failures = 0;
        this.batchSize = MAX_BATCH;
        await this.advance(batch.through);
        this.pending = Math.max(0, this.pending - batch.events.length);
        this.options.onForwarded?.(batch.events.length);
      } else if (outcome === 'too-large' && this.batchSize > 1) {
        this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
        this.options.logger.warn('PostHog said the batch is too large; halving it', { batch_size: this.batchSize });
      } else {
        failures += 1;
        const waitMs = backoffDelayMs(failures, RETRY_BACKOFF);
        this.options.logger.warn('PostHog forward failed; will retry', { attempt: failures, retry_in_ms: waitMs, reason: outcome });
        await this.sleep(waitMs);
      }
    }
  }

  private async advance(cursor: Cursor): Promise<void> {
    this.cursor = cursor;
    await writeFileAtomic(join(this.options.dataDir, CURSOR_FILE), JSON.stringify(cursor));
  }

  private async sleep(ms: number): Promise<void> {
    const woken = new Promise<void>((resolve) => (this.wake = resolve));
    await Promise.race([delay(ms, undefined, { signal: this.stop.signal }).catch(() => undefined), woken]);
    this.wake = undefined;
  }

  /** Whole lines only: a line still being appended has no newline yet and waits for the next read. */
  private async readBatch(limit: number): Promise<Batch> {
    const batch: Batch = { events: [], through: undefined };
    for (const { line, end } of await this.reader.readFrom(this.cursor, limit)) {
      batch.through = end;
      try {
        batch.events.push(JSON.parse(line) as StoredRecord);
      } catch {
        this.options.logger.warn('skipping a damaged line in the store', { segment: end.segment, offset: end.offset });
      }
    }
    return batch;
  }

  private async post(events: StoredRecord[]): Promise<'ok' | 'too-large' | string> {
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
