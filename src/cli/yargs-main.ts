/** `tbot` through full yargs, built from the command table: help, --version, usage errors, and whatever the fast path leaves. */
import { GLOBAL_FLAGS, TBOT_COMMANDS } from './command-table.js';
import type { RunCommand } from './invocation.js';
import { runYargs } from '../cli-kit/run-cli.js';
import type { Runtime } from './runtime.js';
import { explainUsage, withGlobalFlags, yargsCommands } from './yargs-cli.js';

/** `run` replaces what runs the parsed command (tests compare it with the fast path's). */
export function runTbotYargs(tokens: string[], runtime: Runtime, run?: RunCommand): Promise<number> {
  return runYargs(
    {
      name: 'tbot',
      demand: `name a command: ${TBOT_COMMANDS.map((command) => command.name).join(', ')}`,
      stderr: runtime.stderr,
      // One name per flag in every message: yargs would otherwise add a camelCase twin of each.
      configure: (parser) => withGlobalFlags(parser.parserConfiguration({ 'camel-case-expansion': false }), GLOBAL_FLAGS),
      explainUsage: (message) => explainUsage(message, tokens, TBOT_COMMANDS, GLOBAL_FLAGS),
      commands: (setExitCode) => yargsCommands(TBOT_COMMANDS, { runtime, setExitCode, tokens, globals: GLOBAL_FLAGS, ...(run === undefined ? {} : { run }) }) as never,
    },
    tokens,
  );
}
