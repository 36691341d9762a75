/**
 * The billing channel's ingest rate, side by side in one run: SubmitUsageReports calls of 10
 * reports (the real service's most), each report with 50 user records, every report a new
 * report_uuid (so each one is checked against the dedupe index, validated and durably stored),
 * sent by connect-node clients made from the protos' descriptors. Goal: ≥ 2,000 reports/s over
 * mutual TLS with HTTP/2.
 *
 *   mutual TLS + h2, Connect binary        the goal's cell
 *   mutual TLS + h2, gRPC                  what an auth server's Go client speaks
 *   mutual TLS + HTTP/1.1, Connect binary  the same load without HTTP/2 (keep-alive connections)
 *   plain HTTP/1.1, Connect binary         the same load without TLS; a plain listener has no
 *                                          tenant, so the usage service answers 401 before
 *                                          decoding: the rate of reading and refusing the same
 *                                          bodies, the transport's own ceiling
 *   mutual TLS + h2, Connect binary, the collector started with NODE_EXTRA_CA_CERTS (this
 *                                          shell's) instead of a clean env
 *
 * The candidates take turns for BENCH_ROUNDS rounds of BENCH_SECONDS each; medians are printed
 * with the load average. Needs `node build.mjs` first. BENCH_BASELINE_DIST=<an earlier build's
 * dist> adds the goal's cell served by that build, taking turns with this one: a change's
 * before/after in one run. BENCH_CELLS=goal keeps only the goal's cell (and the baseline's).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, type Message } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { messageSchema, serviceSchema } from '../src/protocol/descriptors.js';
import { MAX_REPORTS_PER_CALL, USAGE_REQUEST } from '../src/protocol/usage-wire.js';
import { COLLECTOR_BUNDLE, startCollector, type RunningCollector } from '../test/helpers/collector-process.js';
import type { ClientTls } from '../test/helpers/rpc-clients.js';
import { cpuSecondsOf, median } from './measure.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 4);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
/** Calls in flight: each holds 10 reports, so 160 reports wait on the store at a time. */
const IN_FLIGHT = 16;
const USERS = 50;
const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-usage-ingest-'));

/** One tenant's 50 user records, as messages, shared by every report (only the uuid varies). */
const records = Array.from({ length: USERS }, (_, index) =>
  create(messageSchema('prehog.v1.UserActivityRecord'), {
    userName: randomBytes(32),
    userKind: index % 5 === 0 ? 2 : 1,
    logins: BigInt(index % 3),
    sshSessions: BigInt(index % 7),
    certificatesIssued: 2n,
  } as never),
);
const clusterName = randomBytes(32);
const reporterHostid = randomBytes(32);

/** A call's request: 10 new reports (fresh uuids) of the last finished 15-minute window. */
function request(): Message {
  const windowStart = Math.floor(Date.now() / 900_000) * 900_000 - 900_000;
  const userActivity = Array.from({ length: MAX_REPORTS_PER_CALL }, () => ({
    reportUuid: Buffer.from(randomUUID().replaceAll('-', ''), 'hex'),
    clusterName,
    reporterHostid,
    startTime: timestampFromMs(windowStart),
    records,
  }));
  return create(messageSchema(USAGE_REQUEST), { userActivity } as never);
}

type Submit = (request: Message) => Promise<unknown>;
const submitter = (transport: Transport): Submit => {
  const client = createClient(serviceSchema('prehog.v1.TeleportReportingService'), transport) as unknown as { submitUsageReports: Submit };
  return (message) => client.submitUsageReports(message);
};

interface Candidate {
  name: string;
  submit: Submit;
  /** The collector's process, whose CPU time a run is charged. */
  pid: number;
  /** Whether a call counts when the collector refuses it as unauthenticated (the plain listener). */
  refusalCounts?: boolean;
}

/** Failed calls by their code and message, across the run. */
const failureKinds = new Map<string, number>();

