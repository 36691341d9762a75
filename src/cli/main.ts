#!/usr/bin/env node
/** The `tbot` entry point: wires yargs to the commands and real side effects, and owns the exit. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError } from '../errors.js';
import { BUILD } from '../version.js';
import { analyticsCommand } from './commands/analytics.js';
import { startCommand } from './commands/start.js';
import { versionCommand } from './commands/version.js';
import { processRuntime } from './runtime.js';

async function main(argv: string[]): Promise<number> {
  const runtime = processRuntime();
  let exitCode = 0;
  const setExitCode = (code: number): void => {
    exitCode = code;
  };
  try {
    await yargs(argv)
      .scriptName('tbot')
      .usage('$0 <command> [options]')
      .command(startCommand(runtime, setExitCode))
      .command(analyticsCommand(runtime, setExitCode))
      .command(versionCommand(runtime))
      .demandCommand(1, 'name a command: start, analytics or version')
      .strict()
      .version(BUILD.version)
      .help()
      .alias('help', 'h')
      .wrap(null)
      .fail((message, error) => {
        // Throwing is what stops yargs from running the command's handler after a usage error.
        if (error instanceof UsageError) throw error;
        if (message) throw new UsageError(message);
        if (error?.name === 'YError') throw new UsageError(error.message);
        throw error;
      })
      .parseAsync();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    runtime.stderr(`tbot: ${error.message}\nRun "tbot --help" for usage.\n`);
    return error.exitCode;
  }
  return exitCode;
}

// Exiting explicitly is what bounds a one-shot run: no lingering keep-alive socket or timer
// from an abandoned analytics send can hold the process open.
main(hideBin(process.argv)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`tbot: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  },
);
