/**
 * `serve --store`: starts the shipper and its PostgreSQL store, in the ship worker thread when the
 * collector is built (ship-worker.ts), else on this thread (local-shipping.ts). serve.ts loads this
 * module only when a store is given, so a collector without one never loads the PostgreSQL client.
 *
 * Either way the start waits for the schema check, so that a collector meeting a newer schema
 * refuses to start; an unreachable PostgreSQL does not stop it.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../log/logger.js';
import { backoffDelayMs } from '../../time/backoff.js';
import type { DeadLetterReason } from '../store/dead-letter.js';
import { SchemaTooNewError } from '../store/postgres/migrations.js';
import type { StoreUrl } from '../store/postgres/store-url.js';
import type { RetentionTarget } from '../store/retention.js';
import type { CursorHolder } from '../store/segment-retention.js';
import { START } from '../store/segments.js';
import { openLocalShipping, type LocalShipping } from './local-shipping.js';
import type { FromShipWorker, SentError, ShipNotice, ShipWorkerData, ToShipWorker } from './ship-protocol.js';
import { loadShipCursor } from './ship-cursor.js';
import { SHIP_WORKER } from './ship-worker-url.js';
import { outboxGauges, SHIP_BACKOFF, type OutboxGauges, type OutboxState } from './shipper.js';
import { coalesced, type WrittenRange } from './written-memory.js';

export interface Shipping {
  notify(count: number): void;
  /** Ingest wrote `bytes` at `offset` of `segment` (SegmentStore's onWritten): shipped from memory when it can be. */
  written(segment: string, offset: number, bytes: Uint8Array): void;
  gauges(): OutboxGauges;
  /** For --retain: the local segments it has not shipped yet are kept. */
  holder: CursorHolder;
  /** For --retain: the shared table's monthly partitions wholly past the cutoff are dropped. */
  retention: RetentionTarget;
  close(): Promise<void>;
}

export interface ShippingOptions {
  store: StoreUrl;
  dataDir: string;
  logger: Logger;
  now: () => Date;
  onDeadLettered?: (reason: DeadLetterReason) => void;
  /** The built ship worker; SHIP_WORKER by default, undefined to ship on this thread. */
  worker?: URL | undefined;
}

export async function startShipping(options: ShippingOptions): Promise<Shipping> {
  const workerUrl = 'worker' in options ? options.worker : SHIP_WORKER;
  const shipping = workerUrl === undefined ? await openLocalShipping(options) : await WorkerShipping.start(workerUrl, options);
  // Every event acknowledged, as a running total: the shipper's state says up to which total its
  // backlog holds them, and the gauge adds the rest, so it never shows less than is waiting.
  let noticed = 0;
  return {
    notify: (count) => {
      noticed += count;
      shipping.notify(noticed);
    },
    written: (segment, offset, bytes) => shipping.written(segment, offset, bytes),
    gauges: () => outboxGauges(shipping.state(), options.now().getTime(), noticed),
    holder: {
      name: 'the PostgreSQL shipper',
      // Before its first batch (or with a cursor of another store) it holds every segment.
      position: async () => {
        const loaded = await loadShipCursor(options.dataDir, options.store.identity);
        return loaded.found === 'saved' ? loaded.cursor : START;
      },
    },
    retention: { name: 'PostgreSQL monthly partitions', dropBefore: (cutoff) => shipping.dropMonthsBefore(cutoff) },
    close: () => shipping.close(),
  };
}

const received = (error: SentError): Error => {
  if (error.schema !== undefined) return new SchemaTooNewError(error.schema.databaseVersion, error.schema.knownVersion);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
};

/**
 * New-event notices are summed this long before one message carries them: a message per request
 * cost the serving thread more than the rest of the shipper's presence there. They only update the
 * backlog gauge and end an idle wait (the shipper polls every second anyway), so 50 ms is unseen.
 * The same message carries what was written meanwhile (to be shipped from memory).
 */
const NOTICE_EVERY_MS = 50;
/**
 * Writes held for the next notice, at most: far above what 50 ms of ingest writes. Past it (a
 * stalled timer) they are dropped and the worker told so: it reads them from the disk.
 */
const WRITES_HELD_BYTES = 16 * 1024 * 1024;

const NOTHING_KNOWN: OutboxState = { backlogEvents: 0, backlogBytes: 0, shipped: 0, shippedFromMemory: 0, oldestPendingMs: undefined, postgresUp: false, noticesCounted: 0 };

/**
 * The serving thread's side of the ship worker. New-event notices are posted together
 * (NOTICE_EVERY_MS, with the latest mark), not once per request. A worker that dies unexpectedly is started again
 * on the shipper's backoff (its cursor is on disk, so it resumes where it was); meanwhile the
 * gauges keep their last values, with PostgreSQL shown as down.
 */
