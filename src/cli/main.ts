#!/usr/bin/env node
/** The `tbot` entry point: the agent's commands wired to the real side effects. */
import type { CommandModule } from 'yargs';
import { enableCompileCache } from './compile-cache.js';
import { analyticsCommand } from './commands/analytics.js';
import { startCommand } from './commands/start.js';
import { versionCommand } from './commands/version.js';
import { runCli } from './run-cli.js';
import { processRuntime } from './runtime.js';

// First, so that whatever is loaded from here on is compiled once and then read from the cache.
enableCompileCache();
const runtime = processRuntime();
runCli({
  name: 'tbot',
  demand: 'name a command: start, analytics or version',
  stderr: runtime.stderr,
  commands: (setExitCode) => [startCommand(runtime, setExitCode), analyticsCommand(runtime, setExitCode), versionCommand(runtime)] as CommandModule<object, never>[],
});
