/**
 * `serve --store`: opens the shared store and starts the shipper. serve.ts loads this module only
 * when a store is given, so a collector without one never loads the PostgreSQL client.
 *
 * The schema is checked once before the collector listens, so that one meeting a newer schema
 * refuses to start. An unreachable PostgreSQL does not stop the start: ingest never waits for it,
 * and the shipper migrates and ships once it answers (saying so in the log).
 */
import type { Logger } from '../../log/logger.js';
import type { DeadLetterReason } from '../store/dead-letter.js';
import type { RetentionTarget } from '../store/retention.js';
import type { CursorHolder } from '../store/segment-retention.js';
import { START } from '../store/segments.js';
import { PostgresError } from '../store/postgres/pool.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import type { StoreUrl } from '../store/postgres/store-url.js';
import { loadShipCursor } from './ship-cursor.js';
import { Shipper, type OutboxGauges } from './shipper.js';

export interface Shipping {
  notify(count: number): void;
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
}

export async function startShipping(options: ShippingOptions): Promise<Shipping> {
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
    target: { identity: options.store.identity, shown: options.store.shown, migrate: () => store.migrate(), insert: (rows) => store.insert(rows), ping: () => store.ping() },
    logger: options.logger,
    now: options.now,
    ...(options.onDeadLettered === undefined ? {} : { onDeadLettered: options.onDeadLettered }),
  });
  shipper.start();
  return {
    notify: (count) => shipper.notify(count),
    gauges: () => shipper.gauges(),
    holder: {
      name: 'the PostgreSQL shipper',
      // Before its first batch (or with a cursor of another store) it holds every segment.
      position: async () => {
        const loaded = await loadShipCursor(options.dataDir, options.store.identity);
        return loaded.found === 'saved' ? loaded.cursor : START;
      },
    },
    retention: { name: 'PostgreSQL monthly partitions', dropBefore: (cutoff) => store.dropMonthsBefore(cutoff) },
    close: async () => {
      await shipper.close();
      await store.close();
    },
  };
}
