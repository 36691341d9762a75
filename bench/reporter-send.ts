/**
 * Batch send throughput: how many events per second the reporter gets durably stored by the
 * collector (validated, group-committed, fsynced), through its real HTTP transport (one
 * connection per request, no keep-alive, as the agent sends):
 *   single calls (4 in flight) to the built collector's heartbeat service
 *   single calls, and batches of 50 and 150 (under the 64 KiB body limit), to the same ingestion
 *   and store with a bench-only batch method (the agent's services have none)
 * and the ratio of each batch path to single calls.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_REPORTING_SERVICE, TbotHeartbeat } from '../src/analytics/services.js';
import { buildHeartbeatEvent } from '../src/analytics/heartbeat.js';
import { createReporter, defineService, fixedConsent, PerEventDistinctId, type ServiceDescriptor } from '../src/reporting/index.js';
import { BENCH_BATCH_PATH } from './support/paths.js';
import { median, runsFromEnv } from './measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = runsFromEnv(5);
const EVENTS = 6_000;

async function serve(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '' } });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const seen = (chunk: string): void => {
      output += chunk;
      const match = /(?:listening address=|listening )(?:http:\/\/)?(127\.0\.0\.1:\d+)/.exec(output);
      if (match !== null) resolve(`http://${match[1]}`);
    };
    child.stdout!.setEncoding('utf8').on('data', seen);
    child.stderr!.setEncoding('utf8').on('data', seen);
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${output}`)));
  });
  return { url, child };
}

const event = buildHeartbeatEvent({ joinMethod: 'iam', storage: { type: 'memory' }, outputs: [{ type: 'identity', destination: { type: 'memory' } }], oneshot: false, credentialTtlMs: 3_600_000, renewalIntervalMs: 1_200_000 }, '1.2.3', { renewals: 72, failures: 0 }, 86_400_000, 86_400_000);

/** The batch wrapper's own shape; each heartbeat in it passed the single method's schema already. */
const batchCheck = (request: unknown): string | undefined => {
  const heartbeats = (request as { heartbeats?: unknown[] }).heartbeats;
  return Array.isArray(heartbeats) && Object.keys(request as object).length === 1 ? undefined : 'expected { heartbeats: [...] }';
};

const withBatch = (size: number): ServiceDescriptor<typeof TbotHeartbeat> =>
  defineService({
    ...AGENT_REPORTING_SERVICE,
    batch: { path: BENCH_BATCH_PATH, max: size, request: (heartbeats) => ({ heartbeats }), check: batchCheck },
  });

/** Events per second from the first capture until every event is acknowledged. */
async function sendAll(service: ServiceDescriptor<typeof TbotHeartbeat>, url: string, size: number): Promise<number> {
  const reporter = createReporter({ service, endpoint: url, consent: fixedConsent(true), identity: new PerEventDistinctId(), batch: { size, maxBuffered: EVENTS } });
  const started = performance.now();
  for (let i = 0; i < EVENTS; i += 1) reporter.capture(TbotHeartbeat.create(event));
  await reporter.flush();
  const seconds = (performance.now() - started) / 1_000;
  const { sent, failed } = reporter.stats();
  if (sent !== EVENTS) throw new Error(`only ${sent} of ${EVENTS} sent (${failed} failed)`);
  return EVENTS / seconds;
}

const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-send-'));
const built = await serve([join(root, 'dist/tbot-collector.mjs'), 'serve', '--listen', '127.0.0.1:0', '--data-dir', join(scratch, 'built')]);
const support = await serve(['--import', 'tsx', join(root, 'bench/support/batch-collector.ts'), join(scratch, 'support')]);
try {
  const cases = [
    { name: 'single calls → built collector', run: () => sendAll(AGENT_REPORTING_SERVICE, built.url, 50) },
    { name: 'single calls → ingestion with a batch method', run: () => sendAll(AGENT_REPORTING_SERVICE, support.url, 50) },
    { name: 'batches of 50 → same', run: () => sendAll(withBatch(50), support.url, 50) },
    { name: 'batches of 150 → same', run: () => sendAll(withBatch(150), support.url, 150) },
  ];
  const rates = new Map(cases.map((item) => [item.name, [] as number[]]));
  for (let round = 0; round < rounds + 1; round += 1) {
    for (const item of cases) {
      const rate = await item.run();
      if (round > 0) rates.get(item.name)!.push(rate);
    }
  }
  const single = median(rates.get(cases[1]!.name)!);
  console.log(`reporter → collector, ${EVENTS.toLocaleString('en')} heartbeats per run, ${rounds} interleaved runs (medians), durable (fsynced) on arrival`);
  for (const item of cases) {
    const rate = median(rates.get(item.name)!);
    console.log(`  ${item.name.padEnd(46)} ${Math.round(rate).toLocaleString('en').padStart(8)} events/s   ÷ single calls ${(rate / single).toFixed(2)}×`);
  }
} finally {
  built.child.kill('SIGTERM');
  support.child.kill('SIGTERM');
  await Promise.all([built, support].map(({ child }) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)))));
  await rm(scratch, { recursive: true, force: true });
}
