/**
 * What the serving thread pays, per event, to hand what the store wrote to the ship thread
 * (start-shipping.ts with written-memory.ts): each write is kept until the next 50 ms notice, then
 * the notice's writes are copied into one buffer per run and posted, the buffers transferred.
 * Compared, in the same run and taking turns, with the baseline of making each write's bytes
 * (Buffer.from of the line, which the store does anyway): single-event writes of a 400-byte line,
 * 250 a notice (5,000 events/s). BENCH_ROUNDS rounds of 2,000 notices after a warm-up; medians.
 */
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { coalesced, type WrittenRange } from '../src/collector/ship/written-memory.js';
import { median } from './measure.js';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
const NOTICES = 2_000;
const PER_NOTICE = 250;
const line = `${'x'.repeat(399)}\n`;
// A ship thread that takes the notices and drops them.
const worker = new Worker('require("node:worker_threads").parentPort.on("message", () => {});', { eval: true });
let offset = 0;

/** µs per event of making the writes' bytes alone (the baseline), and of handing them over. */
function notices(count: number): { making: number; handing: number } {
  let making = 0;
  let handing = 0;
  for (let notice = 0; notice < count; notice += 1) {
    const started = performance.now();
    const made = Array.from({ length: PER_NOTICE }, () => Buffer.from(line));
    const handed = performance.now();
    const writes: WrittenRange[] = [];
    for (const bytes of made) {
      writes.push({ segment: 'events-2026-12-05.ndjson', offset, bytes });
      offset += bytes.length;
    }
    const runs = coalesced(writes);
    worker.postMessage(
      { kind: 'notify', mark: notice, written: runs, lost: false },
      runs.map((run) => run.bytes.buffer as ArrayBuffer),
    );
    const done = performance.now();
    making += handed - started;
    handing += done - handed;
  }
  return { making: (making * 1000) / (count * PER_NOTICE), handing: (handing * 1000) / (count * PER_NOTICE) };
}

const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
notices(500);
const making: number[] = [];
const handing: number[] = [];
for (let round = 0; round < rounds; round += 1) {
  const figures = notices(NOTICES);
  making.push(figures.making);
  handing.push(figures.handing);
  console.log(`  round ${round + 1}: making the bytes ${figures.making.toFixed(3)} µs, handing them over ${figures.handing.toFixed(3)} µs per event; load average ${load()}`);
}
console.log(
  `hand-over to the ship thread, per event (median of ${rounds}): ${median(handing).toFixed(3)} µs, against ${median(making).toFixed(3)} µs for making the bytes (the baseline): ${(median(handing) / median(making)).toFixed(2)}×; load average ${load()}`,
);
await worker.terminate();
