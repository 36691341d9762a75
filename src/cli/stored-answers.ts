/**
 * Help and --version, answered from what yargs printed for the very same command line when the
 * build ran it. Their text depends on nothing but the command table and the build (no terminal
 * width, no locale, no env), so build.mjs asks yargs once for every command path and keeps each
 * answer in dist/tbot/answers/; at run time the agent prints the stored text instead of loading
 * yargs to print it again. yargs answers a command's aliases and -h exactly as its name and
 * --help, so one answer serves every spelling. A command line with anything more (a flag, a
 * misspelling) still goes to yargs. test/e2e/stored-answers.test.ts holds the stored texts to
 * what yargs prints now.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandDef } from './command-table.js';

export const ANSWERS_DIRECTORY = 'answers';
const HELP = ['--help', '-h'];

/** The key of a command line whose answer can be stored: `[command names…] --help|-h` (names canonical), or `--version` alone. */
export function answerKey(tokens: readonly string[], table: readonly CommandDef[]): string | undefined {
  if (tokens.length === 1 && tokens[0] === '--version') return '--version';
  if (!HELP.includes(tokens[tokens.length - 1] ?? '')) return undefined;
  const names: string[] = [];
  let level = table;
  for (const word of tokens.slice(0, -1)) {
    const def = level.find((command) => command.name === word || command.aliases?.includes(word));
    if (def === undefined) return undefined;
    names.push(def.name);
    level = def.subcommands ?? [];
  }
  return [...names, '--help'].join(' ');
}

const fileName = (key: string): string => `${encodeURIComponent(key)}.txt`;

/** The stored answer for these tokens, if the build stored one. */
export function storedAnswer(directory: string, tokens: readonly string[], table: readonly CommandDef[]): string | undefined {
  const key = answerKey(tokens, table);
  if (key === undefined) return undefined;
  try {
    return readFileSync(join(directory, fileName(key)), 'utf8');
  } catch {
    return undefined;
  }
}

/** Every command line whose answer the build stores: --version, and help for each command path. */
export function storableCommandLines(table: readonly CommandDef[]): { key: string; tokens: string[]; file: string }[] {
  const paths: string[][] = [[]];
  const walk = (level: readonly CommandDef[], prefix: string[]): void => {
    for (const def of level) {
      paths.push([...prefix, def.name]);
      walk(def.subcommands ?? [], [...prefix, def.name]);
    }
  };
  walk(table, []);
  return [['--version'], ...paths.map((path) => [...path, '--help'])].map((tokens) => {
    const key = answerKey(tokens, table) as string;
    return { key, tokens, file: fileName(key) };
  });
}
