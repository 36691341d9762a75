/**
 * Node's module compile cache (src/cli-kit/compile-cache.ts) under Node 22 and 24, side by side in one
 * run (candidates interleaved round-robin, medians of wall and of CPU time), in the machine's env
 * and in a clean env (PATH and XDG_CACHE_HOME only, so no NODE_EXTRA_CA_CERTS), each command's
 * ratio to `node -e 0` of the same Node and env:
 *   as built       dist/tbot.cjs, the launcher, which turns the cache on and then loads the chunks
 *   loaded after   a two-line entry that turns the cache on first and then import()s the launcher:
 *                  the check that the launcher turns it on as early as a wrapper could
 * "off" is NODE_DISABLE_COMPILE_CACHE=1, which compile-cache.ts honours. Also the first run, with an
 * empty cache (which it then writes), against cache off. The Node binaries come from scripts/with-node.mjs (fetched on
 * first use); BENCH_NODE_VERSIONS=22,24 by default.
 */
import * as esbuild from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureNode } from '../scripts/with-node.mjs';
import { fmt, median, runsFromEnv, type Candidate } from './measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = runsFromEnv(15);
const versions = (process.env['BENCH_NODE_VERSIONS'] ?? '22,24').split(',').filter((version) => version !== '');
const bundle = join(root, 'dist/tbot.cjs');
const config = join(root, 'config/minimal.yaml');
const machineEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && entry[0] !== 'NODE_COMPILE_CACHE' && entry[0] !== 'NODE_DISABLE_COMPILE_CACHE',
  ),
);
const envNames = ['machine', 'clean'] as const;
type EnvName = (typeof envNames)[number];
const commands = { version: ['version'], 'start --oneshot minimal.yaml': ['start', '--oneshot', '-c', config] } as const;
const layouts = ['as built', 'loaded after'] as const;
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-compile-cache-'));
try {
  const loadedAfter = join(scratch, 'loaded-after.mjs');
  await esbuild.build({
    // The import() target is a variable so that esbuild leaves it to Node instead of bundling it.
    stdin: {
      contents: `import { enableCompileCache } from './src/cli-kit/compile-cache.ts';\nenableCompileCache();\nconst bundle = ${JSON.stringify(pathToFileURL(bundle).href)};\nawait import(bundle);\n`,
      resolveDir: root,
      loader: 'ts',
    },
    outfile: loadedAfter,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
  });
  const nodes = versions.map((version) => ensureNode(version, { cacheRoot: join(root, 'node_modules/.cache'), log: (line: string) => console.error(line) }));
  const warmCache = join(scratch, 'xdg-warm');
  const env = (name: EnvName, cache: 'on' | 'off', xdg = warmCache): Record<string, string> => ({
    ...(name === 'machine' ? machineEnv : { PATH: process.env['PATH'] ?? '' }),
    XDG_CACHE_HOME: xdg,
    ...(cache === 'off' ? { NODE_DISABLE_COMPILE_CACHE: '1' } : {}),
  });
  const key = (node: number, envName: EnvName, label: string): string => `${node}|${envName}|${label}`;
  const candidates: Candidate[] = [];
  nodes.forEach((node, index) => {
    for (const envName of envNames) {
      candidates.push({ name: key(index, envName, 'node -e 0'), command: node, args: ['-e', '0'], env: env(envName, 'off') });
      for (const [command, args] of Object.entries(commands)) {
        for (const layout of layouts) {
          for (const cache of ['off', 'on'] as const) {
            candidates.push({
              name: key(index, envName, `${command}|${layout}|${cache}`),
              command: node,
              args: [layout === 'as built' ? bundle : loadedAfter, ...args],
              cwd: scratch,
              env: env(envName, cache),
            });
          }
        }
      }
    }
  });
  // Wall time and the child's CPU time (user + sys), both from bash's `time` around the child alone
  // (wait4's rusage): CPU time moves far less than wall time when other work shares the machine.
  const timed = (candidate: Candidate, round: number): { wall: number; cpu: number } => {
    const env = typeof candidate.env === 'function' ? candidate.env(round) : candidate.env;
    const quoted = [candidate.command, ...candidate.args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
    const child = spawnSync('bash', ['-c', `TIMEFORMAT='%3R %3U %3S'; time ${quoted} >/dev/null 2>&1`], { cwd: candidate.cwd, env, encoding: 'utf8' });
    const [real, user, sys] = child.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
    if (child.status !== 0 || real === undefined || user === undefined || sys === undefined) throw new Error(`${candidate.name} failed: ${child.stderr}`);
    return { wall: real * 1000, cpu: (user + sys) * 1000 };
  };
  const times = new Map(candidates.map((candidate) => [candidate.name, { wall: [] as number[], cpu: [] as number[] }]));
  // Two warm-up rounds, which also fill the warm cache; then rounds over every candidate in turn.
  for (let round = 0; round < runs + 2; round += 1) {
    for (const candidate of candidates) {
      const { wall, cpu } = timed(candidate, round);
      if (round < 2) continue;
      const recorded = times.get(candidate.name)!;
      recorded.wall.push(wall);
      recorded.cpu.push(cpu);
    }
  }
  const med = (name: string, kind: 'wall' | 'cpu' = 'wall'): number => median(times.get(name)![kind]);

  // A first run writes the cache: each such run starts from an empty cache directory, paired in
  // turn with a run with the cache off, so that both meet the same machine.
  const coldRuns = Math.max(5, Math.ceil(runs / 2));
  const cold = new Map<string, { first: number[]; off: number[] }>();
  for (let round = 0; round < coldRuns; round += 1) {
    for (const [index, node] of nodes.entries()) {
      for (const [command, args] of Object.entries(commands)) {
        const xdg = join(scratch, 'xdg-cold');
        const pair = cold.get(key(index, 'machine', command)) ?? { first: [], off: [] };
        pair.first.push(timed({ name: 'first run', command: node, args: [loadedAfter, ...args], cwd: scratch, env: env('machine', 'on', xdg) }, 0).cpu);
        pair.off.push(timed({ name: 'cache off', command: node, args: [loadedAfter, ...args], cwd: scratch, env: env('machine', 'off', xdg) }, 0).cpu);
        cold.set(key(index, 'machine', command), pair);
        await rm(xdg, { recursive: true, force: true });
      }
    }
  }

  const line = (label: string, cells: string[]): void => console.log(`  ${label.padEnd(52)} ${cells.map((text) => text.padStart(17)).join(' ')}`);
  const columns = envNames.flatMap((envName) => (['wall', 'cpu'] as const).map((kind) => ({ envName, kind })));
  const cell = (index: number, label: string, { envName, kind }: (typeof columns)[number]): string => {
    const ms = med(key(index, envName, label), kind);
    return label === 'node -e 0' ? fmt(ms) : `${fmt(ms)} ${ratio(ms, med(key(index, envName, 'node -e 0'), kind)).padStart(6)}`;
  };
  const onOff = (index: number, label: string, { envName, kind }: (typeof columns)[number]): string =>
    ratio(med(key(index, envName, `${label}|on`), kind), med(key(index, envName, `${label}|off`), kind));
  console.log(`compile cache, ${runs} interleaved runs each (medians); ratios to node -e 0 of the same Node and env`);
  for (const [index, node] of nodes.entries()) {
    console.log(`\nNode ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}`);
    line(
      '',
      columns.map(({ envName, kind }) => `${envName} ${kind}`),
    );
    line(
      'node -e 0',
      columns.map((column) => cell(index, 'node -e 0', column)),
    );
    for (const command of Object.keys(commands)) {
      for (const layout of layouts) {
        for (const cache of ['off', 'on'] as const)
          line(
            `${command}, ${layout}, cache ${cache}`,
            columns.map((column) => cell(index, `${command}|${layout}|${cache}`, column)),
          );
        line(
          `  ${layout}: cache on ÷ off`,
          columns.map((column) => onOff(index, `${command}|${layout}`, column)),
        );
      }
      const { first, off } = cold.get(key(index, 'machine', command))!;
      line('  loaded after: first run (empty cache) ÷ off', ['', ratio(median(first), median(off)), '', '']);
    }
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
