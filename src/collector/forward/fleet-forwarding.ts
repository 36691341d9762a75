/**
 * The fleet forwarder's wiring, loaded only when a shared store is given: a pool of its own (the
 * lock's session is held for as long as this instance forwards, so it must not starve anyone
 * else's connections) and the source over it, reported on /metrics.
 */
import type { Logger } from '../../log/logger.js';
import type { CollectorMetrics } from '../metrics.js';
import { DEFAULT_POOL_LIMITS, openPool } from '../store/postgres/pool.js';
import type { StoreUrl } from '../store/postgres/store-url.js';
import { FleetSource } from './fleet-source.js';

export interface FleetForwarding {
  source: FleetSource;
  close(): Promise<void>;
}

export async function openFleetSource(store: StoreUrl, logger: Logger, metrics: CollectorMetrics): Promise<FleetForwarding> {
  // One connection for the lock's session and its batches: nothing else of the forwarder's needs one.
  const pool = openPool(store, { ...DEFAULT_POOL_LIMITS, max: 1 }, (error) => logger.warn('the PostHog forwarder lost an idle PostgreSQL connection', { error: error.code }));
  const source = new FleetSource({ pool, store, logger });
  metrics.forwarderLockHeld = () => source.holdsLock;
  return {
    source,
    close: async () => {
      await pool.end();
    },
  };
}
