/** Runs the example apps (examples/…/main.ts) under tsx as child processes, as `npm run example:*` does. */
import { fileURLToPath } from 'node:url';
import { runCollector } from './collector-process.js';
import { cleanEnv, spawnTbot, type RunResult, type TbotChild } from './tbot-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const EXAMPLES = {
  connect: fileURLToPath(new URL('../../examples/connect-session/main.ts', import.meta.url)),
  discover: fileURLToPath(new URL('../../examples/discover-wizard/main.ts', import.meta.url)),
  'auth-usage': fileURLToPath(new URL('../../examples/auth-usage/main.ts', import.meta.url)),
} as const;

export type ExampleName = keyof typeof EXAMPLES;

/**
 * The client apps' 5 s wait at quit is a product bound; on a loaded machine a send can take
 * longer, and the tests check what arrived, so they give quitting a minute unless a test sets it
 * itself. (auth-usage has no such wait: its submitter keeps what is unsent in its spool.)
 */
const QUIT_WAIT = ['--quit-wait-ms', '60000'];
const WAITS_AT_QUIT: ReadonlySet<ExampleName> = new Set(['connect', 'discover']);

/** Started from the repository's root, so `--import tsx` resolves as it does for npm run. */
export function spawnExample(name: ExampleName, args: readonly string[], env: Record<string, string> = {}): TbotChild {
  const withWait = !WAITS_AT_QUIT.has(name) || args.includes('--quit-wait-ms') || args.includes('--help') ? args : [...args, ...QUIT_WAIT];
  return spawnTbot(withWait, { bundle: EXAMPLES[name], nodeArgs: ['--import', 'tsx'], cwd: ROOT, env: cleanEnv(env), timeoutMs: 60_000 });
}

export function runExample(name: ExampleName, args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  return spawnExample(name, args, env).result;
}

/** `tbot-collector report <family> --format json` over `dataDir`, parsed. */
export async function familyReport<T>(family: 'connect' | 'discover', dataDir: string): Promise<T> {
  const run = await runCollector(['report', family, '--data-dir', dataDir, '--format', 'json']);
  if (run.code !== 0) throw new Error(`report ${family} exited ${run.code}:\n${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
