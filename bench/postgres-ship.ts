/**
 * serve --store against a throw-away PostgreSQL, side by side in one run:
 *   ingest: single SubmitTbotEvent calls (each a fresh event) to a collector on segments alone and
 *     to one with --store (and, with BENCH_BASELINE_DIST=<another build's dist>, to that build with
 *     --store too), taking turns: BENCH_ROUNDS rounds of BENCH_SECONDS each, the order rotated every
 *     round; a --store collector's outbox is drained right after its turn, so its shipper never
 *     runs during another's turn. Each round is printed with the load average; the figures are
 *     medians. Per event: the collector's CPU (its shipper included, through the drain) and
 *     PostgreSQL's (every server process): the --store cell's excess over segments alone is what
 *     the shipper costs. The collector's main thread (which serves ingest) is also shown alone: the
 *     shipper runs in a worker thread, so what it costs there is what it takes off ingest on a
 *     machine with a core to spare (here, two cores also run autocannon and PostgreSQL); so is the
 *     ship thread alone (the one thread at nice 10).
 *                                                                        goal: --store ≥ 0.9× alone
 *   the shipper under a steady 5,000 events/s for BENCH_LAG_SECONDS (batches of 100 fresh events,
 *     50 requests a second), this build and then the baseline build: its lag per event, from
 *     received_at to the COMMIT that stored it (PostgreSQL's commit timestamps,
 *     track_commit_timestamp on), p50, p99, max; and what it costs per event at that rate, the
 *     ingest thread's CPU (what handing writes to the shipper costs it), the ship thread's and
 *     PostgreSQL's (the rate is fixed, so the two builds do the same work however busy the
 *     machine is)                                           goal: p99 ≤ 2 s
 *   a backlog shipped: BENCH_BACKLOG_EVENTS stored events (tbot, Connect and Discover, as
 *     bench/usage-store.ts writes them, each with its uuid) already in the outbox when a collector with --store starts;
 *     the ship thread's CPU and PostgreSQL's per event until all are shipped, in full batches, this
 *     build and the baseline build taking turns for BENCH_BACKLOG_ROUNDS rounds (medians), and the
 *     WAL PostgreSQL wrote per event, which the machine's load does not change.
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SUBMIT_TBOT_EVENT_PATH, SUBMIT_TBOT_EVENTS_PATH } from '../src/protocol/tbot-wire.js';
import { SegmentReader, START } from '../src/collector/store/segments.js';
import { COLLECTOR_BUNDLE, eventually, metric, type RunningCollector, startCollector, tbotEvent } from '../test/helpers/collector-process.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { cpuSecondsOf, cpuSecondsOfTree, mainThreadCpuSecondsOf, median, nicedThreadsCpuSecondsOf } from './measure.js';
import { writeUsageStore } from './usage-store.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 7);
const lagSeconds = Number(process.env['BENCH_LAG_SECONDS'] ?? 15);
const baselineDist = process.env['BENCH_BASELINE_DIST'];
const backlogEvents = Number(process.env['BENCH_BACKLOG_EVENTS'] ?? 100_000);
const backlogRounds = Number(process.env['BENCH_BACKLOG_ROUNDS'] ?? 3);
const RATE = 5_000;
const PER_REQUEST = 100;
const CONNECTIONS = 16;
const DRAIN_MS = 300_000;
/** The ship worker's thread runs at this niceness (ship-worker.ts), and no other thread of the collector does. */
const SHIP_NICENESS = 10;

const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-pg-'));
const server = await startPostgres();
const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/** A fresh event per request: a repeated one would be stored once, which is not the load we mean. */
const freshSingle = (): string => JSON.stringify(tbotEvent({}, { distinctId: randomUUID() }));
const freshBatch = (): string => JSON.stringify({ events: Array.from({ length: PER_REQUEST }, () => tbotEvent({}, { distinctId: randomUUID() })) });