/**
 * Reports acknowledged per second with IN_FLIGHT loops calling back to back for `seconds`, and per
 * CPU-second the collector spent meanwhile (what a loaded machine changes least).
 */
async function drive(candidate: Candidate): Promise<{ rate: number; perCpuSecond: number; clientPerCpuSecond: number; failures: number }> {
  const until = performance.now() + seconds * 1000;
  const cpuBefore = cpuSecondsOf(candidate.pid);
  const clientBefore = process.cpuUsage();
  let reports = 0;
  let failures = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < until) {
      try {
        await candidate.submit(request());
        reports += MAX_REPORTS_PER_CALL;
      } catch (error) {
        if (candidate.refusalCounts === true && error instanceof ConnectError && error.code === Code.Unauthenticated) reports += MAX_REPORTS_PER_CALL;
        else {
          failures += 1;
          const kind = error instanceof ConnectError ? `${Code[error.code]}: ${error.rawMessage.slice(0, 80)}` : String(error).slice(0, 80);
          failureKinds.set(kind, (failureKinds.get(kind) ?? 0) + 1);
        }
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, loop));
  const client = process.cpuUsage(clientBefore);
  return {
    rate: reports / ((performance.now() - started) / 1000),
    perCpuSecond: reports / (cpuSecondsOf(candidate.pid) - cpuBefore),
    clientPerCpuSecond: reports / ((client.user + client.system) / 1e6),
    failures,
  };
}

const extraCa = process.env['NODE_EXTRA_CA_CERTS'];
const baselineDist = process.env['BENCH_BASELINE_DIST'];
const goalOnly = process.env['BENCH_CELLS'] === 'goal';
const servers: RunningCollector[] = [];
const bundleOf = (name: string): string => (name === 'tls-baseline' ? join(baselineDist!, 'tbot-collector.mjs') : COLLECTOR_BUNDLE);
const start = async (name: string, args: string[], env: Record<string, string> = {}): Promise<RunningCollector> => {
  const server = await startCollector(join(scratch, name), args, env, bundleOf(name));
  servers.push(server);
  return server;
};
// Both TLS collectors share one data dir's CA and tenants, each with its own store.
const tlsDir = (name: string): string => join(scratch, name);
for (const name of ['tls', 'tls-extra-ca', ...(baselineDist === undefined ? [] : ['tls-baseline'])])
  execFileSync(process.execPath, [bundleOf(name), 'tenant', 'add', 'bench', '--data-dir', tlsDir(name), '--out', join(scratch, `${name}-tenant`)]);
