// Bundles each CLI into one ESM file under dist/ with esbuild. The version (from package.json) and
// the default analytics endpoint are baked in. Two things are compiled here rather than at run
// time: the JSON Schemas (ajv standalone code, so the bundle carries no schema compiler) and the
// schemas/*.proto descriptors (so it carries neither protobufjs nor the .proto files).
import * as esbuild from 'esbuild';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/** Bundles a build-time TypeScript module into a scratch directory, imports it, and hands it to `use`. */
async function withBuildTimeModule(entry, use) {
  const scratch = await mkdtemp(join(tmpdir(), 'tbot-build-'));
  try {
    const outfile = join(scratch, 'module.mjs');
    await esbuild.build({
      entryPoints: [join(root, entry)],
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
async function precompiledValidators() {
  const source = await withBuildTimeModule('src/schemas/standalone.ts', (module) => module.standaloneValidatorsSource());
  return replaceModule('precompiled-validators', /[\\/]src[\\/]schemas[\\/]validators\.ts$/, source);
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
  const program = ts.createProgram(Object.values(LIBRARIES).map((entry) => join(root, entry)), {
    ...parsed.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: join(root, 'src'),
    outDir: join(outdir, 'types'),
  });
  const { diagnostics } = program.emit();
  if (diagnostics.length > 0) throw new Error(ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (name) => name, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
}

/**
 * Swaps two of yargs' dependencies for in-repo stand-ins, so the CLIs read no file outside the
 * install: y18n (which loads locale JSON from a directory worked out relative to the bundle) and
 * escalade (which walks up from the working directory to read a package.json). The build fails if
 * yargs stops importing either, rather than silently bundling the real ones some other way.
 */
function yargsWithoutFileLookups() {
  const standIns = {
    y18n: join(root, 'src/cli/yargs-shims/english-y18n.ts'),
    'escalade/sync': join(root, 'src/cli/yargs-shims/no-find-up.ts'),
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
      build.onResolve({ filter: /^(?:y18n|escalade(?:\/sync)?)$/ }, (args) => {
        const standIn = standIns[args.path];
        if (standIn === undefined) return { errors: [{ text: `${args.importer} imports ${args.path}; only escalade/sync has a stand-in` }] };
        swapped.add(args.path);
        return { path: standIn };
      });
      build.onEnd((result) => {
        const missing = Object.keys(standIns).filter((name) => !swapped.has(name));
        if (bundlesYargs && result.errors.length === 0 && missing.length > 0) result.errors.push({ text: `yargs no longer imports ${missing.join(', ')}; review the stand-ins in build.mjs` });
      });
    },
  };
}

/**
 * @param {{ outdir?: string, precompileSchemas?: boolean, entries?: Record<string, string>, declarations?: boolean }} [options]
 */
export async function build(options = {}) {
  const outdir = options.outdir ?? join(root, 'dist');
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const buildInfo = {
    version: pkg.version,
    defaultAnalyticsEndpoint: process.env.TBOT_DEFAULT_ANALYTICS_ENDPOINT || 'http://127.0.0.1:8787',
  };
  const plugins = [yargsWithoutFileLookups(), await precompiledDescriptors(), ...(options.precompileSchemas === false ? [] : [await precompiledValidators()])];
  const entries = options.entries ?? {
    tbot: 'src/cli/main.ts',
    'tbot-collector': 'src/collector/cli/main.ts',
    'tbot-collector-report-worker': 'src/collector/report/worker.ts',
  };
  const libraries = options.entries === undefined ? LIBRARIES : {};
  await esbuild.build({
    entryPoints: Object.fromEntries(Object.entries({ ...entries, ...libraries }).map(([name, path]) => [name, join(root, path)])),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    define: { __TBOT_BUILD__: JSON.stringify(buildInfo) },
    // Some bundled CommonJS (ajv's runtime helpers) calls require(); give ESM output a real one.
    banner: { js: "import { createRequire as __tbotCreateRequire } from 'node:module'; const require = __tbotCreateRequire(import.meta.url);" },
    plugins,
    logLevel: 'warning',
  });
  for (const name of Object.keys(entries)) await chmod(join(outdir, `${name}.mjs`), 0o755);
  if (Object.keys(libraries).length > 0 && options.declarations !== false) await emitDeclarations(outdir);
  await writeFile(join(outdir, 'build-info.json'), `${JSON.stringify(buildInfo, null, 2)}\n`);
  return { outdir, buildInfo };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { outdir } = await build();
  console.log(`built ${outdir}`);
}
