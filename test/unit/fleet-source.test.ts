/**
 * The fleet forwarder's source over a real PostgreSQL: only the instance holding the advisory lock
 * reads rows; rows are marked only when the forwarder says they were dealt with; and when the
 * holder's session dies, another instance takes the lock on its next attempt.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { FleetSource } from '../../src/collector/forward/fleet-source.js';
import { PostgresStore } from '../../src/collector/store/postgres/postgres-store.js';
import { openPool } from '../../src/collector/store/postgres/pool.js';
import { parseStoreUrl, type StoreUrl } from '../../src/collector/store/postgres/store-url.js';
import type { Logger } from '../../src/log/logger.js';
import { startPostgres, type PgServer } from '../helpers/postgres.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const RECEIVED = '2026-11-20T10:00:00.000Z';

/** Rows as the shipper leaves them: unforwarded, one a millisecond apart. */
async function insertRows(store: StoreUrl, count: number): Promise<string[]> {
  const shared = PostgresStore.open(store);
  try {
    await shared.migrate();
    const uuids = Array.from({ length: count }, () => crypto.randomUUID());
    const rows = uuids.map((uuid, index) => {
      const receivedAt = new Date(Date.parse(RECEIVED) + index).toISOString();
      return { uuid, month: '2026-11-01', family: 'tbot', receivedAt, line: JSON.stringify({ received_at: receivedAt, family: 'tbot', uuid }) };
    });
    assert.equal(await shared.insert(rows), count);
    return uuids;
  } finally {
    await shared.close();
  }
}

describe('the fleet forwarder source', () => {
  let server: PgServer;
  const pools: pg.Pool[] = [];
  const sources: FleetSource[] = [];
  let store: StoreUrl;
  const instance = (lockRetryMs = 50): { source: FleetSource; changes: boolean[] } => {
    const pool = openPool(store, { max: 1, connectTimeoutMs: 5_000, statementTimeoutMs: 10_000, idleTimeoutMs: 10_000 });
    pools.push(pool);
    const changes: boolean[] = [];
    const source = new FleetSource({ pool, store, logger: quiet, lockRetryMs, onLockChange: (held) => changes.push(held) });
    sources.push(source);
    return { source, changes };
  };

  /** A fresh database holding `rows` unforwarded rows, and two instances' sources over it. */
  const twoInstances = async (rows: number) => {
    store = parseStoreUrl(await server.createDatabase(), 'test');
    const uuids = await insertRows(store, rows);
    const setup = openPool(store);
    pools.push(setup);
    return { uuids, setup, first: instance(), second: instance() };
  };

  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    for (const source of sources) await source.close();
    await Promise.all(pools.map((pool) => pool.end()));
    await server.stop();
  });

  it('only the lock holder reads; rows are marked only when done, and a release hands them out again', async () => {
    const { uuids, setup, first, second } = await twoInstances(5);

    const read = await first.source.read(3);
    assert.deepEqual(
      read.map((line) => line.uuid),
      uuids.slice(0, 3),
    );
    assert.equal(first.source.holdsLock, true);
    assert.deepEqual(await second.source.read(3), [], 'the second instance must not read while the first holds the lock');
    assert.equal(second.source.holdsLock, false);

    await first.source.release();
    const again = await first.source.read(2);
    assert.deepEqual(
      again.map((line) => line.uuid),
      uuids.slice(0, 2),
      'released rows are read again',
    );
    await first.source.done(again);
    const marked = await setup.query<{ uuid: string }>('SELECT uuid::text AS uuid FROM collector_events WHERE forwarded_at IS NOT NULL ORDER BY received_at');
    assert.deepEqual(
      marked.rows.map((row) => row.uuid),
      uuids.slice(0, 2),
    );
    assert.deepEqual(
      (await first.source.read(10)).map((line) => line.uuid),
      uuids.slice(2),
    );
    await first.source.release();
  });

  it("the holder's session ends: another instance takes the lock on its next attempt and reads the unmarked rows", async () => {
    const { uuids, setup, first, second } = await twoInstances(3);
    assert.equal((await first.source.read(10)).length, 3);
    assert.deepEqual(await second.source.read(10), []);
    // As if the holder's process died: PostgreSQL ends its session, which releases the lock and
    // rolls its open transaction back.
    const ended = await setup.query<{ ended: boolean }>(
      "SELECT pg_terminate_backend(pid) AS ended FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      [Number(7_486_934_210_003n & 0xffff_ffffn)],
    );
    assert.deepEqual(
      ended.rows.map((row) => row.ended),
      [true],
    );
    let taken: string[] = [];
    for (let attempt = 0; attempt < 200 && taken.length === 0; attempt += 1) {
      taken = (await second.source.read(10)).map((line) => line.uuid);
      if (taken.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.deepEqual(taken, uuids);
    assert.deepEqual(second.changes, [true]);
    await second.source.release();
    // The old holder has found out (its connection reported the end, or its next use fails) and does not read.
    await first.source.read(10).catch(() => undefined);
    assert.deepEqual(await first.source.read(10), []);
    assert.equal(first.source.holdsLock, false);
    assert.deepEqual(first.changes, [true, false]);
  });
});
