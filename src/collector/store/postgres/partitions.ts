/**
 * collector_events' monthly partitions: named collector_events_YYYY_MM, holding the events received
 * (UTC) in that month. They are created when the first event of a month is inserted, and dropped
 * whole by retention. Only partitions named this way are ever dropped: anything else an operator
 * attached to the table is not ours.
 */
import type pg from 'pg';
import { ADVISORY_LOCKS } from './migrations.js';
import { inTransaction } from './pool.js';

const PARTITION_NAME = /^collector_events_(\d{4})_(\d{2})$/;

/** The first day of the month of `receivedAtUtc` (toISOString's form, UTC), as YYYY-MM-01. */
export const monthOf = (receivedAtUtc: string): string => `${receivedAtUtc.slice(0, 7)}-01`;

/** YYYY-MM-01 → the first day of the next month. */
export function nextMonth(month: string): string {
  const year = Number(month.slice(0, 4));
  const index = Number(month.slice(5, 7));
  return index === 12 ? `${year + 1}-01-01` : `${year}-${String(index + 1).padStart(2, '0')}-01`;
}

export const partitionName = (month: string): string => `collector_events_${month.slice(0, 4)}_${month.slice(5, 7)}`;

/** The month a partition of ours holds (YYYY-MM-01), or undefined for a table we did not name. */
export function partitionMonth(name: string): string | undefined {
  const match = PARTITION_NAME.exec(name);
  return match === null ? undefined : `${match[1]}-${match[2]}-01`;
}

/**
 * Creates the month's partition unless it exists. Its own short transaction under an advisory lock:
 * two shippers meeting a new month at once would otherwise collide on the catalog.
 */
export async function ensurePartition(pool: pg.Pool, month: string): Promise<void> {
  if (!/^\d{4}-\d{2}-01$/.test(month)) throw new RangeError(`not the first day of a month: ${month}`);
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS.partitions.toString()]);
    // Names and bounds come from the month checked above, never from outside text.
    await client.query(`CREATE TABLE IF NOT EXISTS ${partitionName(month)} PARTITION OF collector_events FOR VALUES FROM ('${month}') TO ('${nextMonth(month)}')`);
  });
}

/** The partitions of ours that exist, by month, oldest first. */
export async function listPartitions(client: pg.Pool | pg.PoolClient): Promise<{ name: string; month: string }[]> {
  const { rows } = await client.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'collector_events'::regclass",
  );
  return rows
    .flatMap(({ name }) => {
      const month = partitionMonth(name);
      return month === undefined ? [] : [{ name, month }];
    })
    .sort((a, b) => a.month.localeCompare(b.month));
}

/**
 * Drops every partition of ours whose whole month lies before `cutoff`, and the uuids of those
 * months from collector_event_ids, in one transaction. A month that `cutoff` falls inside is kept
 * whole. Returns the partitions dropped, oldest first.
 */
export async function dropMonthsBefore(pool: pg.Pool, cutoff: Date): Promise<string[]> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS.partitions.toString()]);
    const dropped: string[] = [];
    for (const { name, month } of await listPartitions(client)) {
      if (new Date(`${nextMonth(month)}T00:00:00Z`).getTime() > cutoff.getTime()) continue;
      // A scan of the ids table (it has no index on month: see migration 2), once per month dropped.
      await client.query('DELETE FROM collector_event_ids WHERE month = $1', [month]);
      await client.query(`DROP TABLE ${name}`);
      dropped.push(name);
    }
    return dropped;
  });
}
