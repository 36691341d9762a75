/**
 * A one-shot on every output kind against the floor under it, measured side by side in one run
 * (candidates interleaved round-robin, medians), in the machine's env and in a clean env (PATH
 * only: no NODE_EXTRA_CA_CERTS, which costs Node 20 tens of ms at every start):
 *   floor = bench/floor-oneshot.mjs, only node:crypto and node:fs doing the unavoidable work
 *   tbot start --oneshot -c config/all-kinds.yaml ÷ floor          goal ≤ 1.25× in both envs
 * Also: dist/tbot.mjs's size, the load time of the certificate stack (src/ca bundled alone,
 * timed around its import()), and the one-shot's peak RSS.
 *
 * BENCH_BASELINE=<dir>: an older checkout, installed and built (npm ci && node build.mjs), run
 * alongside: its dist/tbot.mjs and its src/ca stack. E.g. `git archive <commit> | tar -x -C <dir>`.
 */
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fmt, measure, median, runOnce, runsFromEnv, type Candidate } from './measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = runsFromEnv(15);
const baseline = process.env['BENCH_BASELINE'];
const config = join(root, 'config/all-kinds.yaml');
const envs = {
  machine: Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined)),
  clean: { PATH: process.env['PATH'] ?? '' },
};
type EnvName = keyof typeof envs;

/** The certificate stack alone (src/ca/local-ca.ts and what it imports), bundled as build.mjs bundles the CLI. */
async function bundleCertStack(checkout: string, outfile: string): Promise<number> {
  await esbuild.build({
    stdin: { contents: "import * as ca from './src/ca/local-ca.ts'; globalThis.__certStack = ca;", resolveDir: checkout, loader: 'ts' },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    logLevel: 'error',
  });
  return (await stat(outfile)).size;
}

