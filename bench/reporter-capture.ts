/**
 * What capture() costs the app that calls it, in-process (nothing is sent while the loop runs:
 * sending happens off the caller's path, so the buffer fills and drops its oldest, as under a flood):
 *   events/s into the buffer                                   goal ≥ 1,000,000/s
 *   p99 of one call                                            goal ≤ 5 µs
 * for an event with nothing to anonymize (tbot.start), one whose cluster name repeats (the usual
 * case: an app talks to few clusters), and one with a new name every call (an HMAC each time).
 * A bare `array.push` of the same object is the floor the ratios are taken against.
 */
import { TBOT_REPORTING_SERVICE, TbotStart } from '../src/analytics/services.js';
import { createReporter, defineEventType, defineService, EphemeralDistinctId, fixedConsent, HmacAnonymizer, type Transport } from '../src/reporting/index.js';
import { median, runsFromEnv } from './measure.js';
import { SAMPLE_START } from './sample-events.js';

const rounds = runsFromEnv(7);
const EVENTS = 1_000_000;
const TIMED = 200_000;

const START = SAMPLE_START;

const TabOpen = defineEventType<{ root_cluster_name: string; tab_kind: string; index: number }>({
  name: 'connect.tab.open',
  fields: { root_cluster_name: 'anonymize', tab_kind: 'plain' },
  toWire: (fields) => ({ tabOpen: fields }),
});
const TAB_SERVICE = defineService({
  name: 'bench.v1.S',
  events: [TabOpen],
  single: { path: '/bench.v1.S/Submit', request: (meta, wire) => ({ ...meta, ...(wire as object) }), check: () => undefined },
});

// Nothing reaches it while the loop runs; it is here so that no HTTP client is loaded.
const nowhere: Transport = async () => ({ ok: true, status: 200 });
const common = { endpoint: 'http://127.0.0.1:9', consent: fixedConsent(true), identity: new EphemeralDistinctId(), transport: nowhere };

interface Case {
  name: string;
  /** One capture of event number i. */
  setup(): (i: number) => void;
}

const clusters = Array.from({ length: 4 }, (_, i) => `cluster-${i}.example.com`);
const CASES: Case[] = [
  {
    name: 'bare array.push (floor)',
    setup: () => {
      let sink: unknown[] = [];
      return (i) => {
        if (sink.length >= 1_000) sink = [];
        sink.push({ type: TbotStart, fields: START, at: new Date(), seq: i });
      };
    },
  },
  {
    name: 'capture: tbot.start (nothing to anonymize)',
    setup: () => {
      const reporter = createReporter({ ...common, service: TBOT_REPORTING_SERVICE });
      const event = TbotStart.create(START);
      return () => void reporter.capture(event);
    },
  },
  {
    name: 'capture: cluster name from 4 clusters',
    setup: () => {
      const reporter = createReporter({ ...common, service: TAB_SERVICE, anonymizer: new HmacAnonymizer('bench-key') });
      return (i) => void reporter.capture(TabOpen.create({ root_cluster_name: clusters[i & 3]!, tab_kind: 'ssh', index: i }));
    },
  },
  {
    name: 'capture: a new cluster name every call',
    setup: () => {
      const reporter = createReporter({ ...common, service: TAB_SERVICE, anonymizer: new HmacAnonymizer('bench-key') });
      return (i) => void reporter.capture(TabOpen.create({ root_cluster_name: `cluster-${i}.example.com`, tab_kind: 'ssh', index: i }));
    },
  },
];

function throughput(capture: (i: number) => void, count: number): number {
  const started = performance.now();
  for (let i = 0; i < count; i += 1) capture(i);
  return count / ((performance.now() - started) / 1_000);
}

function latencies(capture: (i: number) => void, count: number): { p50: number; p99: number; max: number } {
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i += 1) {
    const started = process.hrtime.bigint();
    capture(i);
    samples[i] = Number(process.hrtime.bigint() - started);
  }
  samples.sort();
  return { p50: samples[Math.floor(count * 0.5)]!, p99: samples[Math.floor(count * 0.99)]!, max: samples[count - 1]! };
}

// The timer's own cost, subtracted so the percentiles are the call's.
const clockCost = latencies(() => undefined, TIMED);

const rates = new Map<string, number[]>();
const p99s = new Map<string, number[]>();
const p50s = new Map<string, number[]>();
for (let round = 0; round < rounds + 1; round += 1) {
  for (const item of CASES) {
    const capture = item.setup();
    // Warm-up: JIT and the buffer's steady state (full, dropping its oldest).
    throughput(capture, 50_000);
    const rate = throughput(capture, EVENTS);
    const timed = latencies(capture, TIMED);
    if (round === 0) continue;
    (rates.get(item.name) ?? rates.set(item.name, []).get(item.name)!).push(rate);
    (p99s.get(item.name) ?? p99s.set(item.name, []).get(item.name)!).push(Math.max(0, timed.p99 - clockCost.p50));
    (p50s.get(item.name) ?? p50s.set(item.name, []).get(item.name)!).push(Math.max(0, timed.p50 - clockCost.p50));
  }
}

const floor = median(rates.get(CASES[0]!.name)!);
console.log(
  `capture() in-process, ${rounds} rounds of ${EVENTS.toLocaleString('en')} calls (throughput) and ${TIMED.toLocaleString('en')} timed calls (latency); medians; timer cost ${clockCost.p50} ns subtracted`,
);
console.log(
  `  ${'case'.padEnd(44)} ${'events/s'.padStart(12)} ${'÷ 1M/s goal'.padStart(12)} ${'÷ floor'.padStart(8)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'p99 ÷ 5 µs'.padStart(11)}`,
);
for (const item of CASES) {
  const rate = median(rates.get(item.name)!);
  const p99 = median(p99s.get(item.name)!);
  const p50 = median(p50s.get(item.name)!);
  console.log(
    `  ${item.name.padEnd(44)} ${Math.round(rate).toLocaleString('en').padStart(12)} ${(rate / 1e6).toFixed(2).padStart(11)}× ${(rate / floor).toFixed(2).padStart(7)}× ${`${(p50 / 1000).toFixed(2)} µs`.padStart(8)} ${`${(p99 / 1000).toFixed(2)} µs`.padStart(8)} ${(p99 / 5000).toFixed(2).padStart(10)}×`,
  );
}
