/**
 * yargs, built from the command table: options, aliases and help from the table; env vars, the
 * "given twice" rule and did-you-mean messages on top, with the behaviour of tbot's kingpin CLI.
 */
import type { Argv, CommandModule as YargsCommand, Options } from 'yargs';
import { explainUnknownArguments } from '../cli-kit/command-hints.js';
import { spellings } from '../cli-kit/flag-spellings.js';
import type { CommandDef, FlagDef } from './command-types.js';
import { checkRepeated, collectFlags, runCommand, type Argvalues, type RunCommand } from './invocation.js';
import type { SetExitCode } from '../cli-kit/run-cli.js';
import type { Runtime } from './runtime.js';
import { explainValueProblem } from '../cli-kit/yargs-messages.js';

function optionOf(def: FlagDef, global: boolean): Options {
  const aliases = [...(def.short === undefined ? [] : [def.short]), ...(def.aliases ?? [])];
  return {
    type: def.type,
    describe: def.env === undefined ? def.describe : `${def.describe} [env ${def.env}]`,
    ...(aliases.length === 0 ? {} : { alias: aliases }),
    ...(def.choices === undefined ? {} : { choices: [...def.choices] }),
    ...(def.type === 'string' ? { requiresArg: true } : {}),
    ...(def.required === true ? { demandOption: true } : {}),
    ...(def.hidden === true ? { hidden: true } : {}),
    ...(global ? { global: true } : {}),
  };
}

export interface TableCliContext {
  runtime: Runtime;
  setExitCode: SetExitCode;
  /** The raw command line, for the checks yargs cannot make. */
  tokens: readonly string[];
  globals: readonly FlagDef[];
  /** What runs a parsed command; runCommand unless a test wants to see the invocation instead. */
  run?: RunCommand;
}

function toYargs(def: CommandDef, parents: readonly string[], context: TableCliContext): YargsCommand {
  const path = [...parents, def.name];
  const names = [def.isDefault === true ? [def.name, '$0'] : [def.name], def.aliases ?? []].flat();
  if (def.subcommands !== undefined) {
    const subcommands = def.subcommands.map((sub) => toYargs(sub, path, context));
    const hasDefault = def.subcommands.some((sub) => sub.isDefault === true);
    return {
      command: names,
      describe: def.describe,
      builder: (yargs: Argv) => {
        let built = yargs;
        for (const sub of subcommands) built = built.command(sub);
        return hasDefault ? built : built.demandCommand(1, `name a subcommand: ${def.subcommands?.map((sub) => sub.name).join(' or ')}`);
      },
      handler: () => undefined,
    };
  }
  return {
    command: names,
    describe: def.describe,
    builder: (yargs: Argv) => {
      let built = yargs;
      for (const flag of def.flags) built = built.option(flag.name, optionOf(flag, false));
      return built.check(() => {
        checkRepeated(context.tokens, [...context.globals, ...def.flags]);
        return true;
      });
    },
    handler: async (argv: Argvalues) => {
      context.setExitCode(await (context.run ?? runCommand)(def, path, argv, context.globals, context.runtime));
    },
  };
}

export function yargsCommands(table: readonly CommandDef[], context: TableCliContext): YargsCommand[] {
  return table.map((def) => toYargs(def, [], context));
}

export function withGlobalFlags(yargs: Argv, globals: readonly FlagDef[]): Argv {
  let built = yargs;
  for (const flag of globals) built = built.option(flag.name, optionOf(flag, true));
  return built;
}

const dashed = (def: FlagDef): string => `--${def.name}`;

/** yargs names a flag given as `-c` by its key `c`; messages use the long name, `--config`. */
function longName(key: string, table: readonly CommandDef[], globals: readonly FlagDef[]): string {
  const known = spellings([...globals, ...collectFlags(table)]);
  const def = known.get(key.length === 1 ? `-${key}` : `--${key}`);
  return def === undefined ? `--${key}` : dashed(def);
}

/** yargs' usage messages, reworded: flags with their dashes, one name each, and the nearest valid spelling. */
export function explainUsage(message: string, tokens: readonly string[], table: readonly CommandDef[], globals: readonly FlagDef[]): string {
  return explainUnknownArguments(message, tokens, table, globals) ?? explainValueProblem(message, (name) => longName(name, table, globals));
}
