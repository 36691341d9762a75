/**
 * The collector, side by side in one run:
 *   ingest, one paired run: the candidates below take turns (round robin, BENCH_ROUNDS rounds of
 *   BENCH_SECONDS each), so machine noise hits them alike; medians are printed
 *     bare node:http answering {} to the single-event request (the ceiling for a Node server here)
 *     single calls, SubmitTbotEvent, validated and fsynced             goal ≥ 0.4× bare
 *     the same single calls answered by connect-node's handler (TBOT_COLLECTOR_CONNECT_PATH), the
 *       reference implementation, to show what the hand-written Connect path is kept for
 *     the batch path, SubmitTbotEvents with 500 events, JSON           goal ≥ 50,000 events/s durable
 *     the batch path, the same 500 events in binary protobuf, gzip-compressed
 *     bare node:http answering {} to the batch body (the batch path's ceiling)
 *   report over 1,000,000 stored events: time and peak RSS              goal ≤ 5 s, ≤ 150 MB
 *   report tbot / connect / discover over 1,000,000 mixed events (a third each)  goal ≤ 5 s, ≤ 150 MB each
 *   and, as the worst case, connect and discover each over 1,000,000 events of their own family
 *
 * BENCH_ONLY=ingest,report-html,report-mixed,report-connect,report-discover runs only those parts
 * (all by default): `BENCH_ONLY=report-discover` is the Discover worst case alone, a few minutes.
 * BENCH_BASELINE_DIST=<dist of an earlier build> runs that build's reports alternately with this
 * one's, so both see the same machine load, and its collector's single calls as one more ingest
 * candidate.
 */
import autocannon from 'autocannon';
import { create, toBinary } from '@bufbuild/protobuf';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { messageSchema } from '../src/protocol/descriptors.js';
import { MAX_TBOT_BATCH_EVENTS, SUBMIT_TBOT_EVENT_PATH, SUBMIT_TBOT_EVENTS_PATH } from '../src/protocol/tbot-wire.js';
import { segmentName } from '../src/collector/store/segments.js';
import { startCollector, tbotEvent } from '../test/helpers/collector-process.js';
import { cpuSecondsOf, median } from './measure.js';
import { writeUsageStore } from './usage-store.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-collector-'));
const seconds = Number(process.env['BENCH_SECONDS'] ?? 4);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const only = process.env['BENCH_ONLY']?.split(',');
const selected = (part: string): boolean => only === undefined || only.includes(part);
const builds: [name: string, dist: string][] = [['this build', join(root, 'dist')]];
if (process.env['BENCH_BASELINE_DIST'] !== undefined) builds.push(['baseline', process.env['BENCH_BASELINE_DIST']]);
const event = tbotEvent(
  { version: '1.2.3', helper: 'gha:teleport-actions/auth', helperVersion: '1.2.0', destinationsKubernetes: 1 },
  { distinctId: '3b241101-e2bb-4255-8caf-4136c566a962' },
);
const single = JSON.stringify(event);
const batchJson = JSON.stringify({ events: Array.from({ length: MAX_TBOT_BATCH_EVENTS }, () => event) });
const BATCH = messageSchema('tbotanalytics.v1.SubmitTbotEventsRequest');
const startInit = {
  runMode: 1,
  version: '1.2.3',
  joinType: 'github',
  helper: 'gha:teleport-actions/auth',
  helperVersion: '1.2.0',
  destinationsOther: 1,
  destinationsKubernetes: 1,
};
const batchProto = gzipSync(
  toBinary(
    BATCH,
    create(BATCH, {
      events: Array.from({ length: MAX_TBOT_BATCH_EVENTS }, () => ({
        distinctId: event.distinctId,
        timestamp: { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 },
        event: { case: 'start', value: startInit },
      })),
    } as never),
  ),
);

const BARE_SERVER = `require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')); }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;

async function startBare(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', BARE_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
  return { url: `http://127.0.0.1:${port}`, child };
}

interface Candidate {
  name: string;
  /** Events per request. */
  events: number;
  run(): Promise<autocannon.Result>;
  /** The server's process, whose CPU time a run is charged. */
  pid?: number | undefined;
}

