/**
 * The agent's fast path and yargs read one command table and must agree: every command line the
 * fast path takes, yargs runs as the same command with the same invocation (values, labels, env
 * sources); every line yargs refuses or answers itself (help, --version), the fast path leaves to
 * yargs. Lines are generated from the table (every leaf command, every flag, every spelling), so a
 * flag added to the table is covered without touching this test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import '../helpers/ascii-string-width.js';
import { GLOBAL_FLAGS, TBOT_COMMANDS } from '../../src/cli/command-table.js';
import type { CommandDef, FlagDef, Invocation } from '../../src/cli/command-types.js';
import { fastParse } from '../../src/cli/fast-parse.js';
import { invocationOf, invocationPath, type RunCommand } from '../../src/cli/invocation.js';
import type { Runtime } from '../../src/cli/runtime.js';
import { processRuntime } from '../../src/cli/runtime.js';

// Loaded after the stand-in for string-width is in place (see ascii-string-width.ts).
const { runTbotYargs } = await import('../../src/cli/yargs-main.js');

const ENV = { TELEPORT_PROXY: 'proxy.example.com:443', TBOT_DEBUG: 'true' };
const runtime = (stderr: string[]): Runtime => ({ ...processRuntime(), env: ENV, stderr: (text) => void stderr.push(text), stdout: () => undefined });

type Outcome = { ran: { def: CommandDef; invocation: Invocation } } | { refused: string };

/** What yargs does with a line: the command it runs and the invocation it builds, or its message. */
async function throughYargs(tokens: string[]): Promise<Outcome> {
  const stderr: string[] = [];
  let ran: { def: CommandDef; invocation: Invocation } | undefined;
  const capture: RunCommand = async (def, path, argv, globals, env) => {
    ran = { def, invocation: invocationOf(invocationPath(def, path), [...globals, ...def.flags], argv, env.env) };
    return 0;
  };
  const code = await runTbotYargs(tokens, runtime(stderr), capture);
  if (ran !== undefined && code === 0) return { ran };
  return { refused: stderr.join('') };
}

async function throughFastPath(tokens: string[]): Promise<Outcome | undefined> {
  const fast = await fastParse(tokens, TBOT_COMMANDS, GLOBAL_FLAGS);
  if (fast === undefined) return undefined;
  return { ran: { def: fast.def, invocation: invocationOf(invocationPath(fast.def, fast.path), [...GLOBAL_FLAGS, ...fast.def.flags], fast.argv, ENV) } };
}

/** Every leaf command with the words that name it, aliases included. */
function leaves(table: readonly CommandDef[], words: string[][] = [[]]): { def: CommandDef; words: string[][] }[] {
  return table.flatMap((def) => {
    const spelled = words.flatMap((prefix) => [def.name, ...(def.aliases ?? [])].map((name) => [...prefix, name]));
    if (def.subcommands === undefined) return [{ def, words: spelled }];
    const fallback = def.subcommands.find((sub) => sub.isDefault === true);
    return [...(fallback === undefined ? [] : [{ def: fallback, words: spelled }]), ...leaves(def.subcommands, spelled)];
  });
}

const sampleValue = (flag: FlagDef): string => flag.choices?.[flag.choices.length - 1] ?? `${flag.name}-value`;
const required = (def: CommandDef): string[] => def.flags.filter((flag) => flag.required === true).flatMap((flag) => [`--${flag.name}`, sampleValue(flag)]);

/**
 * Valid lines: every leaf under each of its names, with all of its flags at once; then each flag
 * in each spelling (--name, --alias, -s, --name=value, --no-name, twice when repeatable), tried once
 * on the first command that has it, since flags are shared by many commands.
 */
function validLines(): string[][] {
  const lines: string[][] = [];
  const tried = new Set<FlagDef>();
  for (const { def, words } of leaves(TBOT_COMMANDS)) {
    const [path, ...others] = words as [string[], ...string[][]];
    for (const other of others) lines.push([...other, ...required(def)]);
    const all = def.flags.filter((flag) => flag.required !== true).flatMap((flag) => (flag.type === 'boolean' ? [`--${flag.name}`] : [`--${flag.name}`, sampleValue(flag)]));
    lines.push(['-d', '--log-format', 'json', ...path, ...required(def), ...all]);
    for (const flag of [...GLOBAL_FLAGS, ...def.flags]) {
      if (tried.has(flag) || flag.required === true) continue;
      tried.add(flag);
      const spellings = [`--${flag.name}`, ...(flag.aliases ?? []).map((alias) => `--${alias}`), ...(flag.short === undefined ? [] : [`-${flag.short}`])];
      for (const spelling of spellings) lines.push([...path, ...required(def), ...(flag.type === 'boolean' ? [spelling] : [spelling, sampleValue(flag)])]);
      if (flag.type === 'string') lines.push([...path, `--${flag.name}=${sampleValue(flag)}`, ...required(def)]);
      if (flag.type === 'boolean') lines.push([`--no-${flag.name}`, ...path, ...required(def)]);
      if (flag.repeatable === true) lines.push([...path, ...required(def), `--${flag.name}`, 'one', `--${flag.name}`, 'two']);
    }
  }
  return lines;
}

