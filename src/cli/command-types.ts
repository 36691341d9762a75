/**
 * The shapes of the command table (command-table.ts) and of what a command's code receives, in a
 * file of their own: the commands import these types, and the table imports the commands' code.
 */
import type { Runtime } from './runtime.js';

export interface FlagDef {
  /** The long name, without dashes. */
  name: string;
  /** A one-letter short name. */
  short?: string;
  /** Other long names accepted for the same flag. */
  aliases?: readonly string[];
  type: 'string' | 'boolean';
  /** May be given more than once (string flags); otherwise twice is a usage error. */
  repeatable?: boolean;
  required?: boolean;
  /** The env var read when the flag is absent, as tbot reads it. */
  env?: string;
  choices?: readonly string[];
  describe: string;
  hidden?: boolean;
  /** For start/configure <kind>: where the value goes in the output entry (see flag-entry.ts). */
  field?: string;
}

/** The parsed command line handed to a command: flag name → value, and where each value came from. */
export interface Invocation {
  /** The canonical command path, e.g. ['start', 'database']. */
  path: readonly string[];
  values: Readonly<Record<string, string | boolean | readonly string[]>>;
  /** Flag name → how a message should name where the value came from, e.g. `--proxy-server (from TELEPORT_PROXY)`. */
  labels: Readonly<Record<string, string>>;
  /** Flag name → the env var that supplied its value, when no flag did. */
  fromEnv: Readonly<Record<string, string>>;
}

export interface CommandModule {
  run(invocation: Invocation, runtime: Runtime, definition: CommandDef): Promise<number>;
}

export interface CommandDef {
  name: string;
  aliases?: readonly string[];
  describe: string;
  flags: readonly FlagDef[];
  subcommands?: readonly CommandDef[];
  /** Marks the subcommand run when none is named (`tbot start` is `tbot start legacy`). */
  isDefault?: boolean;
  /** For start/configure <kind>: the output or service type the command line builds. */
  entryType?: string;
  /** The command's code, imported only when it runs (leaf commands). */
  load?: () => Promise<CommandModule>;
}
