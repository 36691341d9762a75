/**
 * The shipper and its PostgreSQL store in the thread that calls this: the ship worker's body
 * (ship-worker.ts), and the whole of `serve --store` where no built worker exists (under tsx).
 *
 * The schema is checked first, so that a collector meeting a newer schema refuses to start. An
 * unreachable PostgreSQL does not stop the start: ingest never waits for it, and the shipper
 * migrates and ships once it answers (saying so in the log).
 */
import type { Logger } from '../../log/logger.js';
import type { DeadLetterReason } from '../store/dead-letter.js';
import { PostgresError } from '../store/postgres/pool.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import type { StoreUrl } from '../store/postgres/store-url.js';
import { Shipper, type OutboxState } from './shipper.js';

export interface LocalShippingOptions {
  store: StoreUrl;
  dataDir: string;
  logger: Logger;
  now: () => Date;
  onDeadLettered?: (reason: DeadLetterReason) => void;
  onStateChange?: () => void;
  /** Read the outbox with blocking calls (ShipperOptions.blockingReads): only on a thread of its own. */
  blockingReads?: boolean;
}

export interface LocalShipping {
  /** New events were stored; `mark` is the running total of events noticed (see Shipper.notify). */
  notify(mark: number): void;
  /** Ingest wrote `bytes` at `offset` of `segment` (Shipper.remember): only bytes this process checked and wrote. */
  written(segment: string, offset: number, bytes: Uint8Array): void;
  /** Some writes were not passed to written(): memory is dropped, the disk read instead. */
  forgetWritten(): void;
  state(): OutboxState;
  /** Drops the shared table's monthly partitions wholly before `cutoff`; returns those dropped. */
  dropMonthsBefore(cutoff: Date): Promise<string[]>;
  close(): Promise<void>;
}

export async function openLocalShipping(options: LocalShippingOptions): Promise<LocalShipping> {
  const store = PostgresStore.open(options.store);
  try {
    const result = await store.migrate();
    if (result.applied.length > 0) options.logger.info('migrated the PostgreSQL schema', { store: options.store.shown, from: result.from, to: result.to });
  } catch (error) {
    // Unreachable (or failing) now: the shipper keeps trying, and logs it once. A newer schema
    // (SchemaTooNewError) is final: the collector does not start.
    if (!(error instanceof PostgresError)) {
      await store.close();
      throw error;
    }
  }
  const shipper = new Shipper({
    dataDir: options.dataDir,
    target: { identity: options.store.identity, shown: options.store.shown, migrate: () => store.migrate(), insert: (batch) => store.insertBatch(batch), ping: () => store.ping() },
    logger: options.logger,
    now: options.now,
    ...(options.onDeadLettered === undefined ? {} : { onDeadLettered: options.onDeadLettered }),
    ...(options.onStateChange === undefined ? {} : { onStateChange: options.onStateChange }),
    blockingReads: options.blockingReads === true,
  });
  shipper.start();
  return {
    notify: (mark) => shipper.notify(mark),
    written: (segment, offset, bytes) => shipper.remember(segment, offset, bytes),
    forgetWritten: () => shipper.forgetWritten(),
    state: () => shipper.outboxState(),
    dropMonthsBefore: (cutoff) => store.dropMonthsBefore(cutoff),
    close: async () => {
      await shipper.close();
      await store.close();
    },
  };
}
