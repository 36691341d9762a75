#!/usr/bin/env node
// `npm test`'s test phase, after the build: every test file under node:test, one more at a time
// than the machine has cores, slowest first, with `tsc --noEmit` and `biome check .` running beside them.
//
// Why an order: node:test's run() starts files in the order it is given them, `jobs` at a time
// (scripts/node-test-in-order.mjs: Node 20's `node --test` sorts them instead). A long
// file started last runs alone at the end while the other slots sit idle, so the files go
// longest first (the weights in test/test-weights.json, measured by an earlier run); a file with
// no weight yet goes first, in alphabetical order, since it cannot be known to be short.
//
// Why one more file than cores: some files mostly wait, by design (a collector stopped for 6 s,
// an HTTP/2 idle close, events paced at 100/s, a backoff schedule, fsyncs), and with one file per
// core a core idles through each such wait. More than one extra only adds contention: taken as a
// whole, the suite is bound by CPU. --jobs=N overrides it (--jobs=2 is the old two at a time).
//
// Why the checks run beside the tests: most of a test file's time is spent waiting on the CLIs
// and servers it spawns, so the type check and the linter fit in the idle CPU instead of adding
// their time in front. They run at a lower priority (nice 10), so on a busy machine they wait
// instead of starving the processes the tests wait for. A failing check still fails the run: its
// exit code is kept, a line says so as soon as it fails, and its output is printed after the tests'.
//
// usage: node scripts/run-tests.mjs [--no-checks] [--write-weights] [--jobs=N] [test files...]
//   --no-checks      run the tests only
//   --write-weights  record this run's per-file durations in test/test-weights.json
//   --jobs=N         run N files at a time (default: the number of cores plus one)
//   test files       run these (in weight order) instead of test/*/*.test.ts
//
// Node built-ins only, like the other scripts: this runs before anything is known to work.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, setPriority } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WEIGHTS_FILE = 'test/test-weights.json';
const BIN = join(ROOT, 'node_modules', '.bin');
/** The checks `npm test` requires, run beside the tests. */
export const CHECKS = [
  { name: 'tsc --noEmit', command: join(BIN, 'tsc'), args: ['--noEmit'] },
  { name: 'biome check .', command: join(BIN, 'biome'), args: ['check', '.'] },
];

/** Files run at a time unless --jobs says otherwise: see the header for why one more than the cores. */
export const DEFAULT_JOBS = availableParallelism() + 1;
const USAGE = 'usage: node scripts/run-tests.mjs [--no-checks] [--write-weights] [--jobs=N] [test files...]';

export class RunTestsError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'RunTestsError';
  }
}

/**
 * Every test file the suite has, as paths relative to the repository root, alphabetically.
 * @param {string} root
 * @returns {string[]}
 */
export function listTestFiles(root) {
  const files = [];
  for (const dir of readdirSync(join(root, 'test'), { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const name of readdirSync(join(root, 'test', dir.name))) if (name.endsWith('.test.ts')) files.push(`test/${dir.name}/${name}`);
  }
  return files.sort();
}

/**
 * The weights file's `files` map (relative path to seconds), checked: a weight is a finite number >= 0.
 * @param {string} text  the file's contents
 * @param {string} where the file's name, for messages
 * @returns {Record<string, number>}
 */
export function parseWeights(text, where) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RunTestsError(`${where}: not JSON: ${/** @type {Error} */ (error).message}`);
  }
  const files = parsed?.files;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) throw new RunTestsError(`${where}: expected an object with "files": { "<test file>": <seconds> }`);
  for (const [file, seconds] of Object.entries(files))
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0)
      throw new RunTestsError(`${where}: files["${file}"]: expected seconds (a number >= 0), got ${JSON.stringify(seconds)}`);
  return files;
}

/**
 * The order to hand the files to the runner: the unweighted (new) ones first, alphabetically, then
 * the weighted ones from the heaviest down (ties alphabetically, so the order is stable).
 * @param {readonly string[]} files
 * @param {Readonly<Record<string, number>>} weights
 * @returns {string[]}
 */
export function orderByWeight(files, weights) {
  const weightOf = (file) => (Object.hasOwn(weights, file) ? weights[file] : undefined);
  const unweighted = files.filter((file) => weightOf(file) === undefined).sort();
  const weighted = files
    .filter((file) => weightOf(file) !== undefined)
    .sort((a, b) => /** @type {number} */ (weightOf(b)) - /** @type {number} */ (weightOf(a)) || (a < b ? -1 : 1));
  return [...unweighted, ...weighted];
}

