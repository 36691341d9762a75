/**
 * Batch send throughput: how many events per second the reporter gets durably stored by the built
 * collector (validated, group-committed, fsynced), through its real HTTP transport (one connection
 * per request, no keep-alive, as the agent sends), for tbot.start events:
 *   single calls, 4 in flight     prehog.v1alpha.TbotReportingService/SubmitTbotEvent
 *   batches of 50 and of 500      tbotanalytics.v1.TbotBatchReportingService/SubmitTbotEvents
 * and the ratio of each batch size to single calls.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TBOT_REPORTING_SERVICE, TbotStart } from '../src/analytics/services.js';
import { MAX_TBOT_BATCH_EVENTS, SUBMIT_TBOT_EVENTS_PATH } from '../src/protocol/tbot-wire.js';
import { createReporter, defineService, fixedConsent, PerEventDistinctId, type ServiceDescriptor } from '../src/reporting/index.js';
import { median, runsFromEnv } from './measure.js';
import { SAMPLE_START } from './sample-events.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = runsFromEnv(5);
const EVENTS = 6_000;
const START = SAMPLE_START;

/** The same service with the collector's batch method (its body limit is 512 KiB). */
const BATCHED: ServiceDescriptor<typeof TbotStart> = defineService({
  ...TBOT_REPORTING_SERVICE,
  batch: {
    path: SUBMIT_TBOT_EVENTS_PATH,
    max: MAX_TBOT_BATCH_EVENTS,
    maxBytes: 512 * 1024,
    request: (events) => ({ events }),
    // Each event passed the single method's schema already; the wrapper is only `events`.
    check: (request) => (Array.isArray((request as { events?: unknown }).events) && Object.keys(request as object).length === 1 ? undefined : 'expected { events: [...] }'),
  },
});

/** Events per second from the first capture until every event is acknowledged. */
async function sendAll(service: ServiceDescriptor<typeof TbotStart>, url: string, size: number): Promise<number> {
  const reporter = createReporter({ service, endpoint: url, consent: fixedConsent(true), identity: new PerEventDistinctId(), batch: { size, maxBuffered: EVENTS } });
  const started = performance.now();
  for (let i = 0; i < EVENTS; i += 1) reporter.capture(TbotStart.create(START));
  await reporter.flush();
  const seconds = (performance.now() - started) / 1_000;
  const { sent, failed, rejected } = reporter.stats();
  if (sent !== EVENTS) throw new Error(`only ${sent} of ${EVENTS} sent (${failed} failed, ${rejected} rejected)`);
  return EVENTS / seconds;
}

const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-send-'));
const collector = spawn(process.execPath, [join(root, 'dist/tbot-collector.mjs'), 'serve', '--listen', '127.0.0.1:0', '--data-dir', join(scratch, 'data')], {
  stdio: ['ignore', 'ignore', 'pipe'],
  env: { PATH: process.env['PATH'] ?? '' },
});
try {
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    collector.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = /collector listening address=(127\.0\.0\.1:\d+)/.exec(output);
      if (match !== null) resolve(`http://${match[1]}`);
    });
    collector.once('exit', (code) => reject(new Error(`collector exited ${code}: ${output}`)));
  });
  const cases = [
    { name: 'single calls, 4 in flight', run: () => sendAll(TBOT_REPORTING_SERVICE, url, 50) },
    { name: 'batches of 50', run: () => sendAll(BATCHED, url, 50) },
    { name: 'batches of 500', run: () => sendAll(BATCHED, url, 500) },
  ];
  const rates = new Map(cases.map((item) => [item.name, [] as number[]]));
  for (let round = 0; round < rounds + 1; round += 1) {
    for (const item of cases) {
      const rate = await item.run();
      if (round > 0) rates.get(item.name)!.push(rate);
    }
  }
  const single = median(rates.get(cases[0]!.name)!);
  console.log(`reporter → built collector, ${EVENTS.toLocaleString('en')} tbot.start events per run, ${rounds} interleaved runs (medians), durable (fsynced) on arrival`);
  for (const item of cases) {
    const rate = median(rates.get(item.name)!);
    console.log(`  ${item.name.padEnd(28)} ${Math.round(rate).toLocaleString('en').padStart(8)} events/s   ÷ single calls ${(rate / single).toFixed(2)}×`);
  }
} finally {
  collector.kill('SIGTERM');
  await new Promise((resolve) => (collector.exitCode === null ? collector.once('exit', resolve) : resolve(undefined)));
  await rm(scratch, { recursive: true, force: true });
}
