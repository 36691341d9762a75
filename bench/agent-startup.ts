/**
 * The agent's start-up against its baselines: every case side by side in one run, in the machine's
 * env (this shell's, with NODE_EXTRA_CA_CERTS, which costs Node 20 tens of ms at every start) and
 * in a clean env (PATH only), interleaved round robin, medians of BENCH_RUNS rounds (default 15):
 *   tbot version, --version, --help, analytics status     ÷ node -e 0   goal ≤ 1.2× in both envs
 *   start --oneshot -c config/minimal.yaml               ÷ node -e 0   goal ≤ 1.5× in the machine env
 *   start --oneshot -c config/all-kinds.yaml             ÷ the floor   goal ≤ 1.25× in both envs
 *   analytics on (minimal.yaml), healthy receiver        ÷ off         goal ≤ 1.10×
 *   analytics on (minimal.yaml), black-holed endpoint    − off         goal ≤ +1.0 s
 * The floor is bench/floor-oneshot.mjs: node:crypto and node:fs doing only the work all-kinds.yaml
 * asks for (the same files, keys and certificates). The agent runs with its code cache warm (its own
 * XDG_CACHE_HOME, filled by the warm-up rounds). Then: a one-shot's peak RSS (goal ≤ 50 MB), and a
 * continuous agent's first renewal cycle against its later, warm ones.
 *
 * BENCH_BASELINE_DIST=<dist of an earlier build> runs that build's agent beside this one
 * (dist/tbot.cjs, or dist/tbot.mjs in builds before the launcher). E.g. build main in a checkout:
 * `git worktree add /tmp/base main && cd /tmp/base && npm ci && node build.mjs`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReceiver } from '../test/helpers/receiver.js';
import { eachLine, ENV_NAMES, ENVS, fmt, measure, median, ratio, runOnce, runsFromEnv, type Candidate, type EnvName } from './measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = runsFromEnv(15);
const config = (name: string): string => join(root, 'config', name);
const launcherOf = (dist: string): string => (existsSync(join(dist, 'tbot.cjs')) ? join(dist, 'tbot.cjs') : join(dist, 'tbot.mjs'));
const builds: Record<string, string> = { tbot: launcherOf(join(root, 'dist')) };
if (process.env['BENCH_BASELINE_DIST'] !== undefined) builds['baseline'] = launcherOf(process.env['BENCH_BASELINE_DIST']);

const COMMANDS: { name: string; args: string[]; goal: string; analytics?: 'healthy' | 'blackhole' }[] = [
  { name: 'version', args: ['version'], goal: '≤ 1.2× node -e 0' },
  { name: '--version', args: ['--version'], goal: '≤ 1.2× node -e 0' },
  { name: '--help', args: ['--help'], goal: '≤ 1.2× node -e 0' },
  { name: 'analytics status', args: ['analytics', 'status'], goal: '≤ 1.2× node -e 0' },
  { name: 'one-shot minimal.yaml', args: ['start', '--oneshot', '--no-anonymous-analytics', '-c', config('minimal.yaml')], goal: '≤ 1.5× node -e 0 (machine env)' },
  { name: 'one-shot all-kinds.yaml', args: ['start', '--oneshot', '-c', config('all-kinds.yaml')], goal: '≤ 1.25× the floor' },
  { name: 'analytics on, healthy receiver', args: ['start', '--oneshot', '--anonymous-analytics', '-c', config('minimal.yaml')], goal: '≤ 1.10× off', analytics: 'healthy' },
  {
    name: 'analytics on, black-holed endpoint',
    args: ['start', '--oneshot', '--anonymous-analytics', '-c', config('minimal.yaml')],
    goal: '≤ +1000 ms over off',
    analytics: 'blackhole',
  },
];

const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-startup-'));
const healthy = await startReceiver('ok');
const blackhole = await startReceiver('blackhole');
try {
  const cache = join(scratch, 'xdg-cache');
  const env = (name: EnvName, extra: Record<string, string> = {}): Record<string, string> => ({ ...ENVS[name], XDG_CACHE_HOME: cache, ...extra });
  // One run creates the CA in scratch/.tbot-data, which every later run (agent or floor) reads.
  await runOnce({ name: 'setup', command: process.execPath, args: [builds['tbot']!, 'start', '--oneshot', '-c', config('all-kinds.yaml')], cwd: scratch, env: env('clean') });

  const key = (name: string, envName: EnvName): string => `${name} [${envName}]`;
  const candidates: Candidate[] = [];
  for (const envName of ENV_NAMES) {
    candidates.push({ name: key('node -e 0', envName), command: process.execPath, args: ['-e', '0'], env: ENVS[envName] });
    candidates.push({
      name: key('floor', envName),
      command: process.execPath,
      args: [join(root, 'bench/floor-oneshot.mjs'), join(scratch, '.tbot-data'), join(scratch, 'floor-out')],
      env: ENVS[envName],
    });
    for (const [build, launcher] of Object.entries(builds)) {
      for (const command of COMMANDS) {
        const endpoint = command.analytics === undefined ? {} : { TBOT_ANALYTICS_ENDPOINT: (command.analytics === 'healthy' ? healthy : blackhole).url };
        candidates.push({
          name: key(`${build} ${command.name}`, envName),
          command: process.execPath,
          args: [launcher, ...command.args],
          cwd: scratch,
          env: env(envName, endpoint),
        });
      }
    }
  }
  const times = await measure(candidates, runs);
  const med = (name: string, envName: EnvName): number => median(times.get(key(name, envName))!);

  console.log(
    `agent start-up, ${runs} interleaved rounds (medians); load average ${loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')} on ${process.version}`,
  );
  const line = (cells: string[]): void =>
    console.log(
      `  ${cells[0]!.padEnd(46)}${cells
        .slice(1)
        .map((text) => text.padStart(22))
        .join('')}`,
    );
  const cell = (ms: number, envName: EnvName, floor: boolean): string =>
    `${fmt(ms)} ${ratio(ms, med('node -e 0', envName))}${floor ? ` ${ratio(ms, med('floor', envName))}f` : ''}`;
  console.log('  (× is against node -e 0 in the same env; f marks the ratio to the floor)');
  line(['', 'machine env', 'clean env']);
  line(['node -e 0', fmt(med('node -e 0', 'machine')), fmt(med('node -e 0', 'clean'))]);
  line(['floor (bench/floor-oneshot.mjs, all-kinds work)', cell(med('floor', 'machine'), 'machine', false), cell(med('floor', 'clean'), 'clean', false)]);
  for (const build of Object.keys(builds)) {
    for (const command of COMMANDS) {
      const name = `${build} ${command.name}`;
      const floor = command.name.includes('all-kinds');
      console.log(`  ${name.padEnd(46)}${ENV_NAMES.map((envName) => cell(med(name, envName), envName, floor).padStart(22)).join('')}   goal ${command.goal}`);
    }
  }
  console.log('ratios (machine env | clean env)');
  const both = (label: string, value: (envName: EnvName) => string, goal: string): void =>
    console.log(`  ${label.padEnd(56)} ${ENV_NAMES.map(value).join(' | ').padEnd(20)} ${goal}`);
  for (const build of Object.keys(builds)) {
    for (const command of ['version', '--version', '--help', 'analytics status'])
      both(`${build} ${command} ÷ node -e 0`, (envName) => ratio(med(`${build} ${command}`, envName), med('node -e 0', envName)), 'goal ≤ 1.2×');
    both(`${build} one-shot minimal.yaml ÷ node -e 0`, (envName) => ratio(med(`${build} one-shot minimal.yaml`, envName), med('node -e 0', envName)), 'goal ≤ 1.5× (machine env)');
    both(`${build} one-shot all-kinds.yaml ÷ floor`, (envName) => ratio(med(`${build} one-shot all-kinds.yaml`, envName), med('floor', envName)), 'goal ≤ 1.25×');
    both(
      `${build} analytics on, healthy receiver ÷ off`,
      (envName) => ratio(med(`${build} analytics on, healthy receiver`, envName), med(`${build} one-shot minimal.yaml`, envName)),
      'goal ≤ 1.10×',
    );
    both(
      `${build} analytics on, black-holed endpoint − off`,
      (envName) => `+${fmt(med(`${build} analytics on, black-holed endpoint`, envName) - med(`${build} one-shot minimal.yaml`, envName))}`,
      'goal ≤ +1000 ms',
    );
  }
  if (builds['baseline'] !== undefined) {
    for (const command of COMMANDS)
      both(`tbot ÷ baseline, ${command.name}`, (envName) => ratio(med(`tbot ${command.name}`, envName), med(`baseline ${command.name}`, envName)), '');
  }

  console.log('peak RSS of a one-shot (analytics on, healthy receiver; the largest of 5 runs; clean env)');
  for (const [build, launcher] of Object.entries(builds)) {
    for (const file of ['minimal.yaml', 'all-kinds.yaml']) {
      const log = join(scratch, `rss-${build}-${file}.log`);
      const rssEnv = env('clean', { TBOT_ANALYTICS_ENDPOINT: healthy.url, TBOT_RSS_LOG: log });
      for (let i = 0; i < 5; i += 1)
        await runOnce({
          name: 'rss',
          command: process.execPath,
          args: ['--import', join(root, 'test/fixtures/report-rss.mjs'), launcher, 'start', '--oneshot', '--anonymous-analytics', '-c', config(file)],
          cwd: scratch,
          env: rssEnv,
        });
      const peak = Math.max(...(await readFile(log, 'utf8')).trim().split('\n').map(Number));
      console.log(`  ${`${build} ${file}`.padEnd(46)} ${(peak / 1024 / 1024).toFixed(1)} MB   goal ≤ 50 MB`);
    }
  }

  console.log('a continuous agent on all-kinds.yaml (9 outputs), renewal_interval 250ms: its first cycle, cold, against later ones (clean env)');
  for (const [build, launcher] of Object.entries(builds)) {
    const cycles = await cycleTimes(launcher, scratch, env('clean'), 12);
    const warm = median(cycles.slice(2));
    console.log(
      `  ${build.padEnd(12)} first cycle ${fmt(cycles[0]!)}, second ${fmt(cycles[1]!)}, later (median of ${cycles.length - 2}) ${fmt(warm)}: first ÷ later ${ratio(cycles[0]!, warm)}`,
    );
  }
} finally {
  await healthy.close();
  await blackhole.close();
  await rm(scratch, { recursive: true, force: true });
}

/**
 * Runs the agent continuously on all-kinds.yaml's outputs (in their own directories) and reads its
 * log: a cycle is the outputs renewed side by side, so its time is the slowest output's took_ms.
 */
