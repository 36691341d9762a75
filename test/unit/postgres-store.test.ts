/** The shared store: exactly once by uuid across batches, months and collectors; retention drops whole months; no password in errors. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listPartitions } from '../../src/collector/store/postgres/partitions.js';
import { PostgresError } from '../../src/collector/store/postgres/pool.js';
import { PostgresStore, type EventRow } from '../../src/collector/store/postgres/postgres-store.js';
import { parseStoreUrl, StoreUrlError } from '../../src/collector/store/postgres/store-url.js';
import { startPostgres, type PgServer } from '../helpers/postgres.js';

const row = (uuid: string, receivedAt: string, line = `{"n":"${uuid}"}`): EventRow => ({ uuid, month: `${receivedAt.slice(0, 7)}-01`, family: 'tbot', receivedAt, line });
const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('PostgreSQL store', () => {
  let server: PgServer;
  const stores: PostgresStore[] = [];
  const openStore = async (url?: string): Promise<PostgresStore> => {
    const store = PostgresStore.open(parseStoreUrl(url ?? (await server.createDatabase()), 'test'));
    stores.push(store);
    await store.migrate();
    return store;
  };
  const count = async (store: PostgresStore, table: string): Promise<number> => Number((await store.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await server.stop();
  });

  it('stores a uuid once: within a batch, when a batch is replayed, and in a later month', async () => {
    const store = await openStore();
    assert.equal(
      await store.insert([row(uuid(1), '2026-11-30T23:59:59.999Z', 'first'), row(uuid(2), '2026-12-01T00:00:00.000Z'), row(uuid(1), '2026-11-30T23:59:59.999Z', 'second')]),
      2,
    );
    assert.equal(await store.insert([row(uuid(1), '2026-11-30T23:59:59.999Z'), row(uuid(2), '2026-12-01T00:00:00.000Z')]), 0);
    // A retry that arrived a month later has another partition key: the ids table still knows it.
    assert.equal(await store.insert([row(uuid(1), '2027-01-02T00:00:00.000Z')]), 0);
    assert.equal(await count(store, 'collector_events'), 2);
    const lines = await store.pool.query<{ line: string; month: Date }>('SELECT line FROM collector_events WHERE uuid = $1', [uuid(1)]);
    assert.deepEqual(
      lines.rows.map((found) => found.line),
      ['first'],
    );
    assert.deepEqual(
      (await listPartitions(store.pool)).map((partition) => partition.name),
      // The later month's partition was made for the retry, which then added nothing to it.
      ['collector_events_2026_11', 'collector_events_2026_12', 'collector_events_2027_01'],
    );
  });

  it('lines go in byte for byte (quotes, backslashes, commas, braces, non-ASCII), and a line holding a newline is refused before anything is sent', async () => {
    const store = await openStore();
    const awkward = ['{"a":"x,y","b":"\\"q\\"","c":"{1,2}"}', 'NULL', '', ' é 😀 \t', '{"n":"\\\\"}'];
    assert.equal(await store.insert(awkward.map((line, index) => row(uuid(10 + index), '2026-11-15T00:00:00.000Z', line))), awkward.length);
    const stored = await store.pool.query<{ line: string }>('SELECT line FROM collector_events ORDER BY uuid');
    assert.deepEqual(
      stored.rows.map((found) => found.line),
      awkward,
    );
    await assert.rejects(store.insert([row(uuid(20), '2026-11-15T00:00:00.000Z', 'one\ntwo')]), /line holds "\\n"/);
    assert.equal(await count(store, 'collector_events'), awkward.length);
  });

  it('two collectors inserting overlapping batches at once store each uuid once, without deadlocking', async () => {
    const url = await server.createDatabase();
    const [first, second] = [await openStore(url), await openStore(url)];
    const rows = Array.from({ length: 400 }, (_, index) => row(uuid(index), '2026-12-05T10:00:00.000Z'));
    const reversed = [...rows].reverse();
    const results = await Promise.all([first.insert(rows), second.insert(reversed), first.insert(rows.slice(100, 300)), second.insert(rows.slice(0, 50))]);
    assert.equal(
      results.reduce((sum, inserted) => sum + inserted, 0),
      400,
    );
    assert.equal(await count(first, 'collector_events'), 400);
    assert.equal(await count(first, 'collector_event_ids'), 400);
  });

  it('dropMonthsBefore drops the months wholly before the cutoff and their ids, keeps the month the cutoff is in', async () => {
    const store = await openStore();
    await store.insert([
      row(uuid(1), '2026-09-15T00:00:00.000Z'),
      row(uuid(2), '2026-10-31T23:59:59.999Z'),
      row(uuid(3), '2026-11-01T00:00:00.000Z'),
      row(uuid(4), '2026-12-01T00:00:00.000Z'),
    ]);
    assert.deepEqual(await store.dropMonthsBefore(new Date('2026-11-20T00:00:00Z')), ['collector_events_2026_09', 'collector_events_2026_10']);
    assert.deepEqual(
      (await listPartitions(store.pool)).map((partition) => partition.month),
      ['2026-11-01', '2026-12-01'],
    );
    assert.equal(await count(store, 'collector_events'), 2);
    assert.equal(await count(store, 'collector_event_ids'), 2);
    // A cutoff on a month's first instant drops the month before it, and nothing twice.
    assert.deepEqual(await store.dropMonthsBefore(new Date('2026-12-01T00:00:00Z')), ['collector_events_2026_11']);
    assert.deepEqual(await store.dropMonthsBefore(new Date('2026-12-01T00:00:00Z')), []);
    // A table that only looks like it belongs is never dropped.
    await store.pool.query("CREATE TABLE collector_events_operator PARTITION OF collector_events FOR VALUES FROM ('2020-01-01') TO ('2020-02-01')");
    assert.deepEqual(await store.dropMonthsBefore(new Date('2030-01-01T00:00:00Z')), ['collector_events_2026_12']);
    assert.equal(Number((await store.pool.query<{ n: string }>("SELECT count(*) AS n FROM pg_class WHERE relname = 'collector_events_operator'")).rows[0]!.n), 1);
    // A month dropped is made again when one of its events comes back.
    assert.equal(await store.insert([row(uuid(2), '2026-10-31T23:59:59.999Z')]), 1);
  });

  it('bad URLs are refused by field, and a failure never shows the password', async () => {
    assert.throws(
      () => parseStoreUrl('mysql://u:secret@h/db', '--store'),
      (error: unknown) => error instanceof StoreUrlError && /^--store: the scheme is "mysql"/.test(error.message) && !error.message.includes('secret'),
    );
    assert.throws(() => parseStoreUrl('postgres://u:secret@h:5432/', 'TBOT_COLLECTOR_STORE'), /^StoreUrlError: TBOT_COLLECTOR_STORE: no database name/);
    assert.throws(
      () => parseStoreUrl('not a url secret', '--store'),
      (error: unknown) => error instanceof StoreUrlError && !error.message.includes('secret'),
    );
    const shown = parseStoreUrl('postgresql://collector:s3cr%40t@db.example:5433/events', '--store');
    assert.equal(shown.shown, 'postgresql://collector:***@db.example:5433/events');
    assert.equal(shown.identity, 'db.example:5433/events');
    // Nothing listens on the port of a database that was stopped: unreachable, and no password in the message.
    const scratch = await startPostgres();
    const url = scratch.url().replace('postgres@', 'postgres:hunter2secret@');
    await scratch.stop();
    const store = PostgresStore.open(parseStoreUrl(url, '--store'), { max: 1, connectTimeoutMs: 2_000, statementTimeoutMs: 2_000, idleTimeoutMs: 1_000 });
    stores.push(store);
    await assert.rejects(store.migrate(), (error: unknown) => {
      assert.ok(error instanceof PostgresError);
      assert.equal(error.unreachable, true);
      assert.equal(error.code, 'ECONNREFUSED');
      assert.ok(!error.message.includes('hunter2secret'), error.message);
      assert.match(error.message, /PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres/);
      return true;
    });
  });
});