/**
 * Per-file seconds from scripts/node-test-in-order.mjs's lines, keyed by path relative to `root`.
 * @param {string} text
 * @param {string} root
 * @returns {Record<string, number>}
 */
export function parseTimes(text, root) {
  /** @type {Record<string, number>} */
  const times = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const { file, ms } = JSON.parse(line);
    times[relative(root, file)] = Math.round(ms / 100) / 10;
  }
  return times;
}

/**
 * The weights file's text for these per-file seconds, heaviest first, with how they were measured.
 * @param {Readonly<Record<string, number>>} times
 * @param {{ date: string, load: string }} measured
 * @returns {string}
 */
export function weightsText(times, measured) {
  const files = Object.fromEntries(Object.entries(times).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)));
  const about = `Seconds each test file took in one npm test run (${measured.date}, load average ${measured.load}); scripts/run-tests.mjs starts the heaviest first. Refresh with: node build.mjs && node scripts/run-tests.mjs --write-weights`;
  return `${JSON.stringify({ about, files }, null, 2)}\n`;
}

/**
 * Niceness 10 for a check: it takes the CPU the tests leave idle, and on a busy machine it waits
 * rather than slowing the processes the tests time out on. Best effort: a platform that refuses
 * only loses the ordering.
 * @param {number | undefined} pid
 */
function lowerPriority(pid) {
  if (pid === undefined) return;
  try {
    setPriority(pid, 10);
  } catch {
    // Not permitted here: the check runs at the tests' priority.
  }
}

/**
 * Runs a command to its end, keeping what it prints.
 * @param {string} command
 * @param {readonly string[]} args
 * @returns {Promise<{ code: number, output: string, seconds: number }>}
 */
function capture(command, args) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    lowerPriority(child.pid);
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    const done = (code, extra = '') => resolve({ code, output: Buffer.concat(chunks).toString('utf8') + extra, seconds: (performance.now() - started) / 1000 });
    child.on('error', (error) => done(127, `${error.message}\n`));
    child.on('close', (code, signal) => done(code ?? 1, signal === null ? '' : `killed by ${signal}\n`));
  });
}

/**
 * The --jobs=N value: a whole number of files at a time, at least 1.
 * @param {string} option  the whole option, `--jobs=N`
 * @returns {number}
 */
export function parseJobs(option) {
  const value = option.slice('--jobs='.length);
  if (!/^[1-9]\d{0,2}$/.test(value)) throw new RunTestsError(`--jobs: expected a whole number of files at a time from 1 to 999, got "${value}"`);
  return Number(value);
}

/**
 * Runs the files under node:test, `jobs` at a time, per-file times to `timesFile`. Its spec output
 * goes straight to ours (a terminal keeps its colours), or, when `write` is given, through it.
 * @param {readonly string[]} files
 * @param {number} jobs
 * @param {string} timesFile
 * @param {((text: string) => void) | undefined} write
 * @param {NodeJS.ProcessEnv} environment  the runner's environment, passed on but for what the header says
 * @returns {Promise<number>} its exit code
 */
