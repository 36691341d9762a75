/**
 * Reports from PostgreSQL against reports from the segments, over the same million events (a mix
 * of tbot, Connect and Discover, as bench/collector.ts's report-mixed), side by side in one run:
 * time and peak RSS of the report process each way, the ratio, and the load average.
 * Goal: from PostgreSQL ≤ 2× the segments' time and ≤ 150 MB RSS.
 *
 *   node build.mjs && node --import tsx bench/postgres-report.ts   (BENCH_EVENTS=… for another size)
 *
 * The rows go in through the shipper's own conversion (outboxRow) and insert (PostgresStore), so
 * the table holds what a fleet's shippers would have put there.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { outboxRow } from '../src/collector/ship/outbox-row.js';
import type { EventRow } from '../src/collector/store/postgres/postgres-store.js';
import { PostgresStore } from '../src/collector/store/postgres/postgres-store.js';
import { parseStoreUrl } from '../src/collector/store/postgres/store-url.js';
import { listSegments, SegmentReader } from '../src/collector/store/segments.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { median } from './measure.js';
import { writeUsageStore } from './usage-store.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 1_000_000);
const RUNS = 3;
const INSERT_BATCH = 5_000;
const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-pg-report-'));
const server = await startPostgres();

interface Run {
  ms: number;
  rssBytes: number;
}

/** One report process, preloaded with the RSS logger bench/collector.ts uses. */
async function reportRun(args: string[]): Promise<Run> {
  const log = join(scratch, `rss-${process.hrtime.bigint()}.log`);
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', join(root, 'test/fixtures/report-rss.mjs'), join(root, 'dist/tbot-collector.mjs'), 'report', ...args], {
      env: { PATH: process.env['PATH'] ?? '', TBOT_RSS_LOG: log },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`report exited ${code}`))));
  });
  return { ms: performance.now() - started, rssBytes: Number((await readFile(log, 'utf8')).trim().split('\n').at(-1)) };
}

/** Lines the shipper would not ship (the generator's Discover deploy steps lack a field the check wants). */
let unshippable = 0;

async function load(dataDir: string, storeUrl: string): Promise<number> {
  const store = PostgresStore.open(parseStoreUrl(storeUrl, 'bench'));
  const reader = new SegmentReader(dataDir);
  let rows: EventRow[] = [];
  let inserted = 0;
  try {
    await store.migrate();
    for (const segment of await listSegments(dataDir)) {
      for await (const line of reader.lines(segment)) {
        const converted = outboxRow(line);
        if (!converted.ok) {
          unshippable += 1;
          continue;
        }
        rows.push(converted.row);
        if (rows.length >= INSERT_BATCH) {
          inserted += await store.insert(rows);
          rows = [];
        }
      }
    }
    inserted += await store.insert(rows);
    await store.pool.query('VACUUM ANALYZE collector_events');
  } finally {
    await store.close();
  }
  return inserted;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

try {
  const dataDir = join(scratch, 'segments');
  await writeUsageStore(dataDir, EVENTS, { tbot: 1, connect: 1, discover: 0.23 });
  const storeUrl = await server.createDatabase();
  const loadStarted = performance.now();
  const rows = await load(dataDir, storeUrl);
  console.log(`reports over ${rows.toLocaleString('en')} mixed stored events (tbot, Connect, Discover), median of ${RUNS} runs each, taking turns`);
  console.log(
    `  (loaded into PostgreSQL through outboxRow + PostgresStore.insert in ${seconds(performance.now() - loadStarted)}; ${unshippable.toLocaleString('en')} lines the shipper refuses, which segment reports count as skipped, left out)`,
  );
  const window = ['--since', new Date(Date.now() - 40 * 86_400_000).toISOString(), '--format', 'json'];
  for (const family of ['tbot', 'connect', 'discover']) {
    const segments: Run[] = [];
    const postgres: Run[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      segments.push(await reportRun([family, ...window, '--data-dir', dataDir]));
      postgres.push(await reportRun([family, ...window, '--store', storeUrl]));
    }
    const [segmentMs, postgresMs] = [median(segments.map((one) => one.ms)), median(postgres.map((one) => one.ms))];
    const [segmentRss, postgresRss] = [Math.max(...segments.map((one) => one.rssBytes)), Math.max(...postgres.map((one) => one.rssBytes))];
    console.log(
      `  report ${family.padEnd(9)} segments ${seconds(segmentMs).padStart(8)} ${mb(segmentRss).padStart(7)}   PostgreSQL ${seconds(postgresMs).padStart(8)} ${mb(postgresRss).padStart(7)}   ratio ${(postgresMs / segmentMs).toFixed(2)}×   goal ≤ 2×, ≤ 150 MB`,
    );
  }
  console.log(
    `  load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')} (1, 5, 15 min) on ${(await import('node:os')).availableParallelism()} cores`,
  );
} finally {
  await server.stop();
  await rm(scratch, { recursive: true, force: true });
}