async function cycleTimes(launcher: string, cwd: string, env: Record<string, string>, count: number): Promise<number[]> {
  const file = join(cwd, `continuous-${Math.random().toString(36).slice(2)}.yaml`);
  const allKinds = await readFile(config('all-kinds.yaml'), 'utf8');
  await writeFile(file, allKinds.replace('oneshot: true', 'renewal_interval: 250ms').replaceAll('./.tbot/all-kinds/', `./.tbot/${Math.random().toString(36).slice(2)}/`));
  const outputs = (allKinds.match(/^ {2}- type:/gm) ?? []).length;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, 'start', '-c', file], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    const took: number[] = [];
    eachLine(child.stderr, (line) => {
      const match = /renewal cycle complete .* took_ms=(\d+)/.exec(line);
      if (match !== null) took.push(Number(match[1]));
      if (took.length >= outputs * count) child.kill('SIGTERM');
    });
    child.on('error', reject);
    child.on('close', () => {
      const cycles: number[] = [];
      for (let index = 0; index + outputs <= took.length && cycles.length < count; index += outputs) cycles.push(Math.max(...took.slice(index, index + outputs)));
      if (cycles.length < count) reject(new Error(`the agent stopped after ${cycles.length} cycles`));
      else resolve(cycles);
    });
  });
}