class WorkerShipping implements LocalShipping {
  private worker!: Worker;
  private last: OutboxState = NOTHING_KNOWN;
  /** The latest notice's mark (a running total of events), posted with the next notice. */
  private latestMark = 0;
  /** Writes since the last notice, and their bytes; whether any were dropped since (ShipNotice.lost). */
  private writes: WrittenRange[] = [];
  private writesBytes = 0;
  private writesLost = false;
  private noticeScheduled = false;
  private closing = false;
  private restarts = 0;
  private nextDrop = 0;
  private readonly drops = new Map<number, { resolve: (months: string[]) => void; reject: (error: Error) => void }>();
  private closed: (() => void) | undefined;
  /** Whether a worker is running (between a failure and its restart, none is). */
  private alive = false;
  private restartTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly url: URL,
    private readonly options: ShippingOptions,
  ) {}

  static async start(url: URL, options: ShippingOptions): Promise<WorkerShipping> {
    const shipping = new WorkerShipping(url, options);
    await shipping.spawn();
    return shipping;
  }

  /** Starts a worker; resolves once it has checked the schema, rejects if it could not start. */
  private spawn(): Promise<void> {
    const data: ShipWorkerData = { store: this.options.store, dataDir: this.options.dataDir };
    const worker = new Worker(this.url, { workerData: data });
    this.worker = worker;
    this.alive = true;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (message: FromShipWorker) => {
        switch (message.kind) {
          case 'started':
            started = true;
            resolve();
            return;
          case 'failed':
            reject(received(message.error));
            return;
          case 'state':
            this.last = message.state;
            return;
          case 'log':
            this.options.logger[message.level](message.message, message.fields);
            return;
          case 'dead-lettered':
            this.options.onDeadLettered?.(message.reason);
            return;
          case 'dropped': {
            const waiting = this.drops.get(message.id);
            this.drops.delete(message.id);
            if (message.error !== undefined) waiting?.reject(received(message.error));
            else waiting?.resolve(message.months ?? []);
            return;
          }
          case 'closed':
            this.closed?.();
            return;
        }
      });
      worker.on('error', (error) => {
        if (!started) reject(error);
        else this.options.logger.error('the PostgreSQL shipper failed', { error: error.message });
      });
      worker.on('exit', (code) => {
        this.alive = false;
        for (const waiting of this.drops.values()) waiting.reject(new Error('the PostgreSQL shipper stopped'));
        this.drops.clear();
        if (!started) {
          reject(new Error(`the PostgreSQL shipper stopped before it started (exit code ${code})`));
          return;
        }
        if (this.closing) {
          this.closed?.();
          return;
        }
        this.last = { ...this.last, postgresUp: false };
        this.restart();
      });
    });
  }

  private restart(): void {
    this.restarts += 1;
    const delay = backoffDelayMs(this.restarts, SHIP_BACKOFF);
    this.options.logger.error('the PostgreSQL shipper stopped unexpectedly; starting it again', { retry_in_ms: delay });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.closing) return;
      this.spawn().then(
        () => (this.restarts = 0),
        (error: Error) => {
          this.options.logger.error('the PostgreSQL shipper did not start again', { error: error.message });
          if (!this.closing) this.restart();
        },
      );
    }, delay);
  }

  private post(message: ToShipWorker): void {
    this.worker.postMessage(message);
  }

  notify(mark: number): void {
    this.latestMark = mark;
    this.scheduleNotice();
  }

  written(segment: string, offset: number, bytes: Uint8Array): void {
    // With no worker running, the one started next reads from its cursor on the disk.
    if (!this.alive || this.writesBytes + bytes.byteLength > WRITES_HELD_BYTES) this.forgetWritten();
    else {
      this.writes.push({ segment, offset, bytes });
      this.writesBytes += bytes.byteLength;
    }
    this.scheduleNotice();
  }

  forgetWritten(): void {
    this.writes = [];
    this.writesBytes = 0;
    this.writesLost = true;
  }

  private scheduleNotice(): void {
    if (this.noticeScheduled) return;
    this.noticeScheduled = true;
    setTimeout(() => {
      this.noticeScheduled = false;
      const notice: ShipNotice = { kind: 'notify', mark: this.latestMark, written: coalesced(this.writes), lost: this.writesLost };
      this.writes = [];
      this.writesBytes = 0;
      this.writesLost = false;
      if (this.closing || !this.alive) return;
      // Transferred, not copied: each run's buffer is its own (coalesced).
      this.worker.postMessage(
        notice,
        notice.written.map((range) => range.bytes.buffer as ArrayBuffer),
      );
    }, NOTICE_EVERY_MS).unref();
  }

  state(): OutboxState {
    return this.last;
  }

  dropMonthsBefore(cutoff: Date): Promise<string[]> {
    if (!this.alive) return Promise.reject(new Error('the PostgreSQL shipper is not running (it is being started again)'));
    const id = this.nextDrop++;
    return new Promise<string[]>((resolve, reject) => {
      this.drops.set(id, { resolve, reject });
      this.post({ kind: 'drop', id, cutoffMs: cutoff.getTime() });
    });
  }

  /** Ends the shipper after its batch in flight (bounded by the pool's statement timeout), then the thread. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.restartTimer);
    if (!this.alive) return;
    const ended = new Promise<void>((resolve) => (this.closed = resolve));
    this.post({ kind: 'close' });
    await ended;
    await this.worker.terminate();
  }
}
