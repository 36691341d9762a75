#!/usr/bin/env node
/** The `tbot-collector` entry point: `serve` receives events, `report` answers questions about them. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError } from '../../errors.js';
import { BUILD } from '../../version.js';
import { reportCommand } from './report-command.js';
import { serveCommand } from './serve-command.js';

async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const setExitCode = (code: number): void => {
    exitCode = code;
  };
  try {
    await yargs(argv)
      .scriptName('tbot-collector')
      .usage('$0 <command> [options]')
      .command(serveCommand(setExitCode))
      .command(reportCommand(setExitCode))
      .demandCommand(1, 'name a command: serve or report')
      .strict()
      .version(BUILD.version)
      .help()
      .alias('help', 'h')
      .wrap(null)
      .fail((message, error) => {
        if (error instanceof UsageError) throw error;
        if (message) throw new UsageError(message);
        if (error?.name === 'YError') throw new UsageError(error.message);
        throw error;
      })
      .parseAsync();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`tbot-collector: ${error.message}\nRun "tbot-collector --help" for usage.\n`);
    return error.exitCode;
  }
  return exitCode;
}

main(hideBin(process.argv)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`tbot-collector: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  },
);
