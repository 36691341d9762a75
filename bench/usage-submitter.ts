/**
 * What the usage submitter's disk spool costs, side by side in one run against one built
 * collector serving --tls (a tenant certificate, so every call is mutual TLS):
 *
 *   baseline   the same reports (user activity, 50 users each), made beforehand and sent 10 a call
 *              through the submitter's own transport: no spool, no aggregation
 *   submitter  the events counted by createUsageSubmitter, each closed window's report written to
 *              the spool (atomic, fsync'd) before it is sent, and deleted after the 200
 *
 * Rounds alternate; medians are printed with the load average. The ratio is what durability
 * (and counting) cost over sending alone.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HmacAnonymizer } from '../src/reporting/anonymizer.js';
import { UsageAggregator } from '../src/reporting/usage-aggregator.js';
import { buildReports, type UsageReportEntry } from '../src/reporting/usage-report-build.js';
import { createUsageSubmitter } from '../src/reporting/usage-submitter.js';
import { mtlsTransport } from '../src/reporting/usage-transport.js';
import { SUBMIT_USAGE_REPORTS_PATH } from '../src/protocol/usage-wire.js';
import { runCollector, startCollector } from '../test/helpers/collector-process.js';
import { median } from './measure.js';

const REPORTS = Number(process.env['BENCH_REPORTS'] ?? 100);
const USERS = 50;
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const QUARTER = 15 * 60_000;
const START = Date.parse('2026-11-01T00:00:00Z');
const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-usage-'));
const anonymizer = new HmacAnonymizer('bench-cluster-key');

const dataDir = join(scratch, 'data');
const added = await runCollector(['tenant', 'add', 'acme', '--data-dir', dataDir, '--out', join(scratch, 'acme')]);
if (added.code !== 0) throw new Error(added.stderr);
const collector = await startCollector(dataDir, ['--tls']);
const transport = await mtlsTransport({ caFile: join(scratch, 'acme', 'ca.crt'), certFile: join(scratch, 'acme', 'acme.crt'), keyFile: join(scratch, 'acme', 'acme.key') });

/** REPORTS quarters of USERS logins each, starting `offset` quarters after START. */
function* history(offset: number): Generator<[number, string]> {
  for (let quarter = 0; quarter < REPORTS; quarter += 1) for (let user = 0; user < USERS; user += 1) yield [START + (offset + quarter) * QUARTER + user, `user-${user}`];
}

async function baseline(offset: number): Promise<number> {
  const identity = { clusterName: anonymizer.anonymize('bench'), reporterHostid: anonymizer.anonymize('auth-1') };
  const aggregator = new UsageAggregator(START + offset * QUARTER);
  const reports: UsageReportEntry[] = [];
  for (const [at, user] of history(offset)) {
    for (const window of aggregator.closeDue(at)) reports.push(...buildReports(window, identity, { anonymizer, randomUUID }));
    aggregator.add({ type: 'user.login', user });
  }
  for (const window of aggregator.closeAll()) reports.push(...buildReports(window, identity, { anonymizer, randomUUID }));
  const started = performance.now();
  for (let index = 0; index < reports.length; index += 10) {
    const body = JSON.stringify({ userActivity: reports.slice(index, index + 10).map((entry) => entry.report) });
    const outcome = await transport(
      { method: 'POST', url: `${collector.url}${SUBMIT_USAGE_REPORTS_PATH}`, headers: { 'content-type': 'application/json', 'connect-protocol-version': '1' }, body },
      { timeoutMs: 30_000 },
    );
    if (!outcome.ok) throw new Error(`baseline: ${outcome.detail}`);
  }
  return performance.now() - started;
}

async function submitter(offset: number): Promise<number> {
  let now = START + offset * QUARTER;
  const started = performance.now();
  const usage = await createUsageSubmitter({
    endpoint: collector.url,
    clusterName: 'bench',
    hostId: 'auth-1',
    anonymizer,
    spoolDir: join(scratch, `spool-${offset}`),
    transport,
    now: () => now,
  });
  for (const [at, user] of history(offset)) {
    now = at;
    usage.record({ type: 'user.login', user });
  }
  const closed = await usage.close({ deadlineMs: 120_000 });
  if (!closed.complete || usage.stats().sent !== REPORTS) throw new Error(`submitter: ${JSON.stringify(usage.stats())}`);
  return performance.now() - started;
}

console.log(
  `load average before: ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
);
const times = { baseline: [] as number[], submitter: [] as number[] };
for (let round = 0; round < rounds; round += 1) {
  // Each run its own quarters, so the collector never sees a repeated report.
  times.baseline.push(await baseline(round * 2 * REPORTS));
  times.submitter.push(await submitter((round * 2 + 1) * REPORTS));
}
const base = median(times.baseline);
const spooled = median(times.submitter);
console.log(`${REPORTS} user activity reports of ${USERS} users, 10 a call, mutual TLS over HTTP/1.1; median of ${rounds} rounds`);
console.log(`baseline (send only):       ${base.toFixed(0)} ms, ${((REPORTS / base) * 1000).toFixed(0)} reports/s`);
console.log(`submitter (count, spool, send, delete): ${spooled.toFixed(0)} ms, ${((REPORTS / spooled) * 1000).toFixed(0)} reports/s`);
console.log(`  ratio to baseline: ${(spooled / base).toFixed(2)}× the time`);
console.log(
  `load average after: ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
);
await collector.stop();
await rm(scratch, { recursive: true, force: true });
