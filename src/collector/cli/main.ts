#!/usr/bin/env node
/** The `tbot-collector` entry point: `serve` receives events, `report` answers questions about them, `tenant` manages client certificates. */
import type { CommandModule } from 'yargs';
import { enableCompileCache } from '../../cli-kit/compile-cache.js';
import { runCli } from '../../cli-kit/run-cli.js';
import { explainValueProblem } from '../../cli-kit/yargs-messages.js';
import { LOG_FORMATS } from '../../log/logger.js';
import { processCollectorRuntime } from '../runtime.js';
import { reportCommand } from './report/index.js';
import { serveCommand } from './serve-command.js';
import { tenantCommand } from './tenant-command.js';

// First, so that whatever is loaded from here on is compiled once and then read from the cache.
enableCompileCache();
const runtime = processCollectorRuntime();
runCli({
  name: 'tbot-collector',
  demand: 'name a command: serve, report or tenant',
  stderr: runtime.stderr,
  // The agent's flag, with its values: one JSON object per stderr line for log shippers.
  configure: (parser) => parser.option('log-format', { choices: LOG_FORMATS, default: 'text', global: true, describe: 'Log line format (serve)' }),
  explainUsage: (message) => explainValueProblem(message),
  commandHints: true,
  commands: (setExitCode) => [serveCommand(runtime, setExitCode), reportCommand(runtime, setExitCode), tenantCommand(runtime, setExitCode)] as CommandModule<object, never>[],
});
