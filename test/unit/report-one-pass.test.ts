/**
 * A report and the period it is compared with are folded in one pass over the segments
 * (buildReports): each line is parsed and checked once and offered to both tallies. Held here to
 * what two separate passes (buildReport per window) give, on one thread and on worker threads, for
 * the cases where the two windows see different lines: a segment only the earlier window reads
 * (with a damaged line in it, counted as skipped there alone), events that arrived before the
 * current window, events of each window received late, damaged lines and another family's lines
 * in segments both read.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildReport, buildReports } from '../../src/collector/report/fold.js';
import { reportFromPostgres, reportsFromPostgres } from '../../src/collector/report/postgres-scan.js';
import { outboxRow } from '../../src/collector/ship/outbox-row.js';
import { PostgresStore, type EventRow } from '../../src/collector/store/postgres/postgres-store.js';
import { parseStoreUrl } from '../../src/collector/store/postgres/store-url.js';
import { startPostgres, type PgServer } from '../helpers/postgres.js';
import { tbotFold } from '../../src/collector/report/tbot/fold.js';
import type { ReportWindow } from '../../src/collector/report/window.js';
import { segmentName } from '../../src/collector/store/segments.js';
import { heartbeatEvent, tbotEvent } from '../helpers/collector-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const PREVIOUS: ReportWindow = { since: '2026-10-01T00:00:00.000Z', until: '2026-11-01T00:00:00.000Z' };
const CURRENT: ReportWindow = { since: '2026-11-01T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' };
const WORKER = new URL('../../dist/tbot-collector-report-worker.mjs', import.meta.url);
const LINE_FOLD_WORKER = new URL('../../dist/tbot-collector-line-fold-worker.mjs', import.meta.url);
const POSTGRES_READER = new URL('../../dist/tbot-collector-postgres-reader.mjs', import.meta.url);

const line = (receivedAt: string, timestamp: string, start: Record<string, unknown> = {}): string =>
  JSON.stringify({ received_at: receivedAt, family: 'tbot', event: tbotEvent(start, { timestamp }) });

/** Segments by day of arrival, each line as the store writes it (a few damaged on purpose). */
const SEGMENTS: Record<string, string[]> = {
  // Read by the earlier window only.
  '2026-10-20': [
    line('2026-10-20T10:00:00.000Z', '2026-10-20T09:59:00.000Z', { joinType: 'token' }),
    '{"received_at":"2026-10-20T11:00:00.000Z","family":"tbot","event":',
    line('2026-10-20T12:00:00.000Z', '2026-10-20T11:59:00.000Z'),
  ],
  // Read by both: an October event received late, November events, damage, another family.
  '2026-11-02': [
    line('2026-11-02T00:05:00.000Z', '2026-10-31T23:50:00.000Z', { runMode: 'RUN_MODE_DAEMON' }),
    line('2026-11-02T08:00:00.000Z', '2026-11-02T07:59:00.000Z'),
    'not json at all',
    JSON.stringify({ received_at: '2026-11-02T09:00:00.000Z', family: 'tbot.heartbeat', event: heartbeatEvent() }),
    // A record of the family that fails its check: a field its contract does not define.
    JSON.stringify({ received_at: '2026-11-02T10:00:00.000Z', family: 'tbot', event: { ...tbotEvent(), extra: 'x' } }),
  ],
  '2026-11-20': [line('2026-11-20T08:00:00.000Z', '2026-11-20T07:00:00.000Z', { joinType: 'kubernetes' }), line('2026-11-20T09:00:00.000Z', '2026-10-15T07:00:00.000Z')],
};

/** A directory holding SEGMENTS as the store's day segments. */
async function segmentsWorkspace(): Promise<Workspace> {
  const workspace = await makeWorkspace('tbot-one-pass-');
  for (const [day, lines] of Object.entries(SEGMENTS)) await writeFile(join(workspace.dir, segmentName(new Date(`${day}T12:00:00Z`))), `${lines.join('\n')}\n`);
  return workspace;
}

describe('a report and its compared period in one pass', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await segmentsWorkspace();
  });
  after(async () => workspace.remove());

  for (const threads of [1, 2]) {
    it(`gives each window what a pass of its own gives (${threads === 1 ? 'one thread' : 'two worker threads'})`, async (context) => {
      if (threads > 1 && !existsSync(fileURLToPath(WORKER))) return context.skip('the built report worker is missing: run node build.mjs');
      const options = threads === 1 ? { workers: 1 } : { workers: threads, workerUrl: WORKER };
      const [current, previous] = await buildReports(tbotFold, 'tbot', workspace.dir, [CURRENT, PREVIOUS], {}, options);
      const alone = [await buildReport(tbotFold, 'tbot', workspace.dir, CURRENT, {}, options), await buildReport(tbotFold, 'tbot', workspace.dir, PREVIOUS, {}, options)];
      assert.deepEqual([current, previous], alone);
      // The cases are really there: the windows differ in starts and in damaged lines.
      assert.notEqual(current!.total, previous!.total);
      assert.equal(current!.skipped, 2, 'the two damaged lines of the segment both windows read');
      assert.equal(previous!.skipped, 3, 'and the one of the segment only the earlier window reads');
    });
  }
});

describe('a report and its compared period in one pass over PostgreSQL', () => {
  let server: PgServer;
  let store: PostgresStore;
  let workspace: Workspace;
  before(async () => {
    workspace = await segmentsWorkspace();
    server = await startPostgres();
    store = PostgresStore.open(parseStoreUrl(await server.createDatabase(), 'test'));
    await store.migrate();
    // The rows as a shipper makes them; a damaged line has no row of its own there, so it goes in
    // with the received_at of the segment it was in (as a line parked by nobody would).
    const rows: EventRow[] = Object.entries(SEGMENTS).flatMap(([day, lines]) =>
      lines.map((line, index) => {
        const shipped = outboxRow(line);
        if (shipped.ok) return shipped.row;
        const receivedAt = `${day}T13:00:0${index}.000Z`;
        return { uuid: `00000000-0000-4000-8000-${day.replaceAll('-', '')}000${index}`, month: `${day.slice(0, 7)}-01`, family: 'tbot', receivedAt, line };
      }),
    );
    await store.insert(rows);
  });
  after(async () => {
    await store.close();
    await server.stop();
    await workspace.remove();
  });

  for (const threads of [1, 2]) {
    it(`gives each window what a query of its own gives (${threads === 1 ? 'the calling thread' : 'a reader thread and a fold worker'})`, async (context) => {
      if (threads > 1 && !existsSync(fileURLToPath(POSTGRES_READER))) return context.skip('the built reader is missing: run node build.mjs');
      const options = threads === 1 ? { workers: 1 } : { workers: threads, workerUrl: LINE_FOLD_WORKER, readerUrl: POSTGRES_READER };
      const [current, previous] = await reportsFromPostgres(tbotFold, 'tbot', store.store, [CURRENT, PREVIOUS], {}, options);
      const alone = [await reportFromPostgres(tbotFold, 'tbot', store.store, CURRENT, {}, options), await reportFromPostgres(tbotFold, 'tbot', store.store, PREVIOUS, {}, options)];
      // As JSON: a tally that crossed threads has plain objects where one folded here has prototype-free ones.
      assert.equal(JSON.stringify([current, previous]), JSON.stringify(alone));
      // And what the segments give.
      assert.equal(JSON.stringify([current, previous]), JSON.stringify(await buildReports(tbotFold, 'tbot', workspace.dir, [CURRENT, PREVIOUS], {}, { workers: 1 })));
      assert.equal(previous!.skipped, 3);
    });
  }
});
