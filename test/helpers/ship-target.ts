/**
 * A ShipTarget (the shipper's view of PostgreSQL) that stores nothing: it records each batch it is
 * asked to insert, as it is committed, and lets a test wait for the n-th one.
 */
import type { ShipTarget } from '../../src/collector/ship/shipper.js';
import type { EventBatch } from '../../src/collector/store/postgres/postgres-store.js';

export interface RecordingTarget {
  target: ShipTarget;
  batches: EventBatch[];
  /** The rows of each batch inserted so far. */
  sizes(): number[];
  /** Resolves once `count` batches have been inserted. */
  inserted(count: number): Promise<void>;
  /** Resolves once batches holding `rows` rows in all have been inserted. */
  insertedRows(rows: number): Promise<void>;
}

export function recordingTarget(): RecordingTarget {
  const batches: EventBatch[] = [];
  const waiters: { done: () => boolean; resolve: () => void }[] = [];
  const rows = (): number => batches.reduce((sum, batch) => sum + batch.uuids.length, 0);
  const until = (done: () => boolean): Promise<void> => (done() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ done, resolve })));
  const target: ShipTarget = {
    identity: 'test/db',
    shown: 'postgres://test/db',
    migrate: async () => ({ from: 1, to: 1, applied: [] }),
    insert: async (batch) => {
      batches.push(batch);
      for (const waiter of waiters.filter((one) => one.done())) waiter.resolve();
      return batch.uuids.length;
    },
    ping: async () => undefined,
  };
  return {
    target,
    batches,
    sizes: () => batches.map((batch) => batch.uuids.length),
    inserted: (count) => until(() => batches.length >= count),
    insertedRows: (count) => until(() => rows() >= count),
  };
}
