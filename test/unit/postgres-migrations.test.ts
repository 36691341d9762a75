/** The shared store's schema: applied once on start, never twice by two collectors, and never downgraded. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ADVISORY_LOCKS, migrate, MIGRATIONS, SchemaTooNewError } from '../../src/collector/store/postgres/migrations.js';
import { openPool } from '../../src/collector/store/postgres/pool.js';
import { parseStoreUrl } from '../../src/collector/store/postgres/store-url.js';
import { eventually } from '../helpers/collector-process.js';
import { startPostgres, type PgServer } from '../helpers/postgres.js';

const NEWEST = Math.max(...MIGRATIONS.map((migration) => migration.version));

describe('PostgreSQL store migrations', () => {
  let server: PgServer;
  const pools: pg.Pool[] = [];
  const poolFor = (url: string): pg.Pool => {
    const pool = openPool(parseStoreUrl(url, 'test'));
    pools.push(pool);
    return pool;
  };

  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await server.stop();
  });

  it('a fresh database gets the newest version with the events tables; running again is a no-op', async () => {
    const pool = poolFor(await server.createDatabase());
    assert.deepEqual(await migrate(pool), { from: 0, to: NEWEST, applied: MIGRATIONS.map((migration) => migration.version) });
    const tables = await pool.query<{ relname: string; relkind: string }>(
      "SELECT relname, relkind FROM pg_class WHERE relname IN ('collector_events', 'collector_event_ids', 'collector_schema_migrations') ORDER BY relname",
    );
    assert.deepEqual(
      tables.rows.map((row) => `${row.relname}:${row.relkind}`),
      ['collector_event_ids:r', 'collector_events:p', 'collector_schema_migrations:r'],
    );
    const columns = await pool.query<{ column_name: string; data_type: string; is_nullable: string }>(
      "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'collector_events' ORDER BY ordinal_position",
    );
    assert.deepEqual(
      columns.rows.map((row) => `${row.column_name} ${row.data_type}${row.is_nullable === 'YES' ? ' NULL' : ''}`),
      ['uuid uuid', 'month date', 'family text', 'received_at timestamp with time zone', 'line text', 'forwarded_at timestamp with time zone NULL'],
    );

    assert.deepEqual(await migrate(pool), { from: NEWEST, to: NEWEST, applied: [] });
    const versions = await pool.query<{ version: number }>('SELECT version FROM collector_schema_migrations ORDER BY version');
    assert.deepEqual(
      versions.rows.map((row) => row.version),
      MIGRATIONS.map((migration) => migration.version),
    );
  });

  it('a database at version 1 is brought to the newest: the ids lose their month index, and the rows stay', async () => {
    const pool = poolFor(await server.createDatabase());
    assert.deepEqual(await migrate(pool, MIGRATIONS.slice(0, 1)), { from: 0, to: 1, applied: [1] });
    await pool.query("INSERT INTO collector_event_ids (uuid, month) VALUES ('00000000-0000-8000-8000-000000000001', '2026-12-01')");
    const indexes = async (): Promise<string[]> =>
      (await pool.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'collector_event_ids' ORDER BY indexname")).rows.map((row) => row.indexname);
    assert.deepEqual(await indexes(), ['collector_event_ids_month', 'collector_event_ids_pkey']);
    assert.deepEqual(await migrate(pool), { from: 1, to: NEWEST, applied: MIGRATIONS.slice(1).map((migration) => migration.version) });
    assert.deepEqual(await indexes(), ['collector_event_ids_pkey']);
    const { rows } = await pool.query<{ count: string }>('SELECT count(*) FROM collector_event_ids');
    assert.equal(Number(rows[0]!.count), 1);
  });

  it('a schema newer than this build is refused, naming both versions, and left untouched', async () => {
    const pool = poolFor(await server.createDatabase());
    await migrate(pool);
    await pool.query("INSERT INTO collector_schema_migrations (version, description) VALUES ($1, 'from a newer collector')", [NEWEST + 1]);
    await assert.rejects(migrate(pool), (error: unknown) => {
      assert.ok(error instanceof SchemaTooNewError);
      assert.match(error.message, new RegExp(`schema is version ${NEWEST + 1}, newer than this collector knows \\(version ${NEWEST}\\)`));
      return true;
    });
    const { rows } = await pool.query<{ count: string }>('SELECT count(*) FROM collector_schema_migrations');
    assert.equal(Number(rows[0]!.count), MIGRATIONS.length + 1);
  });

  it('two collectors migrating at once: one applies, the other waits for it and finds the work done', async () => {
    const url = await server.createDatabase();
    const [first, second] = [poolFor(url), poolFor(url)];
    // Hold the migration lock, so both are provably waiting on it at the same time.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS.migrations.toString()]);
      const both = Promise.all([migrate(first), migrate(second)]);
      const waiting = async (): Promise<number> =>
        Number((await holder.query<{ count: string }>("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rows[0]!.count);
      await eventually(waiting, 2);
      await holder.query('COMMIT');
      const results = await both;
      assert.deepEqual(results.map((result) => result.applied.length).sort(), [0, MIGRATIONS.length]);
      assert.ok(results.every((result) => result.to === NEWEST));
    } finally {
      await holder.end();
    }
  });
});
