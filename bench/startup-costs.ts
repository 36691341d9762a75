/**
 * Where start-up time goes, piece by piece, in the machine's env and in a clean env (medians of
 * BENCH_RUNS fresh processes each, default 15, interleaved):
 *   - Node itself: `node -e 0`, and a CommonJS file that prints one line (the least any command costs)
 *   - each dependency bundled alone (CommonJS, as the agent's chunks are) and required in a fresh
 *     process, timed around the require() and less an empty file's: yargs with string-width loaded
 *     at once and on demand, yargs-parser, yaml, the precompiled config validators, ky on undici's
 *     globals and on src/net/fetch-classes.ts, the reporter, the certificate stack, node:http
 *   - the agent's largest chunks compiled without and with their V8 code cache (vm.Script)
 *   - the chunks each command loads, and their size
 */
import * as esbuild from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { kyOnFetchClasses, precompiledConfigSections, precompiledValidators, stringWidthOnDemand, yargsWithoutFileLookups } from '../build.mjs';
import { ENV_NAMES, ENVS, fmt, measure, median, runsFromEnv, type EnvName } from './measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = runsFromEnv(15);
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;

const DEPENDENCIES: { name: string; contents: string; plugins?: () => Promise<esbuild.Plugin[]> }[] = [
  { name: 'empty file', contents: '' },
  { name: 'yargs, string-width at once', contents: "import yargs from 'yargs'; globalThis.x = yargs;", plugins: async () => [yargsWithoutFileLookups()] },
  { name: 'yargs, string-width on demand', contents: "import yargs from 'yargs'; globalThis.x = yargs;", plugins: async () => [yargsWithoutFileLookups(), stringWidthOnDemand()] },
  { name: 'yargs-parser', contents: "import parser from 'yargs-parser'; globalThis.x = parser;", plugins: async () => [yargsWithoutFileLookups()] },
  { name: 'yaml', contents: "import { parseDocument } from 'yaml'; globalThis.x = parseDocument;" },
  {
    name: 'config validators (precompiled), identity only',
    contents:
      "import { validators as top } from './src/schemas/config-sections/top.ts'; import { validators as identity } from './src/schemas/config-sections/identity.ts'; globalThis.x = [top, identity];",
    plugins: async () => [await precompiledConfigSections()],
  },
  { name: 'ky, on undici globals', contents: "import ky from 'ky'; globalThis.x = ky;" },
  { name: 'ky, on fetch-classes.ts', contents: "import ky from 'ky'; globalThis.x = ky;", plugins: async () => [kyOnFetchClasses()] },
  {
    name: 'reporter (src/reporting)',
    contents: "import * as reporting from './src/reporting/index.ts'; globalThis.x = reporting;",
    plugins: async () => [await precompiledValidators()],
  },
  { name: 'certificate stack (src/ca)', contents: "import * as ca from './src/ca/local-ca.ts'; globalThis.x = ca;" },
  { name: 'node:http', contents: "import * as http from 'node:http'; globalThis.x = http;" },
  { name: "undici (Node 20's global Request)", contents: 'globalThis.x = globalThis.Request;' },
];