/** How long `await import(file)` takes in a fresh node, each file in each env, interleaved. */
async function importTimes(files: Record<string, string>, count: number): Promise<Map<string, Record<EnvName, number[]>>> {
  const out = new Map(Object.keys(files).map((name) => [name, { machine: [] as number[], clean: [] as number[] }]));
  for (let round = 0; round < count + 1; round += 1) {
    for (const [name, file] of Object.entries(files)) {
      for (const env of Object.keys(envs) as EnvName[]) {
        const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
        const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: envs[env], encoding: 'utf8' });
        if (child.status !== 0) throw new Error(`importing ${file} failed:\n${child.stderr}`);
        if (round > 0) out.get(name)![env].push(Number(child.stdout));
      }
    }
  }
  return out;
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-floor-'));
try {
  const bundles: Record<string, string> = { tbot: join(root, 'dist/tbot.mjs'), ...(baseline === undefined ? {} : { 'tbot (baseline)': join(baseline, 'dist/tbot.mjs') }) };
  // One run creates the CA in scratch/.tbot-data; every later run (agent or floor) reads it.
  const first = spawnSync(process.execPath, [bundles['tbot']!, 'start', '--oneshot', '-c', config], { cwd: scratch, env: envs.clean, encoding: 'utf8' });
  if (first.status !== 0) throw new Error(`tbot start --oneshot failed:\n${first.stderr}`);
  // The floor must do the agent's work, not less: the same outputs, each with the same file names.
  const floorCheck = spawnSync(process.execPath, [join(root, 'bench/floor-oneshot.mjs'), join(scratch, '.tbot-data'), join(scratch, 'floor-check')], { encoding: 'utf8' });
  if (floorCheck.status !== 0) throw new Error(`bench/floor-oneshot.mjs failed:\n${floorCheck.stderr}`);
  const fileSets = async (base: string): Promise<string> => {
    const outputs = (await readdir(base)).sort();
    return JSON.stringify(await Promise.all(outputs.map(async (name) => [name, (await readdir(join(base, name))).filter((file) => !file.startsWith('..')).sort()])));
  };
  const [agentSets, floorSets] = await Promise.all([fileSets(join(scratch, '.tbot/all-kinds')), fileSets(join(scratch, 'floor-check'))]);
  if (agentSets !== floorSets) throw new Error(`the floor writes other files than the agent:\nagent ${agentSets}\nfloor ${floorSets}`);

  const stacks: Record<string, { file: string; bytes: number }> = {};
  for (const [name, checkout] of [['now', root], ...(baseline === undefined ? [] : [['baseline', baseline]])] as const) {
    const file = join(scratch, `cert-stack-${name}.mjs`);
    stacks[name] = { file, bytes: await bundleCertStack(checkout, file) };
  }

  const candidates: Candidate[] = [];
  const add = (name: string, args: string[]): void => {
    for (const env of Object.keys(envs) as EnvName[]) candidates.push({ name: `${name} [${env}]`, command: process.execPath, args, cwd: scratch, env: envs[env] });
  };
  add('node -e 0', ['-e', '0']);
  add('floor', [join(root, 'bench/floor-oneshot.mjs'), join(scratch, '.tbot-data'), join(scratch, 'floor-out')]);
  for (const [name, bundle] of Object.entries(bundles)) add(name, [bundle, 'start', '--oneshot', '-c', config]);
  const times = await measure(candidates, runs);
  const med = (name: string, env: EnvName): number => median(times.get(`${name} [${env}]`)!);

  const rss = async (bundle: string): Promise<number> => {
    const log = join(scratch, `rss-${Math.random()}.log`);
    for (let i = 0; i < 5; i += 1) await runOnce({ name: 'rss', command: process.execPath, args: ['--import', join(root, 'test/fixtures/report-rss.mjs'), bundle, 'start', '--oneshot', '-c', config], cwd: scratch, env: { ...envs.clean, TBOT_RSS_LOG: log } });
    return Math.max(...(await readFile(log, 'utf8')).trim().split('\n').map(Number));
  };

  const rows = ['node -e 0', 'floor', ...Object.keys(bundles)];
  const line = (label: string, machine: string, clean: string, note = ''): void => console.log(`  ${label.padEnd(40)} ${machine.padStart(10)}   ${clean.padStart(10)}   ${note}`);
  console.log(`one-shot on config/all-kinds.yaml (9 outputs, one of each kind), ${runs} interleaved runs each (medians)`);
  line('', 'machine env', 'clean env');
  for (const name of rows) line(name === 'floor' ? 'floor (bench/floor-oneshot.mjs)' : name === 'node -e 0' ? name : `${name} start --oneshot`, fmt(med(name, 'machine')), fmt(med(name, 'clean')));
  console.log('ratios');
  line('floor ÷ node -e 0', ratio(med('floor', 'machine'), med('node -e 0', 'machine')), ratio(med('floor', 'clean'), med('node -e 0', 'clean')));
  for (const name of Object.keys(bundles)) {
    line(`${name} ÷ node -e 0`, ratio(med(name, 'machine'), med('node -e 0', 'machine')), ratio(med(name, 'clean'), med('node -e 0', 'clean')));
    line(`${name} ÷ floor`, ratio(med(name, 'machine'), med('floor', 'machine')), ratio(med(name, 'clean'), med('floor', 'clean')), 'goal ≤ 1.25×');
  }
  if (baseline !== undefined) line('tbot ÷ tbot (baseline)', ratio(med('tbot', 'machine'), med('tbot (baseline)', 'machine')), ratio(med('tbot', 'clean'), med('tbot (baseline)', 'clean')));

  console.log(`certificate stack (src/ca/local-ca.ts bundled alone): size, and import() time in a fresh process (median of ${runs})`);
  // The first import() of any file pays for the module loader, so an empty module is the zero line.
  const emptyModule = join(scratch, 'empty.mjs');
  await writeFile(emptyModule, '');
  const loads = await importTimes({ 'empty module': emptyModule, ...Object.fromEntries(Object.entries(stacks).map(([name, stack]) => [name, stack.file])) }, runs);
  const load = (name: string, env: EnvName): number => median(loads.get(name)![env]);
  line('empty module', fmt(load('empty module', 'machine')), fmt(load('empty module', 'clean')));
  for (const [name, stack] of Object.entries(stacks)) line(`${name}: ${kb(stack.bytes)}`, fmt(load(name, 'machine')), fmt(load(name, 'clean')), `(${fmt(load(name, 'clean') - load('empty module', 'clean'))} over the empty module, clean)`);
  console.log('bundle and memory');
  for (const [name, bundle] of Object.entries(bundles)) {
    console.log(`  ${name.padEnd(16)} dist/tbot.mjs ${kb((await stat(bundle)).size).padStart(9)}   peak RSS of a one-shot ${(((await rss(bundle)) / 1024 / 1024).toFixed(1))} MB   goal ≤ 50 MB`);
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
