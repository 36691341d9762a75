#!/usr/bin/env node
/** The `tbot-collector` entry point: `serve` receives events, `report` answers questions about them. */
import type { CommandModule } from 'yargs';
import { runCli } from '../../cli/run-cli.js';
import { reportCommand } from './report-command.js';
import { serveCommand } from './serve-command.js';

runCli({
  name: 'tbot-collector',
  demand: 'name a command: serve or report',
  stderr: (text) => void process.stderr.write(text),
  commands: (setExitCode) => [serveCommand(setExitCode), reportCommand(setExitCode)] as CommandModule<object, never>[],
});
