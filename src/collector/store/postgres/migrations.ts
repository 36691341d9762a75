/**
 * The shared store's schema, as numbered migrations applied when a collector starts. All of them
 * run in one transaction under a transaction-scoped advisory lock: two collectors starting at once
 * do not both apply a migration; the second waits for the lock, then finds the work done. The
 * version reached is recorded in collector_schema_migrations. A database whose schema is newer than
 * any migration this build knows was made by a newer collector, whose tables this one might
 * misread or damage: it refuses to start.
 *
 * A migration, once released, is never edited: a change is a new migration with the next number.
 */
import type pg from 'pg';
import { TbotError } from '../../../errors.js';
import { inTransaction } from './pool.js';

export interface Migration {
  version: number;
  /** One line, recorded beside the version. */
  description: string;
  statements: readonly string[];
}

/**
 * Keys of the advisory locks the collectors take on the shared database (one bigint space per
 * database). Each use has its own key, so a migration never waits for the fleet forwarder.
 */
export const ADVISORY_LOCKS = {
  /** Held (transaction-scoped) while migrating. */
  migrations: 7_486_934_210_001n,
  /** Held (transaction-scoped) while creating a monthly partition. */
  partitions: 7_486_934_210_002n,
  /** Held (session-scoped, on its own connection) by the one instance forwarding to PostHog for the fleet. */
  forwarder: 7_486_934_210_003n,
} as const;

/**
 * 1: the events, partitioned by the month (UTC) they were received in, so that retention drops a
 * partition instead of deleting rows. A primary key of a partitioned table must hold the partition
 * key, so (uuid, month) alone would let one uuid live in two months; collector_event_ids, not
 * partitioned, keeps each uuid once: an event is inserted only if its uuid was new there in the
 * same transaction. Partitions are created on demand (partitions.ts). Indexes declared on the
 * parent are made on every partition: the unforwarded rows (the fleet forwarder's queue) and
 * (family, received_at) for the reports.
 */
const MIGRATION_1: Migration = {
  version: 1,
  description: 'collector_events partitioned by month, collector_event_ids',
  statements: [
    `CREATE TABLE collector_events (
      uuid uuid NOT NULL,
      month date NOT NULL,
      family text NOT NULL,
      received_at timestamptz NOT NULL,
      line text NOT NULL,
      forwarded_at timestamptz NULL,
      PRIMARY KEY (uuid, month),
      CHECK (month = date_trunc('month', received_at AT TIME ZONE 'UTC')::date)
    ) PARTITION BY RANGE (month)`,
    'CREATE INDEX collector_events_unforwarded ON collector_events (received_at) WHERE forwarded_at IS NULL',
    'CREATE INDEX collector_events_family_received ON collector_events (family, received_at)',
    'CREATE TABLE collector_event_ids (uuid uuid PRIMARY KEY, month date NOT NULL)',
    'CREATE INDEX collector_event_ids_month ON collector_event_ids (month)',
  ],
};

/**
 * 2: collector_event_ids loses its index on month. Every shipped event paid for it (an index
 * insert and its WAL: about a sixth of PostgreSQL's CPU per event, bench/postgres-ship.ts), and
 * only retention read it, once for each month it drops; that DELETE now scans the table instead.
 */
const MIGRATION_2: Migration = {
  version: 2,
  description: 'collector_event_ids without its month index',
  statements: ['DROP INDEX collector_event_ids_month'],
};

export const MIGRATIONS: readonly Migration[] = [MIGRATION_1, MIGRATION_2];

/** The database holds a schema newer than this build's: started anyway, this collector could damage it. */
export class SchemaTooNewError extends TbotError {
  readonly exitCode = 1;
  override name = 'SchemaTooNewError';
  constructor(
    readonly databaseVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      `the PostgreSQL store's schema is version ${databaseVersion}, newer than this collector knows (version ${knownVersion}); a newer tbot-collector migrated it: run that version (or newer) here too`,
    );
  }
}

export interface MigrationResult {
  /** The version found (0 for a fresh database). */
  from: number;
  to: number;
  /** The versions this call applied; empty when another collector had done it. */
  applied: number[];
}

/** Brings the database to the newest migration in `migrations`, or throws SchemaTooNewError. */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  const known = migrations.reduce((newest, migration) => Math.max(newest, migration.version), 0);
  return inTransaction(pool, async (client) => {
    // Taken before even the version table is created: two CREATE TABLE IF NOT EXISTS at once can still collide.
    await client.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS.migrations.toString()]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS collector_schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM collector_schema_migrations');
    const from = rows[0]?.version ?? 0;
    if (from > known) throw new SchemaTooNewError(from, known);
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (migration.version <= from) continue;
      for (const statement of migration.statements) await client.query(statement);
      await client.query('INSERT INTO collector_schema_migrations (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
      applied.push(migration.version);
    }
    return { from, to: Math.max(from, known), applied };
  });
}
