// Bundles the CLI into one ESM file under dist/ with esbuild. The version (from package.json) and
// the default analytics endpoint are baked in, and the JSON Schemas are precompiled by ajv's
// standalone code generation so the bundle carries no schema compiler (bench/startup.mjs measures it).
import * as esbuild from 'esbuild';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/** Runs src/schemas/standalone.ts (TypeScript) through esbuild and returns the generated validators. */
async function generateValidatorsSource() {
  const scratch = await mkdtemp(join(tmpdir(), 'tbot-build-'));
  try {
    const generator = join(scratch, 'standalone.mjs');
    await esbuild.build({
      entryPoints: [join(root, 'src/schemas/standalone.ts')],
      outfile: generator,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'error',
    });
    const { standaloneValidatorsSource } = await import(pathToFileURL(generator).href);
    return standaloneValidatorsSource();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Swaps the runtime-compiling validators module for the precompiled one. */
function precompiledValidators(source) {
  return {
    name: 'precompiled-validators',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]schemas[\\/]validators\.ts$/ }, () => ({ contents: source, loader: 'js', resolveDir: root }));
    },
  };
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
 * @param {{ outdir?: string, precompileSchemas?: boolean, entries?: Record<string, string> }} [options]
 */
export async function build(options = {}) {
  const outdir = options.outdir ?? join(root, 'dist');
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const buildInfo = {
    version: pkg.version,
    defaultAnalyticsEndpoint: process.env.TBOT_DEFAULT_ANALYTICS_ENDPOINT || 'http://127.0.0.1:8787',
  };
  const plugins = [yargsWithoutFileLookups(), ...(options.precompileSchemas === false ? [] : [precompiledValidators(await generateValidatorsSource())])];
  const entries = options.entries ?? {
    tbot: 'src/cli/main.ts',
    'tbot-collector': 'src/collector/cli/main.ts',
    'tbot-collector-report-worker': 'src/collector/report-worker.ts',
  };
  await esbuild.build({
    entryPoints: Object.fromEntries(Object.entries(entries).map(([name, path]) => [name, join(root, path)])),
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
  await writeFile(join(outdir, 'build-info.json'), `${JSON.stringify(buildInfo, null, 2)}\n`);
  return { outdir, buildInfo };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { outdir } = await build();
  console.log(`built ${outdir}`);
}
