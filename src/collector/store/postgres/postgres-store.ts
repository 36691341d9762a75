/**
 * The shared PostgreSQL store: what the shipper, the fleet forwarder and retention do to it, over one
 * pool. Inserting is exactly once by event uuid: in one transaction, a batch's uuids go into
 * collector_event_ids (ON CONFLICT DO NOTHING), and only the rows whose uuid was new there go into
 * collector_events. A batch replayed after a crash, or the same event shipped by two collectors,
 * therefore adds nothing the second time.
 */
import type pg from 'pg';
import { migrate, SchemaTooNewError, type MigrationResult } from './migrations.js';
import { dropMonthsBefore, ensurePartition } from './partitions.js';
import { inTransaction, openPool, toPostgresError, type PoolLimits, type PostgresError } from './pool.js';
import type { StoreUrl } from './store-url.js';

export interface EventRow {
  uuid: string;
  /** YYYY-MM-01: the month (UTC) of received_at. */
  month: string;
  family: string;
  /** RFC 3339. */
  receivedAt: string;
  /** The stored line, byte for byte as the segment holds it. */
  line: string;
}

/**
 * Each column travels as one text parameter, its values joined by a separator none of them can
 * hold (a stored line is one line of a segment, so never holds a newline; uuids, months, families
 * and timestamps never hold a comma), and is split back by string_to_array. Sent as arrays, every
 * line was escaped value by value (a JSON line is full of quotes) and parsed back by PostgreSQL:
 * that took about a third of the shipper's CPU on both sides (bench/postgres-ship.ts).
 *
 * The uuids go into the ids table sorted: two collectors inserting overlapping batches then take
 * the uuids' locks in the same order and cannot deadlock. Within a batch a uuid counts once (its
 * first row). The events table gets only the rows whose uuid was new in the ids table in this very
 * transaction, so no other row of theirs can exist: it needs no ON CONFLICT of its own (which made
 * every row a speculative insertion, with its extra index probe and WAL record).
 */
const INSERT_BATCH = `
WITH batch AS (
  SELECT * FROM unnest(string_to_array($1, ',')::uuid[], string_to_array($2, ',')::date[], string_to_array($3, ','), string_to_array($4, ',')::timestamptz[], string_to_array($5, E'\n')) WITH ORDINALITY
    AS b(uuid, month, family, received_at, line, position)
), firsts AS (
  SELECT DISTINCT ON (uuid) * FROM batch ORDER BY uuid, position
), fresh AS (
  INSERT INTO collector_event_ids (uuid, month)
  SELECT uuid, month FROM firsts ORDER BY uuid
  ON CONFLICT (uuid) DO NOTHING
  RETURNING uuid
)
INSERT INTO collector_events (uuid, month, family, received_at, line)
SELECT f.uuid, f.month, f.family, f.received_at, f.line FROM firsts f JOIN fresh USING (uuid)`;

/**
 * A batch of rows as the insert sends it, a column at a time. `lines` is every row's line in order,
 * separated by newlines (none after the last): as text, or as the UTF-8 bytes a segment holds, which
 * pg sends as they are (a Buffer parameter goes in binary format, which for text is its UTF-8),
 * saving a decode, a join and an encode of about a megabyte per batch.
 */
export interface EventBatch {
  uuids: readonly string[];
  months: readonly string[];
  families: readonly string[];
  receivedAts: readonly string[];
  lines: string | Buffer;
}

/** Values joined by a separator; a value holding it would shift every row after it, so it is refused. */
function joined(values: readonly string[], column: string, separator: string): string {
  if (values.some((value) => value.includes(separator))) throw new RangeError(`an event row's ${column} holds ${JSON.stringify(separator)}, which separates the batch's values`);
  return values.join(separator);
}

/** Rows as one batch. */
export function eventBatch(rows: readonly EventRow[]): EventBatch {
  return {
    uuids: rows.map((row) => row.uuid),
    months: rows.map((row) => row.month),
    families: rows.map((row) => row.family),
    receivedAts: rows.map((row) => row.receivedAt),
    lines: joined(
      rows.map((row) => row.line),
      'line',
      '\n',
    ),
  };
}

export class PostgresStore {
  /** Months whose partition this process has made sure of. */
  private readonly partitions = new Set<string>();

  constructor(
    readonly store: StoreUrl,
    readonly pool: pg.Pool,
  ) {}

  static open(store: StoreUrl, limits?: PoolLimits, onIdleError?: (error: PostgresError) => void): PostgresStore {
    return new PostgresStore(store, openPool(store, limits, onIdleError));
  }

  /** Any failure of `work` as a PostgresError (password cut out). */
  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw error instanceof SchemaTooNewError ? error : toPostgresError(error, this.store);
    }
  }

  migrate(): Promise<MigrationResult> {
    return this.guarded(() => migrate(this.pool));
  }

  /** Inserts the rows in one transaction; resolves with how many were new (the rest were stored before). */
  insert(rows: readonly EventRow[]): Promise<number> {
    return this.guarded(() => this.inserted(eventBatch(rows)));
  }

  /** Inserts a batch in one transaction; resolves with how many of its rows were new. */
  insertBatch(batch: EventBatch): Promise<number> {
    return this.guarded(() => this.inserted(batch));
  }

  private async inserted(batch: EventBatch): Promise<number> {
    if (batch.uuids.length === 0) return 0;
    for (const month of new Set(batch.months)) {
      if (this.partitions.has(month)) continue;
      await ensurePartition(this.pool, month);
      this.partitions.add(month);
    }
    return inTransaction(this.pool, async (client) => {
      // A named statement is parsed and planned once per connection, not once per batch.
      const result = await client.query({
        name: 'collector-ship-batch',
        text: INSERT_BATCH,
        values: [
          joined(batch.uuids, 'uuid', ','),
          joined(batch.months, 'month', ','),
          joined(batch.families, 'family', ','),
          joined(batch.receivedAts, 'receivedAt', ','),
          batch.lines,
        ],
      });
      return result.rowCount ?? 0;
    });
  }

  async ping(): Promise<void> {
    await this.guarded(() => this.pool.query('SELECT 1'));
  }

  /** Drops the monthly partitions wholly before `cutoff` and their months' ids; returns the partitions dropped. */
  dropMonthsBefore(cutoff: Date): Promise<string[]> {
    return this.guarded(async () => {
      const dropped = await dropMonthsBefore(this.pool, cutoff);
      // A dropped month must be made again if an event of it arrives later.
      this.partitions.clear();
      return dropped;
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
