/**
 * From a parsed command line to a command's run, whichever parser did the parsing (yargs, or the
 * agent's fast path over yargs-parser in fast-parse.ts): every spelling of a flag, tbot's "given
 * twice" rule, flag and env values with where each came from, and the command's lazily loaded code.
 */
import { flagOfToken, spellings } from '../cli-kit/flag-spellings.js';
import { UsageError } from '../errors.js';
import { parseGoBool } from '../reporting/parse-bool.js';
import type { CommandDef, FlagDef, Invocation } from './command-types.js';
import type { Runtime } from './runtime.js';

/** A parser's result: flag name (and alias) → value, `_` the positional words. */
export type Argvalues = Record<string, unknown>;

/** tbot (kingpin) refuses a single-valued flag given twice; yargs would quietly keep both or the last. */
export function checkRepeated(tokens: readonly string[], flags: readonly FlagDef[]): void {
  const known = spellings(flags);
  const seen = new Set<FlagDef>();
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as string;
    if (token === '--') return;
    if (!token.startsWith('-')) continue;
    const def = flagOfToken(token, known);
    if (def === undefined) continue;
    if (def.type === 'string' && !token.includes('=')) index++;
    if (def.repeatable === true) continue;
    if (seen.has(def)) throw new UsageError(`--${def.name} was given more than once; it takes one value`);
    seen.add(def);
  }
}

/** argv (yargs' parse) + env → the command's values, each with where it came from. */
export function invocationOf(path: readonly string[], flags: readonly FlagDef[], argv: Argvalues, env: Runtime['env']): Invocation {
  const values: Record<string, string | boolean | readonly string[]> = {};
  const labels: Record<string, string> = {};
  const fromEnv: Record<string, string> = {};
  for (const def of flags) {
    const given = argv[def.name];
    if (given !== undefined) {
      values[def.name] = def.repeatable === true ? [given].flat().map(String) : (given as string | boolean);
      labels[def.name] = `--${def.name}`;
      continue;
    }
    const text = def.env === undefined ? undefined : env[def.env];
    if (def.env === undefined || text === undefined || text === '') continue;
    if (def.type === 'boolean') {
      const parsed = parseGoBool(text);
      if (parsed === undefined) throw new UsageError(`${def.env}=${JSON.stringify(text)} is not true or false; expected 1, t, true, 0, f or false (as Go's strconv.ParseBool)`);
      values[def.name] = parsed;
    } else {
      values[def.name] = def.repeatable === true ? [text] : text;
    }
    labels[def.name] = `--${def.name} (from ${def.env})`;
    fromEnv[def.name] = def.env;
  }
  return { path, values, labels, fromEnv };
}

/** Every flag of every command in the table, at any depth. */
export function collectFlags(table: readonly CommandDef[]): FlagDef[] {
  return table.flatMap((command) => [...command.flags, ...collectFlags(command.subcommands ?? [])]);
}

/** The canonical path a command's code sees: `start legacy` (the default subcommand) is `start`. */
export function invocationPath(def: CommandDef, path: readonly string[]): string[] {
  return path.filter((name) => name !== 'legacy' || def.isDefault !== true);
}

/** Runs a leaf command on parsed values; resolves to its exit code. `path` is the names from the root, e.g. ['start', 'database']. */
export type RunCommand = (def: CommandDef, path: readonly string[], argv: Argvalues, globals: readonly FlagDef[], runtime: Runtime) => Promise<number>;

export const runCommand: RunCommand = async (def, path, argv, globals, runtime) => {
  const invocation = invocationOf(invocationPath(def, path), [...globals, ...def.flags], argv, runtime.env);
  const module = await (def.load as NonNullable<CommandDef['load']>)();
  return module.run(invocation, runtime, def);
};
