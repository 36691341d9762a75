#!/usr/bin/env node
/**
 * The `tbot` entry point: the command table wired to yargs and the real side effects. Only the
 * table, yargs and the runtime load here; a command's own code is imported when it runs.
 */
import { hideBin } from 'yargs/helpers';
import { GLOBAL_FLAGS, TBOT_COMMANDS } from './command-table.js';
import { enableCompileCache } from './compile-cache.js';
import { runCli } from './run-cli.js';
import { processRuntime } from './runtime.js';
import { explainUsage, withGlobalFlags, yargsCommands } from './yargs-cli.js';

// First, so that whatever is loaded from here on is compiled once and then read from the cache.
enableCompileCache();
const runtime = processRuntime();
const tokens = hideBin(process.argv);
runCli({
  name: 'tbot',
  demand: `name a command: ${TBOT_COMMANDS.map((command) => command.name).join(', ')}`,
  stderr: runtime.stderr,
  // One name per flag in every message: yargs would otherwise add a camelCase twin of each.
  configure: (parser) => withGlobalFlags(parser.parserConfiguration({ 'camel-case-expansion': false }), GLOBAL_FLAGS),
  explainUsage: (message) => explainUsage(message, tokens, TBOT_COMMANDS, GLOBAL_FLAGS),
  commands: (setExitCode) => yargsCommands(TBOT_COMMANDS, { runtime, setExitCode, tokens, globals: GLOBAL_FLAGS }) as never,
});
