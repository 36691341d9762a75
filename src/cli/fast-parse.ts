/**
 * The agent's fast path: a command line that is plainly valid (a runnable command, known flags
 * with their values, nothing asked of yargs itself) is parsed by yargs-parser, the parser inside
 * yargs, with the options yargs would hand it for that command, all read from the same command
 * table. Everything else (help, --version, any usage error, anything unusual) returns undefined and
 * goes to full yargs, which prints what it always printed. Loading yargs costs more than the
 * whole of `tbot version`; this spares every ordinary run that cost without a second definition
 * of the CLI. test/unit/fast-parse.test.ts holds both parsers to the same results.
 *
 * A line of words alone (`tbot version`, `tbot analytics status`) needs no parser at all: for
 * yargs-parser it is all positionals, so yargs-parser is loaded only when there are flags.
 */
import type Parser from 'yargs-parser';
import type { CommandDef, FlagDef } from './command-types.js';
import { flagOfToken, spellings } from '../cli-kit/flag-spellings.js';
import { checkRepeated, collectFlags, type Argvalues } from './invocation.js';

export interface FastParse {
  def: CommandDef;
  /** The names from the root, as yargs' handler gets them, e.g. ['start', 'database']. */
  path: string[];
  argv: Argvalues;
}

/**
 * The words of the command line (not flags, not flag values), as yargs would see them, and the
 * flags met before the last word.
 */
function commandWords(tokens: readonly string[], valueFlags: Map<string, FlagDef>): { words: string[]; flagsBeforeLastWord: { token: string; def: FlagDef | undefined }[] } {
  const words: string[] = [];
  const flagsBeforeLastWord: { token: string; def: FlagDef | undefined }[] = [];
  let flagsSinceWord: { token: string; def: FlagDef | undefined }[] = [];
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as string;
    if (!token.startsWith('-') || token === '-') {
      words.push(token);
      flagsBeforeLastWord.push(...flagsSinceWord);
      flagsSinceWord = [];
      continue;
    }
    const def = flagOfToken(token, valueFlags);
    flagsSinceWord.push({ token, def });
    if (def?.type === 'string' && !token.includes('=')) index++;
  }
  return { words, flagsBeforeLastWord };
}

/** The runnable command the words name (a group's default subcommand when it has one), with the canonical path. */
function leafOf(words: readonly string[], table: readonly CommandDef[]): { def: CommandDef; path: string[] } | undefined {
  let level = table;
  let current: CommandDef | undefined;
  const path: string[] = [];
  for (const word of words) {
    current = level.find((command) => command.name === word || command.aliases?.includes(word));
    if (current === undefined) return undefined;
    path.push(current.name);
    level = current.subcommands ?? [];
  }
  if (current?.subcommands !== undefined) {
    current = current.subcommands.find((command) => command.isDefault === true);
    if (current !== undefined) path.push(current.name);
  }
  return current?.load === undefined ? undefined : { def: current, path };
}

/** What yargs passes yargs-parser for a command with these flags (yargs' own help and version included). */
function parserOptions(flags: readonly FlagDef[]): Parser.Options {
  const names = (def: FlagDef): string[] => [def.name, ...(def.short === undefined ? [] : [def.short]), ...(def.aliases ?? [])];
  const alias: Record<string, string[]> = { help: ['h'] };
  const narg: Record<string, number> = {};
  for (const def of flags) {
    if (names(def).length > 1) alias[def.name] = names(def).slice(1);
    // yargs' requiresArg: "at least one value" is NaN to yargs-parser.
    if (def.type === 'string') narg[def.name] = Number.NaN;
  }
  return {
    boolean: [...flags.filter((def) => def.type === 'boolean').flatMap(names), 'version', 'help'],
    string: flags.filter((def) => def.type === 'string').flatMap(names),
    alias,
    narg,
    configuration: { 'parse-positional-numbers': false, 'camel-case-expansion': false, 'populate--': true },
  };
}

/** Would yargs accept these values as they are, with nothing to say? */
function plainlyValid(argv: Argvalues, words: readonly string[], flags: readonly FlagDef[]): boolean {
  const positional = argv['_'] as unknown[];
  if (positional.length !== words.length || positional.some((word, index) => String(word) !== words[index])) return false;
  const known = new Map<string, FlagDef>();
  for (const def of flags) for (const name of [def.name, def.short, ...(def.aliases ?? [])]) if (name !== undefined) known.set(name, def);
  for (const [key, value] of Object.entries(argv)) {
    if (key === '_') continue;
    const def = known.get(key);
    if (def === undefined) return false;
    if (def.type === 'boolean' ? typeof value !== 'boolean' : ![value].flat().every((item) => typeof item === 'string' && item !== '')) return false;
    if (def.choices !== undefined && ![value].flat().every((item) => def.choices?.includes(item as string))) return false;
  }
  return flags.every((def) => def.required !== true || argv[def.name] !== undefined);
}

/**
 * The command and its parsed values when the command line is plainly valid; undefined when yargs
 * must have its say (help, --version, a usage error, `--`, anything this does not recognise).
 */
export async function fastParse(tokens: readonly string[], table: readonly CommandDef[], globals: readonly FlagDef[]): Promise<FastParse | undefined> {
  if (tokens.includes('--')) return undefined;
  const { words, flagsBeforeLastWord } = commandWords(tokens, spellings([...globals, ...collectFlags(table)]));
  // yargs parses what comes before a command knowing only the global flags: a command's own flag
  // there is unknown to it, and takes the next word as its value unless it holds its own (`--x=v`)
  // or is a negation (`--no-x`). A boolean then swallows the command; yargs must have its say.
  if (flagsBeforeLastWord.some(({ token, def }) => def === undefined || (!globals.includes(def) && !token.includes('=') && !token.startsWith('--no-')))) return undefined;
  const leaf = leafOf(words, table);
  if (leaf === undefined) return undefined;
  const flags = [...globals, ...leaf.def.flags];
  if (words.length === tokens.length) return plainlyValid({ _: [...words] }, words, flags) ? { ...leaf, argv: { _: [...words] } } : undefined;
  const { default: parser } = await import('yargs-parser');
  const parsed = parser.detailed([...tokens], parserOptions(flags));
  if (parsed.error !== null || !plainlyValid(parsed.argv, words, flags)) return undefined;
  try {
    checkRepeated(tokens, flags);
  } catch {
    return undefined;
  }
  return { ...leaf, argv: parsed.argv };
}
