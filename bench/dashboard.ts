/**
 * The dashboard over a month of a million stored events, side by side with the CLI report over
 * the same store and window, in one run:
 *   report <family> --format html (a fresh process; the baseline)
 *   the dashboard page, first load (the fold runs)                  goal ≤ 3 s
 *   the same page again, store unchanged (from the cache)           goal ≤ 300 ms
 * Two stores: a million tbot starts (the tbot page), and a million mixed events, a third each of
 * tbot, Connect and Discover (the Connect and Discover pages). The load average is printed with
 * the figures, since the machine is shared.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from '../test/helpers/collector-process.js';
import { fmt, median, ratio, runOnce } from './measure.js';
import { writeUsageStore } from './usage-store.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DAY_MS = 86_400_000;
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const SINCE = day(Date.now() - 31 * DAY_MS);
const UNTIL = day(Date.now() + DAY_MS);
const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

async function timedFetch(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url);
  await response.text();
  if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
  return performance.now() - started;
}

async function compare(dataDir: string, pages: readonly string[]): Promise<void> {
  const collector = await startCollector(dataDir, ['--dashboard']);
  try {
    for (const page of pages) {
      const cli = await runOnce({
        name: `report ${page}`,
        command: process.execPath,
        args: [join(root, 'dist/tbot-collector.mjs'), 'report', page, '--data-dir', dataDir, '--since', SINCE, '--until', UNTIL, '--format', 'html'],
      });
      const url = `${collector.url}/dashboard/${page}?since=${SINCE}&until=${UNTIL}`;
      const first = await timedFetch(url);
      // The cached answer several times over, its median: one fetch on a loaded machine is noise.
      const times: number[] = [];
      for (let round = 0; round < 5; round += 1) times.push(await timedFetch(url));
      const again = median(times);
      console.log(
        `  ${page.padEnd(9)} CLI report ${fmt(cli).padStart(10)}   dashboard first ${fmt(first).padStart(10)} (${ratio(first, cli)} the CLI; goal ≤ 3 s)   unchanged ${fmt(again).padStart(8)} (median of 5; ${ratio(again, cli)}; goal ≤ 300 ms)   load ${load()}`,
      );
    }
  } finally {
    await collector.stop();
  }
}

const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-dashboard-'));
try {
  console.log(`dashboard vs report --format html, window ${SINCE} .. ${UNTIL}; load average at start ${load()}`);
  const tbotOnly = join(scratch, 'tbot');
  await writeUsageStore(tbotOnly, 1_000_000, { tbot: 1, connect: 0, discover: 0 });
  console.log('a million tbot starts over 30 days');
  await compare(tbotOnly, ['tbot']);
  const mixed = join(scratch, 'mixed');
  await writeUsageStore(mixed, 1_000_000, { tbot: 1, connect: 1, discover: 0.23 });
  console.log('a million mixed events over 30 days (a third each of tbot, Connect and Discover)');
  await compare(mixed, ['connect', 'discover']);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
