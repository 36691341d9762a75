/**
 * Reports from PostgreSQL against reports from the segments, over the same million events (a mix
 * of tbot, Connect and Discover, as bench/collector.ts's report-mixed), side by side in one run:
 * time and peak RSS of the report process each way, the ratio, and the load average.
 * Goal: from PostgreSQL ≤ 2× the segments' time and ≤ 150 MB RSS. Each run's CPU (the report
 * process, every thread; and PostgreSQL's, every server process) is printed too: where the machine
 * is loaded, the elapsed times are load-bound, and work per CPU-second is the steadier figure.
 *
 *   node build.mjs && node --import tsx bench/postgres-report.ts   (BENCH_EVENTS=… for another size)
 *   BENCH_BASELINE_DIST=<another build's dist> adds that build's report from PostgreSQL, in turn.
 *   BENCH_PG_WORKERS=<n> adds this build's report from PostgreSQL with --workers n, in turn.
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
import { cpuSecondsOfTree, median } from './measure.js';
import { writeUsageStore } from './usage-store.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 1_000_000);
const RUNS = 3;
const INSERT_BATCH = 5_000;
const baselineDist = process.env['BENCH_BASELINE_DIST'];
const pgWorkers = process.env['BENCH_PG_WORKERS'];
const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-pg-report-'));
const server = await startPostgres();

interface Run {
  ms: number;
  rssBytes: number;
  /** CPU seconds of the report process (all its threads) and of PostgreSQL during the run. */
  cpu: number;
  postgresCpu: number;
}

/** One report process, preloaded with the RSS logger bench/collector.ts uses. */
async function reportRun(args: string[], dist = join(root, 'dist')): Promise<Run> {
  const log = join(scratch, `rss-${process.hrtime.bigint()}.log`);
  const cpuLog = `${log}.cpu`;
  const postgresBefore = cpuSecondsOfTree(server.pid());
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', join(root, 'test/fixtures/report-rss.mjs'), join(dist, 'tbot-collector.mjs'), 'report', ...args], {
      env: { PATH: process.env['PATH'] ?? '', TBOT_RSS_LOG: log, TBOT_CPU_LOG: cpuLog },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`report exited ${code}`))));
  });
  const ms = performance.now() - started;
  const lastNumber = async (file: string): Promise<number> => Number((await readFile(file, 'utf8')).trim().split('\n').at(-1));
  return { ms, rssBytes: await lastNumber(log), cpu: (await lastNumber(cpuLog)) / 1e6, postgresCpu: cpuSecondsOfTree(server.pid()) - postgresBefore };
}

/** Lines the shipper would not ship: none, since the generator writes only valid events (checked below). */
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

const loadAverage = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

try {
  const dataDir = join(scratch, 'segments');
  await writeUsageStore(dataDir, EVENTS, { tbot: 1, connect: 1, discover: 0.23 });
  const storeUrl = await server.createDatabase();
  const loadStarted = performance.now();
  const rows = await load(dataDir, storeUrl);
  // The table must hold the segments' events, or the two reports would not count the same.
  if (unshippable > 0) throw new Error(`the generator wrote ${unshippable} lines the shipper refuses`);
  console.log(`reports over ${rows.toLocaleString('en')} mixed stored events (tbot, Connect, Discover), median of ${RUNS} runs each, taking turns; load average ${loadAverage()}`);
  console.log(`  (loaded into PostgreSQL through outboxRow + PostgresStore.insert in ${seconds(performance.now() - loadStarted)}; every generated line shipped)`);
  const window = ['--since', new Date(Date.now() - 40 * 86_400_000).toISOString(), '--format', 'json'];
  const cpu = (runs: readonly Run[]): string => `CPU ${median(runs.map((one) => one.cpu)).toFixed(1)} s + PostgreSQL ${median(runs.map((one) => one.postgresCpu)).toFixed(1)} s`;
  const cell = (runs: readonly Run[]): string =>
    `${seconds(median(runs.map((one) => one.ms))).padStart(8)} ${mb(Math.max(...runs.map((one) => one.rssBytes))).padStart(7)} (${cpu(runs)})`;
  for (const family of ['tbot', 'connect', 'discover']) {
    const segments: Run[] = [];
    const postgres: Run[] = [];
    const baseline: Run[] = [];
    const withWorkers: Run[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      segments.push(await reportRun([family, ...window, '--data-dir', dataDir]));
      postgres.push(await reportRun([family, ...window, '--store', storeUrl]));
      if (baselineDist !== undefined) baseline.push(await reportRun([family, ...window, '--store', storeUrl], baselineDist));
      if (pgWorkers !== undefined) withWorkers.push(await reportRun([family, ...window, '--store', storeUrl, '--workers', pgWorkers]));
    }
    const ratio = (runs: readonly Run[]): string => `${(median(runs.map((one) => one.ms)) / median(segments.map((one) => one.ms))).toFixed(2)}×`;
    console.log(`  report ${family.padEnd(9)} segments ${cell(segments)}   PostgreSQL ${cell(postgres)}   ratio ${ratio(postgres)}   goal ≤ 2×, ≤ 150 MB`);
    if (baselineDist !== undefined) console.log(`  ${''.padEnd(16)} the baseline build, PostgreSQL ${cell(baseline)}   ratio ${ratio(baseline)}`);
    if (pgWorkers !== undefined) console.log(`  ${''.padEnd(16)} PostgreSQL with --workers ${pgWorkers} ${cell(withWorkers)}   ratio ${ratio(withWorkers)}`);
  }
  console.log(`  load average ${loadAverage()} (1, 5, 15 min) on ${(await import('node:os')).availableParallelism()} cores`);
} finally {
  await server.stop();
  await rm(scratch, { recursive: true, force: true });
}