/** Usage errors and oddities; yargs refuses most, and takes a few (`--oneshot=maybe`, `--no-config`, `--config=`) in its own way. */
const UNUSUAL: string[][] = [
  [],
  ['strat'],
  ['analytics'],
  ['configure', 'database', '--service', 's'],
  ['start', '--bogus'],
  ['start', '-x'],
  ['start', 'extra-word'],
  ['start', '--oneshot', '--oneshot'],
  ['start', '-c', 'a.yaml', '--config', 'b.yaml'],
  ['start', '--config'],
  ['start', '--log-format', 'xml'],
  ['start', '--oneshot=maybe'],
  ['start', '--no-config'],
  ['start', '--config='],
  ['start', '--oneshot', 'true'],
  ['start', '--format', 'text'],
  ['start', '--destination.dir', 'x'],
  ['start', '--', 'x'],
  ['version', '--oneshot'],
  ['start', 'identity'],
  ['analytics', 'status', '--format', 'yaml'],
];
/**
 * A command's own flags before the words that name it: yargs parses what precedes a command with
 * the flags known at that point only (the global ones), so a boolean there takes the next word as
 * its value, and the line is refused. Generated for every leaf: each of its flags moved to the front.
 */
function flagsBeforeTheirCommand(): string[][] {
  const lines: string[][] = [];
  for (const { def, words } of leaves(TBOT_COMMANDS)) {
    const path = words[0] as string[];
    for (const flag of def.flags) {
      const others = def.flags.filter((other) => other.required === true && other !== flag).flatMap((other) => [`--${other.name}`, sampleValue(other)]);
      lines.push([...(flag.type === 'boolean' ? [`--${flag.name}`] : [`--${flag.name}`, sampleValue(flag)]), ...path, ...others]);
    }
  }
  return lines;
}

const ANSWERED_BY_YARGS: string[][] = [['--help'], ['-h'], ['start', '--help'], ['start', 'database', '-h'], ['--version'], ['version', '--version']];

describe('the fast path and yargs agree on every command line', () => {
  it('the fast path takes the valid lines, and yargs runs each as the same command with the same invocation', async () => {
    const lines = validLines();
    assert.ok(lines.length > 100, `only ${lines.length} lines generated`);
    for (const tokens of lines) {
      const fast = await throughFastPath(tokens);
      const yargs = await throughYargs(tokens);
      if (!('ran' in yargs)) assert.fail(`yargs refused a line meant to be valid: tbot ${tokens.join(' ')}\n${yargs.refused}`);
      assert.ok(fast !== undefined && 'ran' in fast, `the fast path left a plainly valid line to yargs: tbot ${tokens.join(' ')}`);
      assert.equal(fast.ran.def, yargs.ran.def, tokens.join(' '));
      assert.deepEqual(fast.ran.invocation, yargs.ran.invocation, tokens.join(' '));
    }
  });

  it('an unusual line is left to yargs unless both would run it alike; a usage error always is', async () => {
    let refused = 0;
    const misplaced = flagsBeforeTheirCommand();
    assert.ok(misplaced.length > 50, `only ${misplaced.length} misplaced lines`);
    for (const tokens of [...UNUSUAL, ...misplaced]) {
      const yargs = await throughYargs(tokens);
      const fast = await throughFastPath(tokens);
      if ('refused' in yargs) refused += 1;
      if (fast === undefined) continue;
      if (!('ran' in yargs) || !('ran' in fast)) assert.fail(`the fast path ran tbot ${tokens.join(' ')}, which yargs refuses`);
      assert.equal(fast.ran.def, yargs.ran.def, tokens.join(' '));
      assert.deepEqual(fast.ran.invocation, yargs.ran.invocation, tokens.join(' '));
    }
    assert.ok(refused >= UNUSUAL.length - 5, `yargs refused only ${refused} of ${UNUSUAL.length + misplaced.length}`);
  });

  it('help and --version are left to yargs', async () => {
    for (const tokens of ANSWERED_BY_YARGS) assert.equal(await throughFastPath(tokens), undefined, tokens.join(' '));
  });
});
