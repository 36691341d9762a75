/**
 * What a CLI says about a command line it cannot run: the nearest valid spelling of a misspelt
 * command, subcommand or flag, and which command's help to read. One implementation for both CLIs:
 * tbot gives its command table, tbot-collector the tree read from its yargs commands (command-tree.ts).
 */
import { closest } from '../text/did-you-mean.js';
import { type FlagSpelling, flagOfToken, spellings, takesNextToken } from './flag-spellings.js';

export interface CommandHint<F extends FlagSpelling = FlagSpelling> {
  name: string;
  aliases?: readonly string[];
  flags: readonly F[];
  subcommands?: readonly CommandHint<F>[];
  /** The subcommand run when none is named. */
  isDefault?: boolean;
}

interface Place<F extends FlagSpelling> {
  /** The canonical names of the commands named so far, e.g. ['report', 'connect']. */
  path: string[];
  /** The flags valid at this point: the globals, the command's, and its default subcommand's. */
  flags: F[];
  /** The subcommands that could come next. */
  commands: CommandHint<F>[];
  /** The first word that names no command at its level. */
  strayWord?: string;
}

function isValueOfUnknownFlag(next: string | undefined, level: readonly CommandHint[]): boolean {
  return next !== undefined && !next.startsWith('-') && !level.some((command) => command.name === next || command.aliases?.includes(next));
}

function allFlags<F extends FlagSpelling>(table: readonly CommandHint<F>[]): F[] {
  return table.flatMap((command) => [...command.flags, ...allFlags(command.subcommands ?? [])]);
}

/** The commands the command line names, and the flags and subcommands valid where it stops. */
export function placeOf<F extends FlagSpelling>(tokens: readonly string[], table: readonly CommandHint<F>[], globals: readonly F[]): Place<F> {
  const known = spellings([...globals, ...allFlags(table)]);
  const path: string[] = [];
  let level = table;
  let current: CommandHint<F> | undefined;
  const here = (strayWord?: string): Place<F> => {
    const fallback = level.find((command) => command.isDefault === true);
    return { path, flags: [...globals, ...(current?.flags ?? []), ...(fallback?.flags ?? [])], commands: [...level], ...(strayWord === undefined ? {} : { strayWord }) };
  };
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as string;
    if (token === '--') break;
    if (token.startsWith('-')) {
      const def = flagOfToken(token, known);
      // An unknown flag's next word is taken for its value unless it names a command here.
      if (takesNextToken(def, token) || (def === undefined && !token.includes('=') && isValueOfUnknownFlag(tokens[index + 1], level))) index++;
      continue;
    }
    const next = level.find((command) => command.name === token || command.aliases?.includes(token));
    if (next === undefined) return here(token);
    current = next;
    path.push(next.name);
    level = next.subcommands ?? [];
  }
  return here();
}

/**
 * yargs' "Unknown argument(s): …", reworded: each unknown flag or command named as typed, with the
 * nearest valid spelling at that point. Undefined for any other message. Names yargs adds on its
 * own (a camelCase twin of an unknown --kebab-flag) are left out: they are not on the line.
 */
export function explainUnknownArguments<F extends FlagSpelling>(
  message: string,
  tokens: readonly string[],
  table: readonly CommandHint<F>[],
  globals: readonly F[],
): string | undefined {
  const unknown = /^Unknown arguments?: (.+)$/s.exec(message);
  if (unknown === null) return undefined;
  const place = placeOf(tokens, table, globals);
  const flagNames = place.flags.flatMap((def) => [`--${def.name}`, ...(def.aliases ?? []).map((alias) => `--${alias}`)]);
  const commandNames = place.commands.flatMap((command) => [command.name, ...(command.aliases ?? [])]);
  const lines = (unknown[1] as string).split(', ').flatMap((name) => {
    const asFlag = tokens.find((token) => token.split('=', 1)[0] === `--${name}` || token === `-${name}`);
    if (asFlag !== undefined) {
      const spelled = asFlag.split('=', 1)[0] as string;
      const near = closest(spelled, flagNames);
      return [`unknown flag ${spelled}${near === undefined ? '' : `; did you mean ${near}?`}`];
    }
    const at = tokens.indexOf(name);
    if (at === -1) return [];
    // The value of an unknown flag (`--formt json`): the flag is the thing to fix.
    const before = tokens[at - 1];
    if (before?.startsWith('-') === true && !before.includes('=') && flagOfToken(before, spellings(place.flags)) === undefined) return [];
    const near = closest(name, commandNames);
    const what = place.strayWord === name && place.commands.length > 0 ? 'unknown command' : 'unexpected argument';
    return [`${what} "${name}"${near === undefined ? '' : `; did you mean "${near}"?`}`];
  });
  // A misspelt command makes its flags look unknown too; the command is the one thing to fix.
  const commands = lines.filter((line) => line.startsWith('unknown command'));
  if (lines.length === 0) return message;
  return (commands.length > 0 ? commands : lines).join('\n');
}
