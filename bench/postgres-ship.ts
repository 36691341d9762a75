/**
 * serve --store against a throw-away PostgreSQL, side by side in one run:
 *   ingest, one paired run: single SubmitTbotEvent calls (each a fresh event) to a collector on
 *     segments alone and to one with --store, taking turns (BENCH_ROUNDS rounds of BENCH_SECONDS
 *     each; the --store collector's outbox is drained before the next turn, so its shipper never
 *     runs during the other's turn); medians                               goal: --store ≥ 0.9× alone
 *   shipper lag under a steady 5,000 events/s for BENCH_LAG_SECONDS (batches of 100 fresh events,
 *     50 requests a second): per event, from received_at to the COMMIT that stored it (PostgreSQL's
 *     commit timestamps, track_commit_timestamp on); p50, p99, max          goal: p99 ≤ 2 s
 * The load average is printed with the results.
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SUBMIT_TBOT_EVENT_PATH, SUBMIT_TBOT_EVENTS_PATH } from '../src/protocol/tbot-wire.js';
import { eventually, metric, startCollector, tbotEvent } from '../test/helpers/collector-process.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { median } from './measure.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const lagSeconds = Number(process.env['BENCH_LAG_SECONDS'] ?? 15);
const RATE = 5_000;
const PER_REQUEST = 100;
const CONNECTIONS = 16;
const DRAIN_MS = 300_000;

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

try {
  // Ingest: segments alone vs --store, taking turns.
  const storeUrl = await server.createDatabase();
  const alone = await startCollector(join(scratch, 'alone'));
  const withStore = await startCollector(join(scratch, 'store'), [], { TBOT_COLLECTOR_STORE: storeUrl });
  const rates = { alone: [] as number[], store: [] as number[] };
  const errors = { alone: 0, store: 0 };
  for (let round = 0; round < rounds; round += 1) {
    for (const [name, collector] of [
      ['alone', alone],
      ['store', withStore],
    ] as const) {
      const result = await singles(collector.url, seconds);
      rates[name].push(result.requests.average);
      errors[name] += result.non2xx + result.errors;
    }
    await eventually(() => metric(withStore.url, 'tbot_collector_outbox_backlog_events'), 0, DRAIN_MS);
  }
  await alone.stop();
  await withStore.stop();

  // Lag: a steady 5,000 events/s into a collector with --store, commit time per event from PostgreSQL.
  const admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  await admin.query('ALTER SYSTEM SET track_commit_timestamp = on');
  await admin.end();
  await server.restart();
  const lagUrl = await server.createDatabase();
  const lagged = await startCollector(join(scratch, 'lag'), [], { TBOT_COLLECTOR_STORE: lagUrl });
  const steady = await autocannon({
    url: `${lagged.url}${SUBMIT_TBOT_EVENTS_PATH}`,
    connections: CONNECTIONS,
    duration: lagSeconds,
    overallRate: RATE / PER_REQUEST,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (request) => ({ ...request, body: freshBatch() }) }],
  });
  await eventually(() => metric(lagged.url, 'tbot_collector_outbox_backlog_events'), 0, DRAIN_MS);
  await lagged.stop();
  const client = new pg.Client({ connectionString: lagUrl });
  await client.connect();
  const { rows } = await client.query<{ p50: number; p99: number; max: number; events: string }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) AS p99, max(lag)::float8 AS max, count(*) AS events
       FROM (SELECT extract(epoch FROM pg_xact_commit_timestamp(xmin) - received_at)::float8 AS lag FROM collector_events) AS lags`,
  );
  await client.end();
  const lag = rows[0]!;

  const ratio = median(rates.store) / median(rates.alone);
  console.log(
    `PostgreSQL store, one paired run: ${rounds} rounds × 2 candidates × ${seconds} s of single calls, ${CONNECTIONS} connections, autocannon (medians); load average ${load()}`,
  );
  console.log(
    `  segments alone   ${median(rates.alone).toFixed(0).padStart(7)} events/s   (rounds: ${rates.alone.map((rate) => rate.toFixed(0)).join(', ')}; errors ${errors.alone})`,
  );
  console.log(
    `  with --store     ${median(rates.store).toFixed(0).padStart(7)} events/s   (rounds: ${rates.store.map((rate) => rate.toFixed(0)).join(', ')}; errors ${errors.store})   ${ratio.toFixed(2)}× alone   goal ≥ 0.90×`,
  );
  const sent = steady.requests.total * PER_REQUEST;
  console.log(
    `shipper lag at a steady ${RATE} events/s for ${lagSeconds} s (${sent} events sent, ${(sent / lagSeconds).toFixed(0)}/s achieved, ${steady.non2xx + steady.errors} failed requests, ${lag.events} stored): received_at → COMMIT p50 ${lag.p50.toFixed(3)} s, p99 ${lag.p99.toFixed(3)} s, max ${lag.max.toFixed(3)} s   goal p99 ≤ 2 s; load average ${load()}`,
  );
} finally {
  await server.stop();
  await rm(scratch, { recursive: true, force: true });
}