function runNodeTest(files, jobs, timesFile, write, environment) {
  const args = ['--import', 'tsx', join(ROOT, 'scripts', 'node-test-in-order.mjs'), String(jobs), timesFile, ...files];
  // node:test marks the processes it runs files in; a runner started from one (this script's own
  // test) would take itself for a file's nested run() and run nothing. The tests talk to loopback
  // servers with certificate authorities of their own, so a machine-wide NODE_EXTRA_CA_CERTS is
  // not theirs: Node 20 reads the whole bundle at every start (about 40 ms here). Most tests start
  // their CLIs in a clean environment already; for six CLI-heavy files in two paired runs, the rest
  // took 3 to 6% of their CPU. A test that means it sets it itself (faults.test.ts).
  const { NODE_TEST_CONTEXT: _, NODE_EXTRA_CA_CERTS: _machineCas, ...env } = environment;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: write === undefined ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    child.stdout?.setEncoding('utf8').on('data', (text) => write?.(text));
    child.stderr?.setEncoding('utf8').on('data', (text) => write?.(text));
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/**
 * @typedef {object} RunOptions
 * @property {readonly string[]} files        relative to the repository root, in the order to run them
 * @property {readonly { name: string, command: string, args: string[] }[]} checks  run beside the tests
 * @property {(text: string) => void} log      where the runner's own lines go
 * @property {((text: string) => void) | undefined} [testOutput]  where node:test's output goes (default: our stdout, unchanged)
 * @property {string} timesFile  where the per-file times go (replaced), one JSON line per file
 * @property {number} [jobs]  files run at a time (default DEFAULT_JOBS)
 * @property {NodeJS.ProcessEnv} [env]  the environment the test files run in, but for what runNodeTest leaves out (default process.env)
 */

/**
 * Runs the tests and the checks side by side. The exit code is 0 only when both passed; per-file
 * seconds come back for the weights file (empty on a Node whose runner reports no files).
 * @param {RunOptions} options
 * @returns {Promise<{ code: number, times: Record<string, number> }>}
 */
export async function runTestsAndChecks({ files, checks, log, testOutput, timesFile, jobs = DEFAULT_JOBS, env = process.env }) {
  // A check that fails says so at once; its output waits for the tests', so it is not cut into theirs.
  const running = checks.map(async (check) => {
    const result = await capture(check.command, check.args);
    if (result.code !== 0) log(`\n✖ ${check.name} failed (exit ${result.code}); its output follows the tests'\n`);
    return { ...check, ...result };
  });
  rmSync(timesFile, { force: true });
  const started = performance.now();
  const testCode = await runNodeTest(files, jobs, timesFile, testOutput, env);
  const testSeconds = (performance.now() - started) / 1000;
  const checked = await Promise.all(running);
  let times = {};
  try {
    times = parseTimes(readFileSync(timesFile, 'utf8'), ROOT);
  } catch {
    // No per-file results (the run stopped early): the next run's order just stays as it is.
  }
  const slowest = Object.entries(times)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 5);
  log(`\ntests: ${testSeconds.toFixed(1)} s for ${files.length} files, ${jobs} at a time; slowest: ${slowest.map(([file, s]) => `${file} ${s} s`).join(', ')}\n`);
  for (const check of checked) {
    if (check.code === 0) log(`✔ ${check.name} (${check.seconds.toFixed(1)} s, beside the tests)\n`);
    else log(`✖ ${check.name} failed (exit ${check.code}):\n${check.output}`);
  }
  return { code: testCode !== 0 || checked.some((check) => check.code !== 0) ? 1 : 0, times };
}

/** @param {string[]} argv */
async function main(argv) {
  const options = new Set(argv.filter((arg) => arg.startsWith('--')));
  let jobs = DEFAULT_JOBS;
  for (const option of options)
    if (option.startsWith('--jobs=')) jobs = parseJobs(option);
    else if (option !== '--no-checks' && option !== '--write-weights') throw new RunTestsError(`unknown option ${option}; ${USAGE}`);
  const named = argv.filter((arg) => !arg.startsWith('--')).map((file) => relative(ROOT, join(process.cwd(), file)));
  if (options.has('--write-weights') && named.length > 0) throw new RunTestsError('--write-weights needs the whole suite (no files named), so every weight comes from one run');
  let weights = {};
  try {
    weights = parseWeights(readFileSync(join(ROOT, WEIGHTS_FILE), 'utf8'), WEIGHTS_FILE);
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'ENOENT') throw error;
  }
  const files = orderByWeight(named.length > 0 ? named : listTestFiles(ROOT), weights);
  const log = (text) => process.stdout.write(text);
  // Kept after the run (test-artifacts/ is not committed), for a look at where the time went.
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  const timesFile = join(ROOT, 'test-artifacts', 'test-times.jsonl');
  const { code, times } = await runTestsAndChecks({ files, checks: options.has('--no-checks') ? [] : CHECKS, log, timesFile, jobs });
  if (options.has('--write-weights')) {
    if (code !== 0) throw new RunTestsError('--write-weights: the run failed, so test/test-weights.json is left as it was');
    const target = join(ROOT, WEIGHTS_FILE);
    writeFileSync(
      `${target}.tmp`,
      weightsText(times, {
        date: new Date().toISOString().slice(0, 10),
        load: loadavg()
          .map((load) => load.toFixed(1))
          .join(' '),
      }),
    );
    renameSync(`${target}.tmp`, target);
    log(`wrote ${WEIGHTS_FILE}\n`);
  }
  return code;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Ctrl-C reaches the test processes too; waiting for them keeps their last output in order.
  process.on('SIGINT', () => {});
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`run-tests: ${error instanceof RunTestsError ? error.message : error?.stack}\n`);
      process.exit(1);
    },
  );
}