const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-costs-'));
try {
  // 1. Node itself, and each dependency alone.
  const printer = join(scratch, 'print.cjs');
  await writeFile(printer, "process.stdout.write('tbot v0.1.0\\n');\n");
  const files: Record<string, string> = {};
  for (const dependency of DEPENDENCIES) {
    const file = join(scratch, `${dependency.name.replace(/[^a-z]+/gi, '-')}.cjs`);
    await esbuild.build({
      stdin: { contents: dependency.contents, resolveDir: root, loader: 'ts' },
      outfile: file,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      plugins: (await dependency.plugins?.()) ?? [],
      // As build.mjs does for the agent's chunks: ESM dependencies read import.meta.url.
      define: { 'import.meta.url': '__tbotImportMeta.url' },
      banner: { js: 'var __tbotImportMeta={get url(){return require("node:url").pathToFileURL(__filename).href}};' },
      logLevel: 'error',
    });
    files[dependency.name] = file;
  }
  const base = await measure(
    ENV_NAMES.flatMap((envName) => [
      { name: `node -e 0|${envName}`, command: process.execPath, args: ['-e', '0'], env: ENVS[envName] },
      { name: `print.cjs|${envName}`, command: process.execPath, args: [printer], env: ENVS[envName] },
    ]),
    runs,
  );
  const requireTimes = new Map<string, number[]>();
  for (let round = 0; round < runs + 1; round += 1) {
    for (const [name, file] of Object.entries(files)) {
      for (const envName of ENV_NAMES) {
        const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(file)}); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
        const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env: ENVS[envName] });
        if (round > 0) requireTimes.set(`${name}|${envName}`, [...(requireTimes.get(`${name}|${envName}`) ?? []), Number(stdout)]);
      }
    }
  }
  const req = (name: string, envName: EnvName): number => median(requireTimes.get(`${name}|${envName}`)!);
  const row = (label: string, cells: string[]): void => console.log(`  ${label.padEnd(44)}${cells.map((text) => text.padStart(14)).join('')}`);
  console.log(`where start-up time goes, ${runs} fresh processes each (medians)`);
  row('', [...ENV_NAMES.map((envName) => `${envName} env`), 'size']);
  row(
    'node -e 0',
    ENV_NAMES.map((envName) => fmt(median(base.get(`node -e 0|${envName}`)!))),
  );
  row(
    'a CommonJS file printing one line',
    ENV_NAMES.map((envName) => fmt(median(base.get(`print.cjs|${envName}`)!))),
  );
  console.log("  each alone: require() time in a fresh process, less an empty file's");
  for (const dependency of DEPENDENCIES.slice(1)) {
    row(dependency.name, [...ENV_NAMES.map((envName) => fmt(req(dependency.name, envName) - req('empty file', envName))), kb((await stat(files[dependency.name]!)).size)]);
  }

  // 2. The agent's chunks: which each command loads, and their compile time without and with a code cache.
  const xdg = join(scratch, 'xdg');
  const launcher = join(root, 'dist/tbot.cjs');
  const chunkDir = join(root, 'dist/tbot');
  const config = join(root, 'config/minimal.yaml');
  const commands: Record<string, string[]> = {
    version: ['version'],
    '--help': ['--help'],
    'analytics status': ['analytics', 'status'],
    'start --oneshot minimal.yaml': ['start', '--oneshot', '-c', config],
  };
  const spy = join(scratch, 'chunk-spy.cjs');
  await writeFile(
    spy,
    "const vm = require('node:vm'); const fs = require('node:fs'); const Original = vm.Script; const seen = []; vm.Script = class extends Original { constructor(source, options) { super(source, options); seen.push(require('node:path').basename(options.filename)); } }; process.on('exit', () => fs.writeFileSync(process.env.CHUNK_SPY, seen.join('\\n')));\n",
  );
  console.log('chunks each command loads (dist/tbot/)');
  for (const [name, args] of Object.entries(commands)) {
    const log = join(scratch, `chunks-${name.replace(/\W+/g, '-')}.log`);
    await promisify(execFile)(process.execPath, ['-r', spy, launcher, ...args], { cwd: scratch, env: { ...ENVS.clean, XDG_CACHE_HOME: xdg, CHUNK_SPY: log } });
    // Twice: the first run writes the caches the compile times below read.
    await promisify(execFile)(process.execPath, [launcher, ...args], { cwd: scratch, env: { ...ENVS.clean, XDG_CACHE_HOME: xdg } });
    const loaded = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    const bytes = (await Promise.all(loaded.map(async (chunk) => (await stat(join(chunkDir, chunk))).size))).reduce((sum, size) => sum + size, 0);
    row(name, [`${loaded.length} chunks`, kb(bytes)]);
  }
  const [install] = await readdir(join(xdg, 'tbot', 'v8-code-cache'));
  const cacheDir = join(xdg, 'tbot', 'v8-code-cache', install!);
  const cached = (await readdir(cacheDir)).map((name) => name.slice(0, -'.v8'.length));
  const largest = (await Promise.all(cached.map(async (chunk) => ({ chunk, size: (await stat(join(chunkDir, chunk))).size })))).sort((a, b) => b.size - a.size).slice(0, 5);
  const compileScript = (chunk: string, withCache: boolean): string =>
    `const vm = require('node:vm'), fs = require('node:fs'); const source = fs.readFileSync(${JSON.stringify(join(chunkDir, chunk))}, 'utf8');` +
    (withCache
      ? ` const bytes = fs.readFileSync(${JSON.stringify(join(cacheDir, `${chunk}.v8`))}); const cachedData = bytes.subarray(bytes.indexOf(10) + 1);`
      : ' const cachedData = undefined;') +
    ` const t = process.hrtime.bigint(); const script = new vm.Script('(function (exports, require, module, __filename, __dirname) { ' + source + '\\n})', { filename: ${JSON.stringify(join(chunkDir, chunk))}, cachedData }); const ms = Number(process.hrtime.bigint() - t) / 1e6; if (script.cachedDataRejected) throw new Error('rejected'); process.stdout.write(String(ms));`;
  const compileTimes = new Map<string, number[]>();
  for (let round = 0; round < runs; round += 1) {
    for (const { chunk } of largest) {
      for (const withCache of [false, true]) {
        const { stdout } = await promisify(execFile)(process.execPath, ['-e', compileScript(chunk, withCache)], { env: ENVS.clean });
        compileTimes.set(`${chunk}|${withCache}`, [...(compileTimes.get(`${chunk}|${withCache}`) ?? []), Number(stdout)]);
      }
    }
  }
  console.log('the largest chunks: compiled (vm.Script) without and with their code cache, clean env');
  for (const { chunk, size } of largest) {
    const cacheSize = (await stat(join(cacheDir, `${chunk}.v8`))).size;
    row(`${chunk} (${kb(size)}, cache ${kb(cacheSize)})`, [fmt(median(compileTimes.get(`${chunk}|false`)!)), fmt(median(compileTimes.get(`${chunk}|true`)!))]);
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
