// Bundles the CLIs under dist/ with esbuild: the collector (and the reporting library) as one ESM
// file each, the agent as CommonJS chunks loaded by a small launcher (see buildAgent). The version
// (from package.json) and the default analytics endpoint are baked in. Two things are compiled here rather than at run
// time: the JSON Schemas (ajv standalone code, so the bundle carries no schema compiler) and the
// schemas/*.proto descriptors (so it carries neither protobufjs nor the .proto files).
import * as esbuild from 'esbuild';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * Bundles a build-time TypeScript module (a path, or `{ contents }` resolved from the root) into a
 * scratch directory, imports it, and hands it to `use`.
 */
async function withBuildTimeModule(entry, use) {
  const scratch = await mkdtemp(join(tmpdir(), 'tbot-build-'));
  try {
    const outfile = join(scratch, 'module.mjs');
    await esbuild.build({
      ...(typeof entry === 'string' ? { entryPoints: [join(root, entry)] } : { stdin: { contents: entry.contents, resolveDir: root, loader: 'ts' } }),
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'error',
      // protobufjs is CommonJS and calls require(); give the ESM scratch bundle a real one.
      banner: { js: "import { createRequire as __buildCreateRequire } from 'node:module'; const require = __buildCreateRequire(import.meta.url);" },
    });
    return await use(await import(pathToFileURL(outfile).href));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Replaces one source module with generated contents. */
function replaceModule(name, filter, contents) {
  return {
    name,
    setup(build) {
      build.onLoad({ filter }, () => ({ contents, loader: 'js', resolveDir: root }));
    },
  };
}

/** The validators, precompiled by ajv standalone: the bundle carries no schema compiler. */
export async function precompiledValidators() {
  const source = await withBuildTimeModule('src/schemas/standalone.ts', (module) => module.standaloneValidatorsSource());
  return replaceModule('precompiled-validators', /[\\/]src[\\/]schemas[\\/]validators\.ts$/, source);
}

/**
 * Each src/schemas/config-sections/ module as ajv standalone code for its part of the config
 * schema: every module becomes its own chunk, loaded only by a config that uses its kinds.
 */
export async function precompiledConfigSections() {
  const sources = await withBuildTimeModule('src/schemas/standalone.ts', (module) => module.standaloneConfigSectionSources());
  return {
    name: 'precompiled-config-sections',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]schemas[\\/]config-sections[\\/][a-z-]+\.ts$/ }, (args) => {
        const name = args.path.replace(/^.*[\\/]/, '').replace(/\.ts$/, '');
        const contents = sources[name];
        if (contents === undefined) return { errors: [{ text: `${args.path} is not a module of CONFIG_SECTION_MODULES` }] };
        return { contents, loader: 'js', resolveDir: root };
      });
    },
  };
}

/** The schemas/*.proto descriptors, compiled now: the bundle carries neither protobufjs nor the .proto files. */
async function precompiledDescriptors() {
  const bytes = await withBuildTimeModule('src/protocol/compile-protos.ts', (module) => module.compileProtosToBinary(join(root, 'schemas')));
  const source = `const BYTES = ${JSON.stringify(Buffer.from(bytes).toString('base64'))};\nexport function descriptorSetBytes() { return Buffer.from(BYTES, 'base64'); }\n`;
  return replaceModule('precompiled-descriptors', /[\\/]src[\\/]protocol[\\/]descriptor-set\.ts$/, source);
}

/** The library entries: bundled like the CLIs, but not executable, and with type declarations. */
const LIBRARIES = { reporting: 'src/reporting/index.ts' };

/**
 * Declarations for the library entries (dist/types/…), with the TypeScript compiler API: an app
 * importing tbot-analytics/reporting gets the same types this repository checks against.
 */
