/**
 * serve --store against a real PostgreSQL (a throw-away cluster) and the built collector: every
 * acknowledged event ends up in collector_events exactly once, whether it was sent to two
 * collectors, the collector was killed mid-load, or PostgreSQL restarted under it.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { SHIP_CURSOR_FILE } from '../../src/collector/ship/ship-cursor.js';
import { eventually, metric, runCollector, startCollector, storedLines, submit, tbotEvent, type RunningCollector } from '../helpers/collector-process.js';
import { startLoad } from '../helpers/event-load.js';
import { startPostgres, storedRows, type PgServer } from '../helpers/postgres.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

/** Loaded machines ship slowly; every wait is for an event, bounded by this. */
const DRAIN_MS = 90_000;

/** How many of `ids` are not (yet) in the store. */
const missingFrom = async (url: string, ids: readonly string[]): Promise<number> => {
  const stored = (await storedRows(url)).ids;
  return ids.filter((id) => !stored.has(id)).length;
};

describe('collector with a PostgreSQL store', () => {
  let server: PgServer;
  let workspace: Workspace;
  const collectors: RunningCollector[] = [];
  const start = async (dir: string, storeUrl: string): Promise<RunningCollector> => {
    // The URL through the env var, as the docs advise (it keeps a password out of ps).
    const collector = await startCollector(join(workspace.dir, dir), [], { TBOT_COLLECTOR_STORE: storeUrl });
    collectors.push(collector);
    return collector;
  };

  before(async () => {
    server = await startPostgres();
    workspace = await makeWorkspace('tbot-pg-e2e-');
  });
  after(async () => {
    for (const collector of collectors) if (collector.child.exitCode === null && collector.child.signalCode === null) await collector.stop();
    await server.stop();
    await workspace.remove();
  });

  it('stores each event once, byte for byte as the segment holds it; the same request sent to two collectors is stored once', async () => {
    const db = await server.createDatabase();
    const [first, second] = [await start('one-a', db), await start('one-b', db)];
    const sent = Array.from({ length: 20 }, () => tbotEvent());
    for (const event of sent) assert.equal(await submit(first.url, event), 200);
    // A client that retried against the other instance: the very same request bytes.
    const retried = tbotEvent();
    assert.equal(await submit(first.url, retried), 200);
    assert.equal(await submit(second.url, retried), 200);

    await eventually(() => metric(first.url, 'tbot_collector_outbox_shipped_total'), 21, DRAIN_MS);
    await eventually(() => metric(second.url, 'tbot_collector_outbox_shipped_total'), 1, DRAIN_MS);
    const stored = await storedRows(db);
    assert.equal(stored.rows, 21);
    assert.deepEqual([...stored.ids].sort(), [...sent, retried].map((event) => event.distinctId).sort());
    // Both outboxes hold the retried event (each with its own receive time); the store holds one.
    assert.equal((await storedLines(join(workspace.dir, 'one-b'))).length, 1);
    // Whichever collector shipped the retried event first, its row is that collector's line, unchanged.
    const outboxLines = new Set([...(await storedLines(join(workspace.dir, 'one-a'))), ...(await storedLines(join(workspace.dir, 'one-b')))]);
    assert.deepEqual(
      stored.lines.filter((line) => !outboxLines.has(line)),
      [],
    );
    // The gauges follow the shipper's thread: they say so right after the COMMIT, not before.
    await eventually(() => metric(first.url, 'tbot_collector_outbox_backlog_events'), 0, DRAIN_MS);
    assert.equal(await metric(first.url, 'tbot_collector_outbox_postgres_up'), 1);
  });

  it('kill -9 mid-load, then a restart: every acknowledged event is in PostgreSQL exactly once, and a lost cursor replays without duplicates', async () => {
    const shippedFromMemory = (url: string): Promise<number> => metric(url, 'tbot_collector_outbox_shipped_from_memory_total');
    const db = await server.createDatabase();
    const collector = await start('killed', db);
    const load = startLoad([collector.url], 8);
    try {
      // Killed once the shipper is really at work, shipping what was just written from memory,
      // however slow a loaded machine makes the start. What memory held is lost with the process.
      await load.reached(300);
      await eventually(async () => (await shippedFromMemory(collector.url)) > 0, true, DRAIN_MS);
      collector.child.kill('SIGKILL');
    } finally {
      await load.stop();
    }
    const acknowledged = [...load.acknowledged];

    let restarted = await start('killed', db);
    await eventually(() => missingFrom(db, acknowledged), 0, DRAIN_MS);
    await eventually(() => metric(restarted.url, 'tbot_collector_outbox_backlog_events'), 0, DRAIN_MS);
    const lines = await storedLines(join(workspace.dir, 'killed'));
    let stored = await storedRows(db);
    assert.equal(stored.rows, stored.ids.size, 'no event is stored twice');
    // Requests cut off by the kill may have been stored without their answer: more is fine, less is not.
    assert.equal(stored.rows, lines.length, 'every line of the outbox is stored, and nothing else');

    // As if every cursor save had been lost: the whole outbox is shipped again, and adds nothing.
    await restarted.stop();
    await rm(join(workspace.dir, 'killed', SHIP_CURSOR_FILE));
    restarted = await start('killed', db);
    await eventually(() => metric(restarted.url, 'tbot_collector_outbox_shipped_total'), lines.length, DRAIN_MS);
    assert.equal(await shippedFromMemory(restarted.url), 0, 'a new process holds nothing it did not write: all of it read back from the disk');
    stored = await storedRows(db);
    assert.equal(stored.rows, lines.length);
    assert.equal(stored.ids.size, lines.length);

    // New events on top: once its cursor is where they are written, they go from memory again.
    const more = startLoad([restarted.url], 4);
    try {
      await eventually(async () => (await shippedFromMemory(restarted.url)) > 0, true, DRAIN_MS);
    } finally {
      await more.stop();
    }
    await eventually(() => missingFrom(db, more.acknowledged), 0, DRAIN_MS);
    await eventually(() => metric(restarted.url, 'tbot_collector_outbox_backlog_events'), 0, DRAIN_MS);
    const all = await storedLines(join(workspace.dir, 'killed'));
    stored = await storedRows(db);
    assert.equal(stored.rows, stored.ids.size, 'no event is stored twice');
    assert.equal(stored.rows, all.length, 'every line of the outbox is stored, and nothing else');
  });

  it('PostgreSQL restarting mid-load: ingest keeps answering 200, /metrics shows the backlog, and the outbox drains with nothing lost or doubled', async () => {
    const db = await server.createDatabase();
    const collector = await start('restart', db);
    const load = startLoad([collector.url], 4);
    try {
      await load.reached(200);
      await eventually(async () => (await metric(collector.url, 'tbot_collector_outbox_shipped_total')) > 0, true, DRAIN_MS);
      await server.restart(async () => {
        const before = load.acknowledged.length;
        await eventually(() => metric(collector.url, 'tbot_collector_outbox_postgres_up'), 0, DRAIN_MS);
        await load.reached(before + 200);
        await eventually(async () => (await metric(collector.url, 'tbot_collector_outbox_backlog_events')) >= 200, true, DRAIN_MS);
        assert.ok((await metric(collector.url, 'tbot_collector_outbox_backlog_bytes')) > 0);
        assert.ok((await metric(collector.url, 'tbot_collector_outbox_lag_seconds')) > 0);
      });
      await load.reached(load.acknowledged.length + 100);
    } catch (error) {
      throw new Error(`${(error as Error).message}\ncollector log:\n${collector.stderr()}`, { cause: error });
    } finally {
      await load.stop();
    }
    assert.equal(load.failures(), 0, 'ingest never failed while PostgreSQL was away');

    await eventually(() => missingFrom(db, load.acknowledged), 0, DRAIN_MS);
    await eventually(() => metric(collector.url, 'tbot_collector_outbox_backlog_events'), 0, DRAIN_MS);
    assert.equal(await metric(collector.url, 'tbot_collector_outbox_postgres_up'), 1);
    const stored = await storedRows(db);
    assert.equal(stored.rows, load.acknowledged.length);
    assert.equal(stored.ids.size, load.acknowledged.length);
    // One line for the outage and one for the way back, however many retries came between.
    const log = collector.stderr();
    assert.equal(log.match(/PostgreSQL is unreachable; events wait in the local outbox/g)?.length, 1, log);
    assert.match(log.slice(log.indexOf('PostgreSQL is unreachable')), /INFO {2}shipping the outbox to PostgreSQL/);
  });

  it('PostgreSQL down when the collector starts: it serves anyway, says so once, then migrates and ships when PostgreSQL is back', async () => {
    const db = await server.createDatabase();
    let collector: RunningCollector | undefined;
    const sent = Array.from({ length: 10 }, () => tbotEvent());
    await server.restart(async () => {
      collector = await start('late', db);
      for (const event of sent) assert.equal(await submit(collector.url, event), 200);
      await eventually(() => metric(collector!.url, 'tbot_collector_outbox_backlog_events'), 10, DRAIN_MS);
      assert.equal(await metric(collector.url, 'tbot_collector_outbox_postgres_up'), 0);
      await eventually(async () => /ERROR PostgreSQL is unreachable; events wait in the local outbox/.test(collector!.stderr()), true, DRAIN_MS);
    });
    await eventually(
      () =>
        missingFrom(
          db,
          sent.map((event) => event.distinctId),
        ),
      0,
      DRAIN_MS,
    );
    // The gauge follows the shipper's thread: it says so right after the COMMIT, not before.
    await eventually(() => metric(collector!.url, 'tbot_collector_outbox_postgres_up'), 1, DRAIN_MS);
    const log = collector!.stderr();
    assert.equal(log.match(/PostgreSQL is unreachable/g)?.length, 1, log);
    assert.match(log, /INFO {2}migrated the PostgreSQL schema .*from=0 to=1|INFO {2}shipping the outbox to PostgreSQL/);
  });

  it('refuses to start on a schema newer than it knows, and on a bad store URL, saying why without the password', async () => {
    const db = await server.createDatabase();
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    try {
      await client.query('CREATE TABLE collector_schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      await client.query("INSERT INTO collector_schema_migrations (version, description) VALUES (99, 'from a newer collector')");
    } finally {
      await client.end();
    }
    const newer = await runCollector(['serve', '--listen', '127.0.0.1:0', '--data-dir', join(workspace.dir, 'newer')], { TBOT_COLLECTOR_STORE: db }, 30_000);
    assert.equal(newer.code, 1, newer.stderr);
    assert.match(newer.stderr, /schema is version 99, newer than this collector knows \(version 2\)/);
    assert.doesNotMatch(newer.stderr, /collector listening/);

    const bad = await runCollector(['serve', '--listen', '127.0.0.1:0', '--data-dir', join(workspace.dir, 'bad'), '--store', 'mysql://collector:hunter2@db.example/events']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--store: the scheme is "mysql"; expected postgres:\/\/user@host:5432\/database/);
    assert.doesNotMatch(bad.stderr, /hunter2/);
  });
});
