/**
 * The commands, subcommands and flags of a yargs CLI, read from its own command modules: each
 * builder is run once against a recorder that notes every option and command it declares. So the
 * hints (command-hints.ts) need no second list of a CLI's flags, and a flag added to a builder is
 * suggested from then on. The recorder answers every other call of the builder's chain with itself.
 */
import type { CommandModule, Options } from 'yargs';
import type { CommandHint } from './command-hints.js';
import type { FlagSpelling } from './flag-spellings.js';

type Builder = CommandModule['builder'];

/** A builder declares few things; a deeper or longer tree than this is not a CLI's. */
const MAX_DEPTH = 8;
const MAX_ENTRIES = 1_000;

interface Declared {
  flags: FlagSpelling[];
  commands: CommandHint[];
}

function flagOf(name: string, options: Options | undefined): FlagSpelling {
  const aliases = options?.alias === undefined ? [] : [options.alias].flat();
  const short = aliases.find((alias) => alias.length === 1);
  const long = aliases.filter((alias) => alias.length > 1);
  return {
    name,
    type: options?.type ?? (options?.boolean === true ? 'boolean' : 'string'),
    ...(short === undefined ? {} : { short }),
    ...(long.length === 0 ? {} : { aliases: long }),
  };
}

/** What `configure` (or a builder) declares when handed the recorder. */
export function declaredBy(build: (recorder: never) => unknown, depth = 0): Declared {
  const declared: Declared = { flags: [], commands: [] };
  const add = (entry: () => void): void => {
    if (declared.flags.length + declared.commands.length < MAX_ENTRIES) entry();
  };
  const recorder: unknown = new Proxy(
    {},
    {
      get: (_target, method) => {
        return (...args: unknown[]) => {
          if (method === 'option' || method === 'options') {
            const [key, options] = args as [string | Record<string, Options>, Options | undefined];
            if (typeof key === 'string') add(() => declared.flags.push(flagOf(key, options)));
            else for (const [name, each] of Object.entries(key)) add(() => declared.flags.push(flagOf(name, each)));
          } else if (method === 'command' && depth < MAX_DEPTH) {
            const [first, , builder] = args;
            const module = (typeof first === 'object' && first !== null && !Array.isArray(first) ? first : { command: first, builder }) as CommandModule;
            const hint = commandOf(module, depth + 1);
            if (hint !== undefined) add(() => declared.commands.push(hint));
          }
          return recorder;
        };
      },
    },
  );
  build(recorder as never);
  return declared;
}

/** One yargs command module as a hint: its first name, aliases, whether it is the default ($0), and what its builder declares. */
export function commandOf(module: CommandModule, depth = 0): CommandHint | undefined {
  const names = [module.command ?? [], module.aliases ?? []].flat().map((spec) => String(spec).trim().split(/\s+/, 1)[0] as string);
  const isDefault = names.includes('$0');
  const [name, ...aliases] = names.filter((each) => each !== '$0' && each !== '');
  if (name === undefined) return undefined;
  const builder: Builder = module.builder;
  const declared =
    typeof builder === 'function'
      ? declaredBy(builder as (recorder: never) => unknown, depth)
      : { flags: Object.entries(builder ?? {}).map(([key, options]) => flagOf(key, options)), commands: [] };
  return {
    name,
    flags: declared.flags,
    ...(aliases.length === 0 ? {} : { aliases }),
    ...(declared.commands.length === 0 ? {} : { subcommands: declared.commands }),
    ...(isDefault ? { isDefault } : {}),
  };
}