const tenantOf = async (name: string): Promise<ClientTls & { cert: string; key: string }> => ({
  ca: await readFile(join(tlsDir(name), 'tls', 'ca.crt'), 'utf8'),
  cert: await readFile(join(scratch, `${name}-tenant`, 'bench.crt'), 'utf8'),
  key: await readFile(join(scratch, `${name}-tenant`, 'bench.key'), 'utf8'),
});
const candidates: Candidate[] = [];
try {
  const plain = await start('plain', []);
  // BENCH_PROFILE=<a module to --import> loads it into the goal's collector (e.g. one that starts the inspector's profiler).
  const secure = await start('tls', ['--tls'], process.env['BENCH_PROFILE'] === undefined ? {} : { NODE_OPTIONS: `--import=${process.env['BENCH_PROFILE']}` });
  const tenant = await tenantOf('tls');
  // Long-lived connections, as an auth server keeps its own: one HTTP/2 session, or keep-alive sockets.
  const h2 = { baseUrl: secure.url, useBinaryFormat: true, httpVersion: '2' as const, nodeOptions: tenant };
  candidates.push({ name: 'mutual TLS + h2, Connect binary', pid: secure.child.pid!, submit: submitter(createConnectTransport(h2)) });
  if (baselineDist !== undefined) {
    const baseline = await start('tls-baseline', ['--tls']);
    candidates.push({
      name: 'the same h2 cell, served by the baseline build',
      pid: baseline.child.pid!,
      submit: submitter(createConnectTransport({ ...h2, baseUrl: baseline.url, nodeOptions: await tenantOf('tls-baseline') })),
    });
  }
  if (!goalOnly)
    candidates.push(
      { name: 'mutual TLS + h2, gRPC', pid: secure.child.pid!, submit: submitter(createGrpcTransport({ baseUrl: secure.url, nodeOptions: tenant })) },
      {
        name: 'mutual TLS + HTTP/1.1, Connect binary',
        pid: secure.child.pid!,
        submit: submitter(
          createConnectTransport({ baseUrl: secure.url, useBinaryFormat: true, httpVersion: '1.1', nodeOptions: { agent: new HttpsAgent({ keepAlive: true, ...tenant }) } }),
        ),
      },
      {
        name: 'plain HTTP/1.1, Connect binary (401)',
        pid: plain.child.pid!,
        submit: submitter(createConnectTransport({ baseUrl: plain.url, useBinaryFormat: true, httpVersion: '1.1', nodeOptions: { agent: new HttpAgent({ keepAlive: true }) } })),
        refusalCounts: true,
      },
    );
  if (extraCa !== undefined && !goalOnly) {
    const withExtraCa = await start('tls-extra-ca', ['--tls'], { NODE_EXTRA_CA_CERTS: extraCa });
    const extraTenant = await tenantOf('tls-extra-ca');
    candidates.push({
      name: 'the same h2 cell, collector with NODE_EXTRA_CA_CERTS',
      pid: withExtraCa.child.pid!,
      submit: submitter(createConnectTransport({ ...h2, baseUrl: withExtraCa.url, nodeOptions: extraTenant })),
    });
  }
  const results = new Map(candidates.map((candidate) => [candidate.name, [] as number[]]));
  const perCpu = new Map(candidates.map((candidate) => [candidate.name, [] as number[]]));
  const clientPerCpu = new Map(candidates.map((candidate) => [candidate.name, [] as number[]]));
  let failures = 0;
  for (const candidate of candidates) await drive(candidate); // warm-up: connections, JIT, the first segment
  failureKinds.clear(); // what failed while warming up is not the run's
  const loadBefore = loadavg();
  for (let round = 0; round < rounds; round += 1)
    for (const candidate of candidates) {
      const result = await drive(candidate);
      results.get(candidate.name)!.push(result.rate);
      perCpu.get(candidate.name)!.push(result.perCpuSecond);
      clientPerCpu.get(candidate.name)!.push(result.clientPerCpuSecond);
      failures += result.failures;
    }
  const load = (values: number[]): string => values.map((value) => value.toFixed(2)).join(' ');
  console.log(
    `SubmitUsageReports, ${MAX_REPORTS_PER_CALL} reports × ${USERS} user records per call, ${IN_FLIGHT} calls in flight; one paired run: ${rounds} rounds × ${candidates.length} candidates × ${seconds} s (medians); load average ${load(loadBefore)} before, ${load(loadavg())} after`,
  );
  const rate = (name: string): number => median(results.get(name)!);
  const goalCell = candidates[0]!.name;
  for (const candidate of candidates)
    console.log(
      `  ${candidate.name.padEnd(54)} ${rate(candidate.name).toFixed(0).padStart(6)} reports/s   ÷ the goal's cell ${(rate(candidate.name) / rate(goalCell)).toFixed(2)}   ${median(perCpu.get(candidate.name)!).toFixed(0).padStart(5)} per collector CPU-second   ${median(clientPerCpu.get(candidate.name)!).toFixed(0).padStart(5)} per client CPU-second${candidate.name === goalCell ? '   (goal ≥ 2,000/s)' : ''}`,
    );
  console.log(`  failed calls: ${failures}${[...failureKinds].map(([kind, count]) => `\n    ${count} × ${kind}`).join('')}`);
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await rm(scratch, { recursive: true, force: true });
}