const load = (url: string, path: string, body: string | Buffer, headers: Record<string, string>, connections: number) => (): Promise<autocannon.Result> =>
  autocannon({ url: `${url}${path}`, method: 'POST', headers, body, connections, duration: seconds });

async function peakRssOf(args: string[]): Promise<{ ms: number; rssBytes: number }> {
  const log = join(scratch, 'rss.log');
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', join(root, 'test/fixtures/report-rss.mjs'), ...args], {
      env: { PATH: process.env['PATH'] ?? '', TBOT_RSS_LOG: log },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`report exited ${code}`))));
  });
  const ms = performance.now() - started;
  return { ms, rssBytes: Number((await readFile(log, 'utf8')).trim().split('\n').at(-1)) };
}

/** A million stored events over 30 days, varied in every field the report breaks down by. */
async function writeMillion(dataDir: string): Promise<void> {
  await mkdir(dataDir);
  const perDay = Math.ceil(1_000_000 / 30);
  const versions = ['1.2.3', '1.3.0', '18.1.0', 'v18.2.0', '17.5.4'];
  const helpers = [undefined, 'gha:teleport-actions/auth', 'gha:teleport-actions/auth-k8s', 'gitlab:component/tbot'];
  const joins = ['github', 'iam', 'gitlab', 'kubernetes', 'env0', ''];
  for (let day = 0; day < 30; day += 1) {
    const at = new Date(Date.now() - day * 86_400_000);
    const out = createWriteStream(join(dataDir, segmentName(at)));
    for (let i = 0; i < perDay; i += 1) {
      const helper = helpers[i % helpers.length];
      const start = {
        runMode: i % 3 === 0 ? 'RUN_MODE_DAEMON' : i % 97 === 0 ? 'RUN_MODE_UNSPECIFIED' : 'RUN_MODE_ONE_SHOT',
        version: versions[(i + day) % versions.length],
        joinType: joins[i % joins.length],
        ...(helper === undefined ? {} : { helper, helperVersion: `1.${i % 4}.0` }),
        destinationsOther: i % 3,
        destinationsDatabase: i % 5 === 0 ? 1 : 0,
        destinationsKubernetes: i % 2,
        destinationsApplication: i % 7 === 0 ? 2 : 0,
      };
      // Some events are back-dated by up to two days, as a queued sender's would be.
      const timestamp = new Date(at.getTime() - (i % 11 === 0 ? (i % 3) * 86_400_000 : 0)).toISOString();
      const line = `${JSON.stringify({ received_at: at.toISOString(), family: 'tbot', event: { distinctId: crypto.randomUUID(), timestamp, start } })}\n`;
      if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve) => out.end(resolve));
  }
}

