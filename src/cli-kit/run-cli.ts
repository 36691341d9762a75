/**
 * What every entry point (tbot, tbot-collector) shares: strict yargs parsing where a usage error
 * stops the handler and exits 2, a handler-set exit code, and an explicit process exit. `tbot`
 * comes here only for what its fast path (fast-parse.ts) leaves to yargs: help, --version, errors.
 */
import yargs, { type Argv, type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError } from '../errors.js';
import { BUILD } from '../version.js';
import { exitWhenSettled, usageErrorsReported } from './cli-exit.js';
import { type CommandHint, explainUnknownArguments, placeOf } from './command-hints.js';
import { commandOf, declaredBy } from './command-tree.js';
import type { FlagSpelling } from './flag-spellings.js';

export type SetExitCode = (code: number) => void;

export interface CliDefinition {
  name: string;
  commands: (setExitCode: SetExitCode) => CommandModule<object, never>[];
  /** The message when no command is named; omitted by a CLI whose one command is the default (`$0`). */
  demand?: string;
  stderr: (text: string) => void;
  /** Adjusts the top-level parser before the commands are added (global flags, parser settings). */
  configure?: (parser: Argv) => Argv;
  /** Rewords a usage message of yargs before it is printed (did-you-mean, flag spellings). */
  explainUsage?: (message: string) => string;
  /**
   * Reads the commands and flags from the commands' builders (command-tree.ts) to suggest the
   * nearest spelling of a misspelt command or flag, and to point a usage error to the help of the
   * command it concerns (`Run "tbot-collector report --help"`). tbot does its own from its table.
   */
  commandHints?: boolean;
}

/** yargs' own flags, on every command. */
const BUILT_IN_FLAGS: readonly FlagSpelling[] = [
  { name: 'help', short: 'h', type: 'boolean' },
  { name: 'version', type: 'boolean' },
];

/** The command tree and global flags the hints work from, read from the definition itself. */
function hintsOf(definition: CliDefinition, commands: readonly CommandModule<object, never>[]): { table: CommandHint[]; globals: FlagSpelling[] } {
  const table = commands.map((command) => commandOf(command as CommandModule)).filter((hint) => hint !== undefined);
  const globals = definition.configure === undefined ? [] : declaredBy(definition.configure as (recorder: never) => unknown).flags;
  return { table, globals: [...globals, ...BUILT_IN_FLAGS] };
}

/** Parses `argv` with yargs and runs the command; resolves to the exit code. */
export function runYargs(definition: CliDefinition, argv: string[]): Promise<number> {
  let exitCode = 0;
  const setExitCode: SetExitCode = (code) => {
    exitCode = code;
  };
  const commands = definition.commands(setExitCode);
  const hints = definition.commandHints === true ? hintsOf(definition, commands) : undefined;
  const helpCommand = [definition.name, ...(hints === undefined ? [] : placeOf(argv, hints.table, hints.globals).path)].join(' ');
  const explain = (text: string): string =>
    (hints === undefined ? undefined : explainUnknownArguments(text, argv, hints.table, hints.globals)) ?? (definition.explainUsage ?? ((same: string) => same))(text);
  return usageErrorsReported(
    definition.name,
    definition.stderr,
    async () => {
      // English whatever LANG says; in the bundles y18n is also swapped for an in-memory table (build.mjs).
      let parser: Argv = yargs(argv).detectLocale(false).scriptName(definition.name);
      if (definition.demand !== undefined) parser = parser.usage('$0 <command> [options]').demandCommand(1, definition.demand);
      if (definition.configure !== undefined) parser = definition.configure(parser);
      for (const command of commands) parser = parser.command(command as CommandModule);
      await parser
        .strict()
        .version(BUILD.version)
        .help()
        .alias('help', 'h')
        .wrap(null)
        .fail((message, error) => {
          // Throwing is what stops yargs from running the command's handler after a usage error.
          if (error instanceof UsageError) throw error;
          if (message) throw new UsageError(explain(message));
          if (error?.name === 'YError') throw new UsageError(explain(error.message));
          throw error;
        })
        .parseAsync();
      return exitCode;
    },
    helpCommand,
  );
}

/** Runs the CLI on this process's arguments and exits explicitly (see exitWhenSettled). */
export function runCli(definition: CliDefinition): void {
  exitWhenSettled(definition.name, runYargs(definition, hideBin(process.argv)));
}