function singles(url: string, duration: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}${SUBMIT_TBOT_EVENT_PATH}`,
    connections: CONNECTIONS,
    duration,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (request) => ({ ...request, body: freshSingle() }) }],
  });
}

interface Cell {
  name: string;
  collector: RunningCollector;
  shipping: boolean;
  rates: number[];
  errors: number;
  events: number;
  collectorCpu: number;
  /** The collector's main thread alone: the one that serves ingest. */
  ingestThreadCpu: number;
  /** The ship worker's thread alone, through the drain. */
  shipThreadCpu: number;
  postgresCpu: number;
}

const micros = (cpuSeconds: number, events: number): string => `${((cpuSeconds / events) * 1e6).toFixed(0)} µs`;

try {
  // Ingest: segments alone vs --store (vs the baseline build with --store), taking turns.
  const cell = async (name: string, dir: string, storeUrl?: string, bundle = COLLECTOR_BUNDLE): Promise<Cell> => ({
    name,
    collector: await startCollector(join(scratch, dir), [], storeUrl === undefined ? {} : { TBOT_COLLECTOR_STORE: storeUrl }, bundle),
    shipping: storeUrl !== undefined,
    rates: [],
    errors: 0,
    events: 0,
    collectorCpu: 0,
    ingestThreadCpu: 0,
    shipThreadCpu: 0,
    postgresCpu: 0,
  });
  const cells = [await cell('segments alone', 'alone'), await cell('with --store', 'store', await server.createDatabase())];
  if (baselineDist !== undefined) cells.push(await cell('with --store, baseline build', 'baseline', await server.createDatabase(), join(baselineDist, 'tbot-collector.mjs')));
  console.log(
    `PostgreSQL store, one paired run: ${rounds} rounds × ${cells.length} candidates × ${seconds} s of single calls, ${CONNECTIONS} connections, autocannon, order rotated each round; load average ${load()}`,
  );
  for (let round = 0; round < rounds; round += 1) {
    const order = cells.map((_, index) => cells[(index + round) % cells.length]!);
    for (const one of order) {
      const pid = one.collector.child.pid!;
      const [collectorBefore, postgresBefore] = [cpuSecondsOf(pid), cpuSecondsOfTree(server.pid())];
      const ingestBefore = mainThreadCpuSecondsOf(pid);
      const shipBefore = nicedThreadsCpuSecondsOf(pid, SHIP_NICENESS);
      const result = await singles(one.collector.url, seconds);
      // Read before the drain: the ingest thread's cost of the turn's load itself.
      one.ingestThreadCpu += mainThreadCpuSecondsOf(pid) - ingestBefore;
      if (one.shipping) await eventually(() => metric(one.collector.url, 'tbot_collector_outbox_backlog_events'), 0, DRAIN_MS);
      one.collectorCpu += cpuSecondsOf(pid) - collectorBefore;
      one.shipThreadCpu += nicedThreadsCpuSecondsOf(pid, SHIP_NICENESS) - shipBefore;
      one.postgresCpu += cpuSecondsOfTree(server.pid()) - postgresBefore;
      one.rates.push(result.requests.average);
      one.errors += result.non2xx + result.errors;
      one.events += result.requests.total;
    }
    console.log(`  round ${round + 1}: ${cells.map((one) => `${one.name} ${one.rates.at(-1)!.toFixed(0)}/s`).join(', ')}; load average ${load()}`);
  }
  const alone = cells[0]!;
  for (const one of cells) {
    const ratio = median(one.rates) / median(alone.rates);
    console.log(
      `  ${one.name.padEnd(29)} ${median(one.rates).toFixed(0).padStart(6)} events/s (median; errors ${one.errors})${one === alone ? '' : `   ${ratio.toFixed(2)}× alone   goal ≥ 0.90×`}`,
    );
  }
  for (const one of cells) {
    const excess = (one.collectorCpu - (alone.collectorCpu / alone.events) * one.events) / one.events;
    console.log(
      `  ${one.name.padEnd(29)} CPU per event: collector ${micros(one.collectorCpu, one.events)} (its ingest thread ${micros(one.ingestThreadCpu, one.events)}${one.shipping ? `, its ship thread ${micros(one.shipThreadCpu, one.events)}` : ''}), PostgreSQL ${micros(one.postgresCpu, one.events)}${one.shipping ? `; the shipper: ${(excess * 1e6).toFixed(0)} µs in the collector + ${micros(one.postgresCpu - (alone.postgresCpu / alone.events) * one.events, one.events)} in PostgreSQL` : ''}`,
    );
  }
  for (const one of cells) await one.collector.stop();

  // The shipper at a steady 5,000 events/s, each build in turn: commit time per event from PostgreSQL, and the CPU it took.
  const admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  await admin.query('ALTER SYSTEM SET track_commit_timestamp = on');
  await admin.end();
  await server.restart();
  const steadyBuilds = [{ name: 'this build', bundle: COLLECTOR_BUNDLE }];
  if (baselineDist !== undefined) steadyBuilds.push({ name: 'baseline build', bundle: join(baselineDist, 'tbot-collector.mjs') });
  for (const build of steadyBuilds) {
    const lagUrl = await server.createDatabase();
    const lagged = await startCollector(join(scratch, `lag-${steadyBuilds.indexOf(build)}`), [], { TBOT_COLLECTOR_STORE: lagUrl }, build.bundle);
    const pid = lagged.child.pid!;
    const [shipBefore, postgresBefore, ingestBefore] = [nicedThreadsCpuSecondsOf(pid, SHIP_NICENESS), cpuSecondsOfTree(server.pid()), mainThreadCpuSecondsOf(pid)];
    const steady = await autocannon({
      url: `${lagged.url}${SUBMIT_TBOT_EVENTS_PATH}`,
      connections: CONNECTIONS,
      duration: lagSeconds,
      overallRate: RATE / PER_REQUEST,
      requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (request) => ({ ...request, body: freshBatch() }) }],
    });
    // The same work for both builds at a fixed rate: what the ingest thread pays for the shipper is compared here without the rate moving it.
    const ingestCpu = mainThreadCpuSecondsOf(pid) - ingestBefore;
    await eventually(() => metric(lagged.url, 'tbot_collector_outbox_backlog_events'), 0, DRAIN_MS);
    const [shipCpu, postgresCpu] = [nicedThreadsCpuSecondsOf(pid, SHIP_NICENESS) - shipBefore, cpuSecondsOfTree(server.pid()) - postgresBefore];
    await lagged.stop();
    const client = new pg.Client({ connectionString: lagUrl });
    await client.connect();
    const { rows } = await client.query<{ p50: number; p99: number; max: number; events: string }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) AS p99, max(lag)::float8 AS max, count(*) AS events
         FROM (SELECT extract(epoch FROM pg_xact_commit_timestamp(xmin) - received_at)::float8 AS lag FROM collector_events) AS lags`,
    );
    await client.end();
    const lag = rows[0]!;
    const sent = steady.requests.total * PER_REQUEST;
    console.log(
      `shipper at a steady ${RATE} events/s for ${lagSeconds} s, ${build.name} (${sent} events sent, ${(sent / lagSeconds).toFixed(0)}/s achieved, ${steady.non2xx + steady.errors} failed requests, ${lag.events} stored): received_at → COMMIT p50 ${lag.p50.toFixed(3)} s, p99 ${lag.p99.toFixed(3)} s, max ${lag.max.toFixed(3)} s   goal p99 ≤ 2 s; CPU per event: ingest thread ${((ingestCpu / sent) * 1e6).toFixed(1)} µs, ship thread ${micros(shipCpu, sent)}, PostgreSQL ${micros(postgresCpu, sent)}; load average ${load()}`,
    );
  }

  // A backlog shipped: the same outbox, copied, for each build in turn; only the shipper runs.
  const backlog = join(scratch, 'backlog');
  await writeUsageStore(backlog, backlogEvents, { tbot: 1, connect: 1, discover: 1 }, undefined, undefined, true);
  // About the number asked for (the generator completes its last groups).
  const backlogLines = await new SegmentReader(backlog).countFrom(START);
  const shipped = new Map(steadyBuilds.map((build) => [build.name, { ship: [] as number[], postgres: [] as number[], wal: [] as number[] }]));
  // WAL written per event: unlike CPU, it does not depend on how busy the machine is.
  const walAdmin = new pg.Client({ connectionString: server.url() });
  await walAdmin.connect();
  const walLsn = async (): Promise<string> => (await walAdmin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
  const walBytesSince = async (from: string): Promise<number> =>
    Number((await walAdmin.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::text AS bytes', [from])).rows[0]!.bytes);
  for (let round = 0; round < backlogRounds; round += 1) {
    const figures: string[] = [];
    for (const build of round % 2 === 0 ? steadyBuilds : [...steadyBuilds].reverse()) {
      const dir = join(scratch, `backlog-${round}-${steadyBuilds.indexOf(build)}`);
      await cp(backlog, dir, { recursive: true });
      const postgresBefore = cpuSecondsOfTree(server.pid());
      const walBefore = await walLsn();
      const collector = await startCollector(dir, [], { TBOT_COLLECTOR_STORE: await server.createDatabase() }, build.bundle);
      await eventually(() => metric(collector.url, 'tbot_collector_outbox_shipped_total'), backlogLines, DRAIN_MS);
      // The thread's CPU from its start: its module loading is in it, the same for both builds.
      const shipCpu = nicedThreadsCpuSecondsOf(collector.child.pid!, SHIP_NICENESS);
      const postgresCpu = cpuSecondsOfTree(server.pid()) - postgresBefore;
      const wal = await walBytesSince(walBefore);
      await collector.stop();
      await rm(dir, { recursive: true, force: true });
      shipped.get(build.name)!.ship.push(shipCpu);
      shipped.get(build.name)!.postgres.push(postgresCpu);
      shipped.get(build.name)!.wal.push(wal);
      figures.push(`${build.name} ship thread ${micros(shipCpu, backlogLines)}, PostgreSQL ${micros(postgresCpu, backlogLines)}, WAL ${(wal / backlogLines).toFixed(0)} B`);
    }
    console.log(`  backlog round ${round + 1}: ${figures.join('; ')}; load average ${load()}`);
  }
  const own = shipped.get('this build')!;
  console.log(
    `a backlog of ${backlogLines} stored events shipped (median of ${backlogRounds}), per event: this build ship thread ${micros(median(own.ship), backlogLines)}, PostgreSQL ${micros(median(own.postgres), backlogLines)}, WAL ${(median(own.wal) / backlogLines).toFixed(0)} bytes`,
  );
  const base = shipped.get('baseline build');
  if (base !== undefined)
    console.log(
      `  baseline build ship thread ${micros(median(base.ship), backlogLines)}, PostgreSQL ${micros(median(base.postgres), backlogLines)}, WAL ${(median(base.wal) / backlogLines).toFixed(0)} bytes; this build ÷ baseline: ship thread ${(median(own.ship) / median(base.ship)).toFixed(2)}×, PostgreSQL ${(median(own.postgres) / median(base.postgres)).toFixed(2)}×, both ${((median(own.ship) + median(own.postgres)) / (median(base.ship) + median(base.postgres))).toFixed(2)}×, WAL ${(median(own.wal) / median(base.wal)).toFixed(2)}×`,
    );
  await walAdmin.end();
} finally {
  await server.stop();
  await rm(scratch, { recursive: true, force: true });
}