async function emitDeclarations(outdir) {
  const { default: ts } = await import('typescript');
  const configPath = join(root, 'tsconfig.json');
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const program = ts.createProgram(
    Object.values(LIBRARIES).map((entry) => join(root, entry)),
    {
      ...parsed.options,
      noEmit: false,
      declaration: true,
      emitDeclarationOnly: true,
      rootDir: join(root, 'src'),
      outDir: join(outdir, 'types'),
    },
  );
  const { diagnostics } = program.emit();
  if (diagnostics.length > 0) throw new Error(ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (name) => name, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
}

/**
 * Swaps two of yargs' dependencies for in-repo stand-ins, so the CLIs read no file outside the
 * install: y18n (which loads locale JSON from a directory worked out relative to the bundle) and
 * escalade (which walks up from the working directory to read a package.json). And yargs-parser's
 * node:module, whose createRequire serves only config files the CLIs never read. The build fails
 * if yargs stops importing any of them, rather than silently bundling the real ones some other way.
 */
export function yargsWithoutFileLookups() {
  const standIns = {
    y18n: join(root, 'src/cli-kit/yargs-shims/english-y18n.ts'),
    'escalade/sync': join(root, 'src/cli-kit/yargs-shims/no-find-up.ts'),
    'node:module': join(root, 'src/cli-kit/yargs-shims/no-create-require.ts'),
  };
  return {
    name: 'yargs-without-file-lookups',
    setup(build) {
      const swapped = new Set();
      let bundlesYargs = false;
      build.onResolve({ filter: /^yargs$/ }, () => {
        bundlesYargs = true;
        return undefined;
      });
      build.onResolve({ filter: /^(?:y18n|escalade(?:\/sync)?|node:module)$/ }, (args) => {
        // node:module is swapped only where yargs-parser imports it.
        if (args.path === 'node:module' && !/[\\/]node_modules[\\/]yargs-parser[\\/]/.test(args.importer)) return undefined;
        const standIn = standIns[args.path];
        if (standIn === undefined) return { errors: [{ text: `${args.importer} imports ${args.path}; only escalade/sync has a stand-in` }] };
        swapped.add(args.path);
        return { path: standIn };
      });
      build.onEnd((result) => {
        const missing = Object.keys(standIns).filter((name) => !swapped.has(name));
        if (bundlesYargs && result.errors.length === 0 && missing.length > 0)
          result.errors.push({ text: `yargs no longer imports ${missing.join(', ')}; review the stand-ins in build.mjs` });
      });
    },
  };
}

/** esbuild settings every bundle shares. */
function commonOptions(buildInfo, plugins) {
  return {
    bundle: true,
    platform: 'node',
    target: 'node20',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    define: { __TBOT_BUILD__: JSON.stringify(buildInfo) },
    plugins,
    logLevel: 'warning',
  };
}

/** The command lines whose answers the build records, and the env vars that the recorded commands read (src/cli/stored-answers.ts). */
function recordableLines() {
  return withBuildTimeModule(
    {
      contents:
        "import { GLOBAL_FLAGS, TBOT_COMMANDS } from './src/cli/command-table.ts'; import { envReadByRecordedCommands, recordableCommandLines } from './src/cli/stored-answers.ts'; export const lines = recordableCommandLines(TBOT_COMMANDS); export const commandEnv = envReadByRecordedCommands(TBOT_COMMANDS, GLOBAL_FLAGS);",
    },
    (module) => ({ lines: module.lines, commandEnv: module.commandEnv }),
  );
}

/**
 * The answers the launcher prints without loading the CLI (src/cli/stored-answers.ts): help for
 * each command path, --version and `version`, as the freshly built agent prints them, written once
 * for every spelling that shares them. Each must be a clean success: stdout only, exit 0.
 */
async function recordAnswers(launcher, directory, lines) {
  const scratch = await mkdtemp(join(tmpdir(), 'tbot-build-answers-'));
  try {
    const env = { PATH: process.env.PATH ?? '', XDG_CACHE_HOME: scratch };
    const run = (tokens) =>
      new Promise((resolve, reject) =>
        execFile(process.execPath, [launcher, ...tokens], { env, encoding: 'utf8' }, (error, stdout, stderr) =>
          error !== null || stderr !== '' || stdout === '' ? reject(new Error(`tbot ${tokens.join(' ')}: ${stderr || error?.message || 'no output'}`)) : resolve(stdout),
        ),
      );
    const answers = [];
    // A few at a time: each is a whole run of the CLI.
    for (let index = 0; index < lines.length; index += 8)
      answers.push(...(await Promise.all(lines.slice(index, index + 8).map(async (line) => [line.files, await run(line.tokens)]))));
    await mkdir(directory);
    for (const [files, text] of answers) for (const file of files) await writeFile(join(directory, file), text);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The agent, `tbot`: dist/tbot.cjs, a small CommonJS launcher (src/cli/launcher.ts), and
 * dist/tbot/, the CLI split into chunks so that each command loads only what it uses (`version`
 * loads the command table and little else). esbuild splits only ESM, and the launcher compiles
 * chunks with vm.Script to give V8 a code cache, which takes scripts, not ESM modules; so the
 * ESM chunks are turned into CommonJS ones, each a plain script for the launcher (and for Node's
 * own require on Node ≥ 22.1). import() between chunks becomes require() in a promise, and
 * import.meta.url the chunk file's URL. dist/tbot.mjs stays, forwarding to the launcher.
 */
async function buildAgent(outdir, common, levers) {
  const scratch = await mkdtemp(join(tmpdir(), 'tbot-build-agent-'));
  const chunksDir = join(outdir, 'tbot');
  try {
    const split = await esbuild.build({
      ...common,
      plugins: [
        ...common.plugins,
        ...(levers.fastPath === false ? [replaceModule('no-fast-path', /[\\/]src[\\/]cli[\\/]fast-parse\.ts$/, 'export async function fastParse() { return undefined; }\n')] : []),
      ],
      metafile: true,
      entryPoints: { main: join(root, 'src/cli/main.ts') },
      outdir: scratch,
      format: 'esm',
      splitting: levers.split !== false,
      entryNames: '[name]',
      chunkNames: '[name]-[hash]',
      define: { ...common.define, 'import.meta.url': '__tbotImportMeta.url' },
    });
    await rm(chunksDir, { recursive: true, force: true });
    const esmChunks = (await readdir(scratch)).filter((name) => name.endsWith('.js'));
    await esbuild.build({
      entryPoints: esmChunks.map((name) => join(scratch, name)),
      outdir: chunksDir,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      minify: true,
      sourcemap: 'linked',
      legalComments: 'linked',
      supported: { 'dynamic-import': false },
      // Worked out only if read: few chunks use it (yargs' platform shim, yargs-parser).
      banner: { js: 'var __tbotImportMeta={get url(){return require("node:url").pathToFileURL(__filename).href}};' },
      logLevel: 'warning',
    });
    await writeFile(join(chunksDir, 'package.json'), '{ "type": "commonjs" }\n');
    const recordable = await recordableLines();
    const hash = createHash('sha256');
    for (const name of (await readdir(chunksDir)).filter((file) => file.endsWith('.js')).sort()) hash.update(name).update(await readFile(join(chunksDir, name)));
    await esbuild.build({
      ...common,
      plugins: [],
      entryPoints: [join(root, 'src/cli/launcher.ts')],
      outfile: join(outdir, 'tbot.cjs'),
      format: 'cjs',
      define: { __TBOT_CHUNKS_HASH__: JSON.stringify(hash.digest('hex')), __TBOT_ANSWERS_ENV__: JSON.stringify(recordable.commandEnv) },
    });
    if (levers.storedAnswers !== false) await recordAnswers(join(outdir, 'tbot.cjs'), join(chunksDir, 'answers'), recordable.lines);
    await writeFile(
      join(outdir, 'tbot.mjs'),
      "#!/usr/bin/env node\n// Kept for scripts that run dist/tbot.mjs: the agent's bin is dist/tbot.cjs.\nimport { createRequire } from 'node:module';\n\ncreateRequire(import.meta.url)('./tbot.cjs');\n",
    );
    await rm(join(outdir, 'tbot.mjs.map'), { force: true });
    await rm(join(outdir, 'tbot.mjs.LEGAL.txt'), { force: true });
    for (const name of ['tbot.cjs', 'tbot.mjs']) await chmod(join(outdir, name), 0o755);
    return split.metafile;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * string-width, which cliui and wrap-ansi (under yargs) measure help text with, builds an emoji
 * regex and an Intl.Segmenter when it loads: most of what yargs costs to load. For printable ASCII
 * (all of the CLIs' help text) its answer is the length, by its own fast path; this stand-in gives
 * that answer without loading it, and loads the real one (each importer its own version) the first
 * time it meets anything else.
 */
export function stringWidthOnDemand() {
  const NAMESPACE = 'string-width-on-demand';
  return {
    name: NAMESPACE,
    setup(build) {
      build.onResolve({ filter: /^string-width$/ }, async (args) => {
        if (args.pluginData?.real === true) return undefined;
        const real = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { real: true } });
        if (real.errors.length > 0) return { errors: real.errors };
        return { path: real.path, namespace: NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        resolveDir: root,
        loader: 'js',
        contents: `const PRINTABLE_ASCII = /^[\\u0020-\\u007E]*$/;
let real;
export default function stringWidth(input, options) {
  if (typeof input === 'string' && PRINTABLE_ASCII.test(input)) return input.length;
  real ??= require(${JSON.stringify(args.path)}).default;
  return real(input, options);
}
`,
      }));
    },
  };
}

/**
 * ky on src/net/fetch-classes.ts instead of Node's global Request, Response, Headers and FormData,
 * which are undici's: touching any of them (ky does at load) loads all of undici, 20–35 ms and
 * 11 MB at start. esbuild's define swaps only free references to the globals, module by module,
 * and ReadableStream becomes undefined so that ky takes no stream paths. The build fails if ky
 * stops being swapped this way.
 */
export function kyOnFetchClasses() {
  const classes = join(root, 'src/net/fetch-classes.ts');
  const swaps = {
    Request: '__tbotFetch.FetchRequest',
    Response: '__tbotFetch.FetchResponse',
    Headers: '__tbotFetch.FetchHeaders',
    FormData: 'undefined',
    ReadableStream: 'undefined',
  };
  const define = Object.fromEntries(
    Object.entries(swaps).flatMap(([name, value]) => [
      [name, value],
      [`globalThis.${name}`, value],
    ]),
  );
  return {
    name: 'ky-on-fetch-classes',
    setup(build) {
      let swapped = 0;
      build.onLoad({ filter: /[\\/]node_modules[\\/]ky[\\/]distribution[\\/].*\.js$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        const { code } = await esbuild.transform(source, { loader: 'js', format: 'esm', define, sourcemap: 'inline', sourcefile: args.path, target: 'node20' });
        if (code.includes('__tbotFetch')) swapped += 1;
        return { contents: `import * as __tbotFetch from ${JSON.stringify(classes)};\n${code}`, loader: 'js', resolveDir: dirname(args.path) };
      });
      build.onEnd((result) => {
        if (
          result.errors.length === 0 &&
          build.initialOptions.entryPoints !== undefined &&
          swapped === 0 &&
          JSON.stringify(result.metafile?.inputs ?? {}).includes('node_modules/ky/')
        )
          result.errors.push({ text: 'ky is bundled but none of its modules uses the fetch globals any more; review kyOnFetchClasses in build.mjs' });
      });
    },
  };
}

/**
 * `levers` turns off one start-up measure at a time for bench/startup-levers.ts, which weighs each
 * against the full build; `agentOnly` builds just dist/tbot.cjs and dist/tbot/.
 * @param {{ outdir?: string, precompileSchemas?: boolean, declarations?: boolean, agentOnly?: boolean,
 *   levers?: { split?: boolean, fastPath?: boolean, storedAnswers?: boolean, lazyStringWidth?: boolean, kyFetchClasses?: boolean } }} [options]
 */
export async function build(options = {}) {
  const levers = options.levers ?? {};
  const outdir = options.outdir ?? join(root, 'dist');
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const buildInfo = {
    version: pkg.version,
    defaultAnalyticsEndpoint: process.env.TBOT_DEFAULT_ANALYTICS_ENDPOINT || 'http://127.0.0.1:8787',
  };
  const plugins = [
    yargsWithoutFileLookups(),
    ...(levers.lazyStringWidth === false ? [] : [stringWidthOnDemand()]),
    ...(levers.kyFetchClasses === false ? [] : [kyOnFetchClasses()]),
    await precompiledDescriptors(),
    ...(options.precompileSchemas === false ? [] : [await precompiledValidators(), await precompiledConfigSections()]),
  ];
  const common = commonOptions(buildInfo, plugins);
  await mkdir(outdir, { recursive: true });
  const agent = await buildAgent(outdir, common, levers);
  if (options.agentOnly === true) return { outdir, buildInfo, agentMetafile: agent };
  const entries = {
    'tbot-collector': 'src/collector/cli/main.ts',
    'tbot-collector-report-worker': 'src/collector/report/worker.ts',
    'tbot-collector-line-fold-worker': 'src/collector/report/line-fold-worker.ts',
    'tbot-collector-postgres-reader': 'src/collector/report/postgres-reader-worker.ts',
    'tbot-collector-ship-worker': 'src/collector/ship/ship-worker.ts',
  };
  const result = await esbuild.build({
    ...common,
    metafile: true,
    entryPoints: Object.fromEntries(Object.entries({ ...entries, ...LIBRARIES }).map(([name, path]) => [name, join(root, path)])),
    outdir,
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    // pg's optional native binding, which it requires only when asked for (pg.native): never here.
    external: ['pg-native'],
    // Some bundled CommonJS (ajv's runtime helpers) calls require(); give ESM output a real one.
    banner: { js: "import { createRequire as __tbotCreateRequire } from 'node:module'; const require = __tbotCreateRequire(import.meta.url);" },
  });
  for (const name of Object.keys(entries)) await chmod(join(outdir, `${name}.mjs`), 0o755);
  if (options.declarations !== false) await emitDeclarations(outdir);
  await writeFile(join(outdir, 'build-info.json'), `${JSON.stringify(buildInfo, null, 2)}\n`);
  return { outdir, buildInfo, metafile: result.metafile, agentMetafile: agent };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { outdir } = await build();
  console.log(`built ${outdir}`);
}
