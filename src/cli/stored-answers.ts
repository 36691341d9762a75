/**
 * Answers recorded at build time: the output of every command line whose output depends on
 * nothing but the build (help for each command path, --version, `version`: no terminal width, no
 * locale, no env, no files). build.mjs runs the freshly built agent once for each and keeps what it
 * printed in dist/tbot/answers/, one file per spelling (a command's aliases and -h print exactly
 * what its name and --help print); the launcher prints the recorded text for such a command line
 * without loading the CLI at all. Any other command line, or one with anything more on it (a flag,
 * a misspelling), runs as ever. test/e2e/stored-answers.test.ts holds the recorded texts to what
 * the CLI prints today. `version` runs a command, which reads env vars through its flags: while
 * one of those is set, it runs as ever.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandDef, FlagDef } from './command-types.js';

export const ANSWERS_DIRECTORY = 'answers';
const HELP = ['--help', '-h'];

/** The answer file a command line would have, if its form is one the build records; undefined otherwise. */
export function answerFile(tokens: readonly string[]): string | undefined {
  const last = tokens[tokens.length - 1];
  const answerable =
    (tokens.length === 1 && (last === '--version' || last === 'version')) || (HELP.includes(last ?? '') && tokens.slice(0, -1).every((token) => !token.startsWith('-')));
  return answerable ? `${encodeURIComponent(tokens.join(' '))}.txt` : undefined;
}

/** A recorded line that runs a command (`version`) rather than yargs' own help or --version. */
function runsACommand(tokens: readonly string[]): boolean {
  return tokens.length === 1 && tokens[0] === 'version';
}

/**
 * The env vars that the recorded commands (`version`) judge through their flags (the global ones):
 * a boolean flag's value must read as one (invocationOf: TBOT_DEBUG=maybe is a usage error for
 * every command), so while any is set the launcher leaves such a line to the CLI. A string flag's
 * env value is only carried, which changes nothing `version` prints. Help and --version are yargs'
 * own and read no env at all.
 */
export function envReadByRecordedCommands(table: readonly CommandDef[], globals: readonly FlagDef[]): string[] {
  const commands = recordableCommandLines(table).filter((line) => runsACommand(line.tokens));
  const flags = [...globals, ...commands.flatMap((line) => table.find((def) => def.name === line.tokens[0])?.flags ?? [])];
  return [...new Set(flags.flatMap((def) => (def.env === undefined || def.type !== 'boolean' ? [] : [def.env])))];
}

/** The recorded answer for this command line, if the build recorded one and `env` cannot change it (see envReadByRecordedCommands). */
export function recordedAnswer(directory: string, tokens: readonly string[], env: Readonly<Record<string, string | undefined>>, commandEnv: readonly string[]): string | undefined {
  const file = answerFile(tokens);
  if (file === undefined) return undefined;
  if (runsACommand(tokens) && commandEnv.some((name) => (env[name] ?? '') !== '')) return undefined;
  try {
    return readFileSync(join(directory, file), 'utf8');
  } catch {
    return undefined;
  }
}

/** What the build records: each command line it runs, and every spelling (file) that shares its answer. */
export function recordableCommandLines(table: readonly CommandDef[]): { tokens: string[]; files: string[] }[] {
  const lines: { tokens: string[]; files: string[] }[] = [];
  const help = (canonical: string[], spellings: string[][]): void => {
    lines.push({ tokens: [...canonical, '--help'], files: spellings.flatMap((words) => HELP.map((flag) => answerFile([...words, flag]) as string)) });
  };
  const walk = (level: readonly CommandDef[], canonical: string[], spellings: string[][]): void => {
    for (const def of level) {
      const names = [def.name, ...(def.aliases ?? [])];
      const next = spellings.flatMap((words) => names.map((name) => [...words, name]));
      help([...canonical, def.name], next);
      walk(def.subcommands ?? [], [...canonical, def.name], next);
    }
  };
  help([], [[]]);
  walk(table, [], [[]]);
  for (const tokens of [['--version'], ['version']]) lines.push({ tokens, files: [answerFile(tokens) as string] });
  return lines;
}
