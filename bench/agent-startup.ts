/**
 * Agent start-up and the cost of analytics, measured side by side in one run (medians):
 *   one-shot ÷ `node -e 0`                         goal ≤ 2.0×
 *   analytics on, healthy loopback receiver ÷ off  goal ≤ 1.1×
 *   analytics on, black-holed endpoint − off       goal ≤ 1.0 s added
 *   runtime-compiled schemas ÷ precompiled         (why build.mjs precompiles)
 *   peak RSS of a one-shot run                     goal ≤ 80 MB
 * BENCH_BASELINE_DIST=<dir of an earlier build> adds that build's agent side by side (after ÷ before).
 * BENCH_ENV=machine runs every candidate with this shell's environment (e.g. NODE_EXTRA_CA_CERTS,
 * which costs Node 20 tens of ms per start) instead of a clean one holding only PATH.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../build.mjs';
import { startReceiver } from '../test/helpers/receiver.js';
import { fmt, measure, median, runOnce, runsFromEnv, type Candidate } from './measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = runsFromEnv(15);
const machineEnv = process.env['BENCH_ENV'] === 'machine';
const baseEnv = (): Record<string, string> => (machineEnv ? (Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined)) as Record<string, string>) : { PATH: process.env['PATH'] ?? '' });
const baseline = process.env['BENCH_BASELINE_DIST'];
const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-'));
const healthy = await startReceiver('ok');
const blackhole = await startReceiver('blackhole');
try {
  const runtimeSchemas = join(scratch, 'runtime-schemas');
  await build({ outdir: runtimeSchemas, precompileSchemas: false });
  const config = join(root, 'config/host-continuous.yaml');
  const agent = (name: string, bundle: string, extra: string[], env: Record<string, string> = {}): Candidate => ({
    name,
    command: process.execPath,
    args: [bundle, 'start', '--oneshot', '-c', config, ...extra],
    cwd: scratch,
    env: { ...baseEnv(), ...env },
  });
  const bundle = join(root, 'dist/tbot.mjs');
  const candidates: Candidate[] = [
    { name: 'node -e 0', command: process.execPath, args: ['-e', '0'], env: baseEnv() },
    agent('analytics off', bundle, ['--no-anonymous-analytics']),
    agent('analytics on, healthy receiver', bundle, ['--anonymous-analytics'], { TBOT_ANALYTICS_ENDPOINT: healthy.url }),
    agent('analytics on, black-holed endpoint', bundle, ['--anonymous-analytics'], { TBOT_ANALYTICS_ENDPOINT: blackhole.url }),
    agent('analytics off, schemas compiled at run time', join(runtimeSchemas, 'tbot.mjs'), ['--no-anonymous-analytics']),
    // The floor under "analytics on": ky is built on fetch, and Node 20 loads fetch's undici on first use.
    { name: 'node: one fetch() POST', command: process.execPath, args: ['-e', `fetch(${JSON.stringify(healthy.url)}, { method: 'POST', body: '{}' }).then((r) => r.text())`] },
    { name: 'node: one http.request POST', command: process.execPath, args: ['-e', `require('node:http').request(${JSON.stringify(healthy.url)}, { method: 'POST' }, (r) => r.resume()).end('{}')`] },
    ...(baseline === undefined
      ? []
      : [
          agent('analytics off (baseline build)', join(baseline, 'tbot.mjs'), ['--no-anonymous-analytics']),
          agent('analytics on, healthy receiver (baseline build)', join(baseline, 'tbot.mjs'), ['--anonymous-analytics'], { TBOT_ANALYTICS_ENDPOINT: healthy.url }),
        ]),
  ];
  const times = await measure(candidates, runs);
  const med = (name: string): number => median(times.get(name)!);

  const rssLog = join(scratch, 'rss.log');
  const rssPreload = join(root, 'test/fixtures/report-rss.mjs');
  for (let i = 0; i < 5; i += 1) {
    await runOnce({ ...agent('rss', bundle, ['--anonymous-analytics'], { TBOT_ANALYTICS_ENDPOINT: healthy.url, TBOT_RSS_LOG: rssLog }), args: ['--import', rssPreload, bundle, 'start', '--oneshot', '-c', config, '--anonymous-analytics'] });
  }
  const peakRss = Math.max(...(await readFile(rssLog, 'utf8')).trim().split('\n').map(Number));

  console.log(`agent start-up, ${runs} interleaved runs each (medians), config/host-continuous.yaml, ${machineEnv ? "this shell's environment" : 'a clean environment (PATH only)'}`);
  for (const candidate of candidates) console.log(`  ${candidate.name.padEnd(46)} ${fmt(med(candidate.name))}`);
  console.log('ratios');
  console.log(`  one-shot (analytics off) ÷ node -e 0              ${(med('analytics off') / med('node -e 0')).toFixed(2)}×   goal ≤ 2.0×`);
  console.log(`  analytics on, healthy receiver ÷ off              ${(med('analytics on, healthy receiver') / med('analytics off')).toFixed(2)}×   goal ≤ 1.1×`);
  console.log(`  analytics on, black-holed endpoint − off          +${fmt(med('analytics on, black-holed endpoint') - med('analytics off'))}   goal ≤ +1000 ms`);
  console.log(`  fetch() cold start − http.request (Node 20 floor)  +${fmt(med('node: one fetch() POST') - med('node: one http.request POST'))}`);
  console.log(`  schemas compiled at run time ÷ precompiled        ${(med('analytics off, schemas compiled at run time') / med('analytics off')).toFixed(2)}×`);
  console.log(`  peak RSS of a one-shot run (analytics on)         ${(peakRss / 1024 / 1024).toFixed(1)} MB   goal ≤ 80 MB`);
  if (baseline !== undefined) {
    console.log(`  this build ÷ baseline build, analytics off         ${(med('analytics off') / med('analytics off (baseline build)')).toFixed(3)}×   goal ≤ 1.0 within noise`);
    console.log(`  this build ÷ baseline build, analytics on          ${(med('analytics on, healthy receiver') / med('analytics on, healthy receiver (baseline build)')).toFixed(3)}×   goal ≤ 1.0 within noise`);
  }
} finally {
  await healthy.close();
  await blackhole.close();
  await rm(scratch, { recursive: true, force: true });
}