async function ingest(): Promise<void> {
  const bare = await startBare();
  const collector = await startCollector(join(scratch, 'ingest'));
  const viaConnectNode = await startCollector(join(scratch, 'ingest-connect-node'), [], { TBOT_COLLECTOR_CONNECT_PATH: 'connect-node' });
  const json = { 'content-type': 'application/json', 'connect-protocol-version': '1' };
  const candidates: Candidate[] = [
    { name: 'bare node:http, single-event body', events: 1, run: load(bare.url, SUBMIT_TBOT_EVENT_PATH, single, json, 64) },
    { name: 'collector, single calls (JSON)', events: 1, run: load(collector.url, SUBMIT_TBOT_EVENT_PATH, single, json, 64) },
    { name: 'connect-node path, single calls (JSON)', events: 1, run: load(viaConnectNode.url, SUBMIT_TBOT_EVENT_PATH, single, json, 64) },
    { name: 'bare node:http, 500-event body', events: MAX_TBOT_BATCH_EVENTS, run: load(bare.url, SUBMIT_TBOT_EVENTS_PATH, batchJson, json, 8) },
    { name: 'collector, batch path (JSON)', events: MAX_TBOT_BATCH_EVENTS, run: load(collector.url, SUBMIT_TBOT_EVENTS_PATH, batchJson, json, 8) },
    {
      name: 'collector, batch path (binary, gzip)',
      events: MAX_TBOT_BATCH_EVENTS,
      run: load(collector.url, SUBMIT_TBOT_EVENTS_PATH, batchProto, { 'content-type': 'application/proto', 'content-encoding': 'gzip', 'connect-protocol-version': '1' }, 8),
    },
  ];
  // An earlier build's collector takes its turn in the same rounds, on single calls, right after
  // this build's (what runs just before a candidate, such as a batch run's disk traffic, shows).
  const baseline = builds[1] === undefined ? undefined : await startCollector(join(scratch, 'ingest-baseline'), [], {}, join(builds[1][1], 'tbot-collector.mjs'));
  const baselineSingle =
    baseline === undefined ? undefined : { name: 'baseline build, single calls (JSON)', events: 1, run: load(baseline.url, SUBMIT_TBOT_EVENT_PATH, single, json, 64) };
  const baselineBatch =
    baseline === undefined
      ? undefined
      : { name: 'baseline build, batch path (JSON)', events: MAX_TBOT_BATCH_EVENTS, run: load(baseline.url, SUBMIT_TBOT_EVENTS_PATH, batchJson, json, 8) };
  const [bareSingle, collectorSingle, connectNodeSingle, bareBatch, batchJsonPath, batchProtoPath] = candidates as [
    Candidate,
    Candidate,
    Candidate,
    Candidate,
    Candidate,
    Candidate,
  ];
  if (baselineSingle !== undefined) candidates.splice(2, 0, baselineSingle);
  if (baselineBatch !== undefined) candidates.splice(candidates.indexOf(batchJsonPath) + 1, 0, baselineBatch);
  for (const candidate of [bareSingle, bareBatch]) candidate.pid = bare.child.pid;
  for (const candidate of [collectorSingle, batchJsonPath, batchProtoPath]) candidate.pid = collector.child.pid;
  connectNodeSingle.pid = viaConnectNode.child.pid;
  for (const candidate of [baselineSingle, baselineBatch]) if (candidate !== undefined) (candidate as Candidate).pid = baseline?.child.pid;
  const results = new Map(candidates.map((candidate) => [candidate.name, [] as autocannon.Result[]]));
  /** Requests answered per CPU-second of the server, per round. */
  const perCpu = new Map(candidates.map((candidate) => [candidate.name, [] as number[]]));
  for (let round = 0; round < rounds; round += 1) {
    for (const candidate of candidates) {
      const cpuBefore = candidate.pid === undefined ? 0 : cpuSecondsOf(candidate.pid);
      const result = await candidate.run();
      results.get(candidate.name)!.push(result);
      if (candidate.pid !== undefined) perCpu.get(candidate.name)!.push(result.requests.total / (cpuSecondsOf(candidate.pid) - cpuBefore));
    }
  }
  bare.child.kill();
  await collector.stop();
  await viaConnectNode.stop();
  await baseline?.stop();

  const requestRate = (name: string): number => median(results.get(name)!.map((result) => result.requests.average));
  const eventRate = (candidate: Candidate): number => requestRate(candidate.name) * candidate.events;
  const failures = (name: string): string => {
    const all = results.get(name)!;
    return `${all.reduce((sum, result) => sum + result.non2xx, 0)} non-2xx, ${all.reduce((sum, result) => sum + result.errors, 0)} errors`;
  };
  const p = (name: string, key: 'p50' | 'p99'): number => median(results.get(name)!.map((result) => result.latency[key]));
  console.log(
    `ingest, one paired run: ${rounds} rounds × ${candidates.length} candidates × ${seconds} s, autocannon (medians); load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  for (const candidate of candidates) {
    const cpu = perCpu.get(candidate.name)!;
    console.log(
      `  ${candidate.name.padEnd(40)} ${requestRate(candidate.name).toFixed(0).padStart(7)} req/s ${eventRate(candidate).toFixed(0).padStart(8)} events/s   p50 ${p(candidate.name, 'p50')} ms   p99 ${p(candidate.name, 'p99')} ms   (${failures(candidate.name)})${cpu.length === 0 ? '' : `   ${(median(cpu) * candidate.events).toFixed(0)} events per server CPU-second`}`,
    );
  }
  console.log(`  single calls ÷ bare                      ${(requestRate(collectorSingle.name) / requestRate(bareSingle.name)).toFixed(2)}   goal ≥ 0.4`);
  console.log(`  connect-node path's single calls ÷ bare  ${(requestRate(connectNodeSingle.name) / requestRate(bareSingle.name)).toFixed(2)}`);
  if (baselineSingle !== undefined) console.log(`  baseline build's single calls ÷ bare     ${(requestRate(baselineSingle.name) / requestRate(bareSingle.name)).toFixed(2)}`);
  console.log(
    `  batch path (JSON) events/s                ${eventRate(batchJsonPath).toFixed(0)}   goal ≥ 50,000 durable; ${(requestRate(batchJsonPath.name) / requestRate(bareBatch.name)).toFixed(2)}× the bare server's request rate on the same body`,
  );
  if (baselineBatch !== undefined) console.log(`  batch path (JSON) ÷ baseline build's      ${(eventRate(batchJsonPath) / eventRate(baselineBatch)).toFixed(2)}`);
  console.log(`  batch path (binary, gzip) events/s        ${eventRate(batchProtoPath).toFixed(0)}`);
  console.log(`  batch path (JSON) ÷ single calls, events  ${(eventRate(batchJsonPath) / eventRate(collectorSingle)).toFixed(1)}×`);
}

interface ReportRun {
  ms: number;
  rssBytes: number;
}

/** Three runs of each build, taking turns: the median time, and the median and largest peak RSS. */
async function reportOf(family: string, dir: string): Promise<[build: string, runs: ReportRun[]][]> {
  const runs = builds.map(([name]) => [name, [] as ReportRun[]] as [string, ReportRun[]]);
  for (let run = 0; run < 3; run += 1) {
    for (const [index, [, dist]] of builds.entries())
      runs[index]![1].push(await peakRssOf([join(dist, 'tbot-collector.mjs'), 'report', family, '--data-dir', dir, '--since', '31d', '--format', 'json']));
  }
  return runs;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
function printReport(label: string, results: [build: string, runs: ReportRun[]][]): void {
  for (const [build, runs] of results) {
    const name = builds.length > 1 ? `${label} (${build})` : label;
    const rss = runs.map((one) => one.rssBytes);
    console.log(`  ${name.padEnd(41)}${(median(runs.map((one) => one.ms)) / 1000).toFixed(2)} s   ${mb(Math.max(...rss))} (median ${mb(median(rss))})   goal ≤ 5 s, ≤ 150 MB`);
  }
}

try {
  if (selected('ingest')) await ingest();
  if (selected('report-html')) {
    const dataDir = join(scratch, 'million');
    await writeMillion(dataDir);
    const reportRun = await peakRssOf([join(root, 'dist/tbot-collector.mjs'), 'report', '--data-dir', dataDir, '--since', '31d', '--format', 'html']);
    await rm(dataDir, { recursive: true, force: true });
    console.log('report over 1,000,000 stored events (30 daily segments), --format html (every section)');
    console.log(`  time                                     ${(reportRun.ms / 1000).toFixed(2)} s   goal ≤ 5 s`);
    console.log(`  peak RSS                                 ${mb(reportRun.rssBytes)}   goal ≤ 150 MB`);
  }
  if (selected('report-mixed')) {
    // A million again, mixed: a third each of tbot, Connect and Discover events (Discover in wizard
    // runs of about four events, hence its smaller weight).
    const mixedDir = join(scratch, 'mixed');
    await writeUsageStore(mixedDir, 1_000_000, { tbot: 1, connect: 1, discover: 0.23 });
    console.log('reports over 1,000,000 mixed stored events (a third each of tbot, Connect and Discover; median time of 3 runs, largest and median peak RSS)');
    for (const family of ['tbot', 'connect', 'discover']) printReport(`report ${family}`, await reportOf(family, mixedDir));
    await rm(mixedDir, { recursive: true, force: true });
  }
  for (const family of ['connect', 'discover'] as const) {
    if (!selected(`report-${family}`)) continue;
    const dir = join(scratch, family);
    await writeUsageStore(dir, 1_000_000, { tbot: 0, connect: family === 'connect' ? 1 : 0, discover: family === 'discover' ? 1 : 0 });
    console.log(`worst case: 1,000,000 stored ${family} events (median time of 3 runs, largest and median peak RSS)`);
    printReport(`report ${family}`, await reportOf(family, dir));
    await rm(dir, { recursive: true, force: true });
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
