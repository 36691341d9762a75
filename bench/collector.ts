/**
 * The collector, side by side in one run:
 *   accepted events/s with durable storage ÷ a bare node:http server answering {} to the same
 *   requests (the ceiling for a Node server here), both driven by autocannon   goal ≥ 50% and ≥ 10,000/s
 *   p50 / p99 latency of each
 *   report over 1,000,000 stored events: time and peak RSS                     goal ≤ 5 s, ≤ 150 MB
 *   report tbot / connect / discover over 1,000,000 mixed events (a third each)  goal ≤ 5 s, ≤ 150 MB each
 *   and, as the worst case, connect and discover each over 1,000,000 events of their own family
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUBMIT_TBOT_EVENT_PATH } from '../src/protocol/tbot-wire.js';
import { segmentName } from '../src/collector/store/segments.js';
import { startCollector } from '../test/helpers/collector-process.js';
import { writeUsageStore } from './usage-store.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-collector-'));
const seconds = Number(process.env['BENCH_SECONDS'] ?? 8);
const body = JSON.stringify({
  distinctId: '3b241101-e2bb-4255-8caf-4136c566a962',
  timestamp: new Date().toISOString(),
  start: { runMode: 'RUN_MODE_ONE_SHOT', version: '1.2.3', joinType: 'github', helper: 'gha:teleport-actions/auth', helperVersion: '1.2.0', destinationsOther: 1, destinationsDatabase: 0, destinationsKubernetes: 1, destinationsApplication: 0 },
});

const BARE_SERVER = `require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')); }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;

async function startBare(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', BARE_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
  return { url: `http://127.0.0.1:${port}`, child };
}

async function load(url: string): Promise<autocannon.Result> {
  return autocannon({ url: `${url}${SUBMIT_TBOT_EVENT_PATH}`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 64, duration: seconds });
}

async function peakRssOf(args: string[]): Promise<{ ms: number; rssBytes: number }> {
  const log = join(scratch, 'rss.log');
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', join(root, 'test/fixtures/report-rss.mjs'), ...args], { env: { PATH: process.env['PATH'] ?? '', TBOT_RSS_LOG: log }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`report exited ${code}`))));
  });
  const ms = performance.now() - started;
  return { ms, rssBytes: Number((await readFile(log, 'utf8')).trim().split('\n').at(-1)) };
}

try {
  const bare = await startBare();
  const bareResult = await load(bare.url);
  bare.child.kill();
  const collector = await startCollector(join(scratch, 'ingest'));
  const collectorResult = await load(collector.url);
  await collector.stop();

  // A million stored events spread over 30 days.
  const dataDir = join(scratch, 'million');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dataDir);
  const perDay = Math.ceil(1_000_000 / 30);
  for (let day = 0; day < 30; day += 1) {
    const at = new Date(Date.now() - day * 86_400_000);
    const out = createWriteStream(join(dataDir, segmentName(at)));
    const record = JSON.parse(`{"received_at":"${at.toISOString()}","event":${body}}`);
    for (let i = 0; i < perDay; i += 1) {
      record.event.start.runMode = i % 3 === 0 ? 'RUN_MODE_DAEMON' : 'RUN_MODE_ONE_SHOT';
      record.event.start.joinType = ['github', 'iam', 'gitlab', 'kubernetes'][i % 4];
      if (!out.write(`${JSON.stringify(record)}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve) => out.end(resolve));
  }
  const reportRun = await peakRssOf([join(root, 'dist/tbot-collector.mjs'), 'report', '--data-dir', dataDir, '--since', '31d', '--format', 'json']);

  // The same million, mixed: a third each of tbot, Connect and Discover events (Discover in wizard
  // runs of about four events, hence its smaller weight), then each new family alone.
  const families = ['tbot', 'connect', 'discover'] as const;
  const mixedDir = join(scratch, 'mixed');
  await writeUsageStore(mixedDir, 1_000_000, { tbot: 1, connect: 1, discover: 0.23 });
  const reportOf = async (family: string, dir: string): Promise<{ ms: number; rssBytes: number }> => {
    // Three runs each: the median time and the largest peak RSS.
    const runs = [];
    for (let run = 0; run < 3; run += 1) runs.push(await peakRssOf([join(root, 'dist/tbot-collector.mjs'), 'report', family, '--data-dir', dir, '--since', '31d', '--format', 'json']));
    return { ms: runs.map((one) => one.ms).sort((a, b) => a - b)[1]!, rssBytes: Math.max(...runs.map((one) => one.rssBytes)) };
  };
  const mixed = [];
  for (const family of families) mixed.push([family, await reportOf(family, mixedDir)] as const);
  await rm(mixedDir, { recursive: true, force: true });
  const alone = [];
  for (const family of ['connect', 'discover'] as const) {
    const dir = join(scratch, family);
    await writeUsageStore(dir, 1_000_000, { tbot: 0, connect: family === 'connect' ? 1 : 0, discover: family === 'discover' ? 1 : 0 });
    alone.push([family, await reportOf(family, dir)] as const);
    await rm(dir, { recursive: true, force: true });
  }

  const rate = (result: autocannon.Result): number => result.requests.average;
  const ok = (result: autocannon.Result): string => `${result['2xx']} ok, ${result.non2xx} non-2xx, ${result.errors} errors`;
  console.log(`ingest, autocannon 64 connections × ${seconds} s each, POST SubmitTbotEvent (JSON)`);
  console.log(`  bare node:http answering {}         ${rate(bareResult).toFixed(0)} req/s   p50 ${bareResult.latency.p50} ms   p99 ${bareResult.latency.p99} ms   (${ok(bareResult)})`);
  console.log(`  collector (validated, fsynced)      ${rate(collectorResult).toFixed(0)} req/s   p50 ${collectorResult.latency.p50} ms   p99 ${collectorResult.latency.p99} ms   (${ok(collectorResult)})`);
  console.log(`  collector ÷ bare                    ${(rate(collectorResult) / rate(bareResult)).toFixed(2)}   goal ≥ 0.5, and ≥ 10,000/s`);
  console.log('report over 1,000,000 stored events (30 daily segments)');
  console.log(`  time                                ${(reportRun.ms / 1000).toFixed(2)} s   goal ≤ 5 s`);
  console.log(`  peak RSS                            ${(reportRun.rssBytes / 1024 / 1024).toFixed(1)} MB   goal ≤ 150 MB`);
  const line = (label: string, run: { ms: number; rssBytes: number }): string => `  ${label.padEnd(36)}${(run.ms / 1000).toFixed(2)} s   ${(run.rssBytes / 1024 / 1024).toFixed(1)} MB   goal ≤ 5 s, ≤ 150 MB`;
  console.log('reports over 1,000,000 mixed stored events (a third each of tbot, Connect and Discover; median of 3 runs, largest peak RSS)');
  for (const [family, run] of mixed) console.log(line(`report ${family}`, run));
  console.log('worst case: 1,000,000 stored events of one family');
  for (const [family, run] of alone) console.log(line(`report ${family}`, run));
} finally {
  await rm(scratch, { recursive: true, force: true });
}
