/**
 * What each start-up measure gives: the full build against builds that each leave one measure out
 * (build.mjs `levers`), on the commands that measure touches, side by side in one run (interleaved
 * round robin, medians of BENCH_RUNS rounds, default 15), in the machine's env and a clean env.
 * A row reads "without ÷ with": how much slower the agent is without that measure.
 *   code cache        the launcher's V8 code cache (off: XDG_CACHE_HOME where nothing can be kept)
 *   lazy chunks       the CLI split into chunks loaded on demand (off: one chunk, the whole CLI)
 *   fast path         yargs-parser over the command table (off: yargs parses every command line)
 *   recorded answers  help, --version and `version` printed by the launcher from the build's
 *                     records (off: the CLI loads and prints them: yargs for help)
 *   lazy string-width string-width's emoji tables loaded on first non-ASCII text (off, against a
 *                     build with the answers also off, so that --help goes through yargs)
 *   ky without undici ky on src/net/fetch-classes.ts (off: on Node's undici globals)
 *   precompiled schemas  ajv standalone validators (off: compiled at run time)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../build.mjs';
import { startReceiver } from '../test/helpers/receiver.js';
import { ENV_NAMES, ENVS, fmt, measure, median, ratio, runOnce, runsFromEnv, type Candidate, type EnvName } from './measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = runsFromEnv(15);
const config = (name: string): string => join(root, 'config', name);

const COMMANDS = {
  version: ['version'],
  '--help': ['--help'],
  'analytics status': ['analytics', 'status'],
  'one-shot minimal.yaml': ['start', '--oneshot', '--no-anonymous-analytics', '-c', config('minimal.yaml')],
  'one-shot all-kinds.yaml': ['start', '--oneshot', '-c', config('all-kinds.yaml')],
  'analytics on (minimal.yaml)': ['start', '--oneshot', '--anonymous-analytics', '-c', config('minimal.yaml')],
} as const;
type CommandName = keyof typeof COMMANDS;

type Levers = NonNullable<NonNullable<Parameters<typeof build>[0]>['levers']>;
interface Variant {
  name: string;
  levers?: Levers;
  precompileSchemas?: false;
  noCache?: true;
  commands: CommandName[];
  /** The variant it is weighed against, when not the full build. */
  against?: string;
}
const VARIANTS: Variant[] = [
  { name: 'code cache', noCache: true, commands: Object.keys(COMMANDS) as CommandName[] },
  { name: 'lazy chunks', levers: { split: false }, commands: ['version', 'analytics status', 'one-shot minimal.yaml', 'one-shot all-kinds.yaml'] },
  { name: 'fast path', levers: { fastPath: false }, commands: ['version', 'analytics status', 'one-shot minimal.yaml'] },
  { name: 'recorded answers', levers: { storedAnswers: false }, commands: ['version', '--help'] },
  { name: 'lazy string-width', levers: { storedAnswers: false, lazyStringWidth: false }, commands: ['--help'], against: 'recorded answers' },
  { name: 'ky without undici', levers: { kyFetchClasses: false }, commands: ['analytics on (minimal.yaml)'] },
  { name: 'precompiled schemas', precompileSchemas: false, commands: ['one-shot minimal.yaml'] },
];

const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-levers-'));
const receiver = await startReceiver('ok');
try {
  const launchers: Record<string, string> = { full: join(root, 'dist/tbot.cjs') };
  for (const variant of VARIANTS) {
    if (variant.levers === undefined && variant.precompileSchemas === undefined) continue;
    const outdir = join(scratch, variant.name.replaceAll(' ', '-'));
    await build({
      outdir,
      agentOnly: true,
      ...(variant.levers === undefined ? {} : { levers: variant.levers }),
      ...(variant.precompileSchemas === undefined ? {} : { precompileSchemas: false }),
    });
    launchers[variant.name] = join(outdir, 'tbot.cjs');
  }
  const warmCache = join(scratch, 'xdg');
  const env = (envName: EnvName, cache: boolean): Record<string, string> => ({
    ...ENVS[envName],
    XDG_CACHE_HOME: cache ? warmCache : '/proc/tbot-no-code-cache',
    TBOT_ANALYTICS_ENDPOINT: receiver.url,
  });
  await runOnce({
    name: 'setup',
    command: process.execPath,
    args: [launchers['full']!, 'start', '--oneshot', '-c', config('all-kinds.yaml')],
    cwd: scratch,
    env: env('clean', true),
  });

  const key = (variant: string, command: string, envName: EnvName): string => `${variant}|${command}|${envName}`;
  const candidates: Candidate[] = [];
  const add = (variant: string, command: CommandName, launcher: string, cache: boolean): void => {
    for (const envName of ENV_NAMES) {
      const name = key(variant, command, envName);
      if (!candidates.some((candidate) => candidate.name === name))
        candidates.push({ name, command: process.execPath, args: [launcher, ...COMMANDS[command]], cwd: scratch, env: env(envName, cache) });
    }
  };
  for (const variant of VARIANTS) {
    for (const command of variant.commands) {
      const against = variant.against ?? 'full';
      add(against, command, launchers[against]!, true);
      add(variant.name, command, launchers[variant.name] ?? launchers['full']!, variant.noCache !== true);
    }
  }
  const times = await measure(candidates, runs);
  const med = (variant: string, command: string, envName: EnvName): number => median(times.get(key(variant, command, envName))!);

  console.log(
    `start-up measures, one left out at a time, ${runs} interleaved rounds (medians); load average ${loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')}`,
  );
  console.log(`  ${'without … , on …'.padEnd(56)}${ENV_NAMES.map((envName) => `${envName} env: without ÷ with`.padStart(34)).join('')}`);
  for (const variant of VARIANTS) {
    for (const command of variant.commands) {
      const cells = ENV_NAMES.map((envName) => {
        const without = med(variant.name, command, envName);
        const withIt = med(variant.against ?? 'full', command, envName);
        return `${fmt(without)} ÷ ${fmt(withIt)} = ${ratio(without, withIt)}`.padStart(34);
      });
      console.log(`  ${`${variant.name}, ${command}${variant.against === undefined ? '' : ` (against: no ${variant.against})`}`.padEnd(56)}${cells.join('')}`);
    }
  }
} finally {
  await receiver.close();
  await rm(scratch, { recursive: true, force: true });
}
