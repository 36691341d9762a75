/**
 * How a flag is spelt on a command line, for any CLI whose flags are described as data (tbot's
 * command table, or the tree read from tbot-collector's yargs commands: command-tree.ts).
 */

/** What the spelling rules need of a flag: its names, and whether it takes a value. */
export interface FlagSpelling {
  /** The long name, without dashes. */
  name: string;
  /** A one-letter short name. */
  short?: string;
  /** Other long names accepted for the same flag. */
  aliases?: readonly string[];
  /** `boolean` takes no value; any other type takes the next token unless given as `--x=v`. */
  type: string;
}

/** Every spelling of a flag on the command line (`--name`, `--alias`, `-s`) → its definition. */
export function spellings<F extends FlagSpelling>(flags: readonly F[]): Map<string, F> {
  const map = new Map<string, F>();
  for (const def of flags) {
    map.set(`--${def.name}`, def);
    for (const alias of def.aliases ?? []) map.set(`--${alias}`, def);
    if (def.short !== undefined) map.set(`-${def.short}`, def);
  }
  return map;
}

/** The flag a token spells (`--x`, `--x=v`, `--no-x` for a boolean, `-x`), if any. */
export function flagOfToken<F extends FlagSpelling>(token: string, known: Map<string, F>): F | undefined {
  const name = token.split('=', 1)[0] as string;
  const direct = known.get(name);
  if (direct !== undefined) return direct;
  const negated = name.startsWith('--no-') ? known.get(`--${name.slice(5)}`) : undefined;
  return negated?.type === 'boolean' ? negated : undefined;
}

/** Whether a token of this flag is followed by its value (`--x v`, not `--x=v`). */
export function takesNextToken(def: FlagSpelling | undefined, token: string): boolean {
  return def !== undefined && def.type !== 'boolean' && !token.includes('=');
}
