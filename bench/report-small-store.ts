/**
 * A report over a small store (10 days, 2,000 tbot starts, about 0.5 MB): the default (one thread
 * below 8 MiB of segments, report/fold.ts) beside two worker threads forced with --workers 2, and
 * `node -e 0` as the floor, in the machine's env and a clean one. Run: node --import tsx bench/report-small-store.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV_NAMES, ENVS, fmt, measure, median, ratio, runsFromEnv, type Candidate } from './measure.js';

const COLLECTOR = fileURLToPath(new URL('../dist/tbot-collector.mjs', import.meta.url));
const DAYS = 10;
const PER_DAY = 200;

async function smallStore(dir: string): Promise<void> {
  await mkdir(dir, { mode: 0o700 });
  const now = Date.now();
  for (let day = 0; day < DAYS; day += 1) {
    const at = new Date(now - day * 86_400_000);
    const lines = Array.from({ length: PER_DAY }, (_, index) => {
      const timestamp = new Date(at.getTime() - index * 1000).toISOString();
      const event = {
        distinctId: (day * 1000 + index).toString(16).padStart(32, '0'),
        timestamp,
        start: { runMode: 'RUN_MODE_ONE_SHOT', version: '18.1.0', joinType: 'github', destinationsOther: 1 },
      };
      return `${JSON.stringify({ received_at: timestamp, family: 'tbot', event })}\n`;
    });
    await writeFile(join(dir, `events-${at.toISOString().slice(0, 10)}.ndjson`), lines.join(''), { mode: 0o600 });
  }
}

const work = await mkdtemp(join(tmpdir(), 'bench-report-small-'));
try {
  const store = join(work, 'data');
  await smallStore(store);
  execFileSync(process.execPath, [COLLECTOR, 'report', '--data-dir', store, '--format', 'json'], { stdio: 'ignore' });
  const runs = runsFromEnv(8);
  console.log(
    `load average before: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}; ${runs} runs each, medians`,
  );
  for (const envName of ENV_NAMES) {
    const env = ENVS[envName];
    const report = (name: string, extra: string[]): Candidate => ({
      name,
      command: process.execPath,
      args: [COLLECTOR, 'report', '--data-dir', store, '--format', 'json', ...extra],
      env,
    });
    const candidates = [{ name: 'node -e 0', command: process.execPath, args: ['-e', '0'], env }, report('report (default)', []), report('report --workers 2', ['--workers', '2'])];
    const times = await measure(candidates, runs);
    const [floor, one, two] = candidates.map((candidate) => median(times.get(candidate.name)!));
    console.log(
      `${envName} env: node -e 0 ${fmt(floor!)}; report, default ${fmt(one!)} (${ratio(one!, floor!)} the floor); --workers 2 ${fmt(two!)} (${ratio(two!, floor!)}); --workers 2 ÷ default ${ratio(two!, one!)}`,
    );
  }
  console.log(
    `load average after: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
