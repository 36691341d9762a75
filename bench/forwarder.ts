/**
 * The PostHog forwarder's pace, against a loopback PostHog, with 100 events/s arriving at the
 * built collector (printed, never asserted):
 *   a 429 storm: requests made ÷ what the backoff schedule allows in the same time   goal 1.0
 *   healthy: requests per second and events per request                              goal: batches, not one request per event
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINGER_MS, RETRY_BACKOFF } from '../src/collector/forward/posthog-forwarder.js';
import { backoffDelayMs } from '../src/time/backoff.js';
import { startCollector, submit, tbotEvent } from '../test/helpers/collector-process.js';
import { accept, startPostHog } from '../test/helpers/posthog-stub.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const RATE = 100;
const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-forwarder-'));

/** Requests the schedule allows in `ms` of constant failure: the first after the linger, then one per backoff. */
function scheduleAllows(ms: number): number {
  let at = LINGER_MS;
  let count = 0;
  while (at <= ms) {
    count += 1;
    at += backoffDelayMs(count, RETRY_BACKOFF);
  }
  return count;
}

async function drive(name: string, answer: typeof accept): Promise<{ requests: number; events: number; bytes: number; accepted: number; ms: number }> {
  const posthog = await startPostHog(answer);
  const collector = await startCollector(join(scratch, name), ['--posthog-host', posthog.url, '--posthog-api-key', 'phc_bench']);
  const began = performance.now();
  const sends: Promise<number>[] = [];
  for (let i = 0; i < seconds * RATE; i += 1) {
    const due = began + (i * 1000) / RATE;
    if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
    sends.push(submit(collector.url, tbotEvent({ helper: 'gha:teleport-actions/auth', helperVersion: '1.2.0' })));
  }
  await Promise.all(sends);
  const ms = performance.now() - began;
  // Let a healthy forwarder send what arrived last (one linger and a little more).
  if (answer === accept) await posthog.until(() => posthog.accepted.length >= seconds * RATE, 10_000);
  await collector.stop();
  await posthog.close();
  return {
    requests: posthog.requests.length,
    events: posthog.requests.reduce((sum, request) => sum + request.batch.length, 0),
    bytes: posthog.requests.reduce((sum, request) => sum + request.bytes, 0),
    accepted: posthog.accepted.length,
    ms,
  };
}

try {
  const storm = await drive('storm', (_batch, res) => void res.writeHead(429, { 'content-type': 'application/json' }).end('{"type":"rate_limited"}'));
  const healthy = await drive('healthy', accept);
  const allowed = scheduleAllows(storm.ms);
  console.log(`forwarder, ${RATE} events/s arriving for ${seconds} s, loopback PostHog`);
  console.log(
    `  429 storm   ${storm.requests} requests (${(storm.requests / (storm.ms / 1000)).toFixed(2)}/s, ${(storm.bytes / 1024).toFixed(0)} KiB sent); the backoff schedule allows ${allowed}`,
  );
  console.log(`              requests ÷ schedule                 ${(storm.requests / allowed).toFixed(2)}   goal 1.0 (before the fix: 804 requests, ~160 MB in 10 s)`);
  console.log(`  healthy     ${healthy.requests} requests for ${healthy.accepted} events (${(healthy.requests / (healthy.ms / 1000)).toFixed(2)} requests/s)`);
  console.log(`              events per request                  ${(healthy.events / healthy.requests).toFixed(1)}   goal ≫ 1 (before the fix: 597 requests for 600 events)`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
