/** did-you-mean for commands and flags, and where a command line stops, for both CLIs (cli-kit). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandModule } from 'yargs';
import { explainUnknownArguments, placeOf, type CommandHint } from '../../src/cli-kit/command-hints.js';
import { commandOf } from '../../src/cli-kit/command-tree.js';
import { GLOBAL_FLAGS, TBOT_COMMANDS } from '../../src/cli/command-table.js';

/** A small yargs CLI in the shape of tbot-collector's: a default subcommand, positionals, aliases. */
const MODULES: CommandModule[] = [
  { command: 'serve', describe: '', builder: (yargs) => yargs.option('listen', { type: 'string' }).option('tls', { type: 'boolean' }), handler: () => undefined },
  {
    command: 'report',
    describe: '',
    builder: (yargs) =>
      yargs.command({ command: ['tbot', '$0'], describe: '', builder: (inner) => inner.option('format', { type: 'string', alias: 'f' }), handler: () => undefined }).command({
        command: 'connect',
        aliases: ['teleport-connect'],
        describe: '',
        builder: { format: { type: 'string' }, 'data-dir': { type: 'string' } },
        handler: () => undefined,
      }),
    handler: () => undefined,
  },
  {
    command: 'tenant',
    describe: '',
    builder: (yargs) =>
      yargs
        .command({ command: 'add <name>', describe: '', builder: (inner) => inner.positional('name', {}).option('out', { type: 'string' }), handler: () => undefined })
        .demandCommand(1),
    handler: () => undefined,
  },
];
const TABLE = MODULES.map((module) => commandOf(module)).filter((hint): hint is CommandHint => hint !== undefined);
const GLOBALS = [{ name: 'log-format', type: 'string' }];

describe('command tree read from yargs modules', () => {
  it('has each command, its subcommands, aliases, default and flags with their types', () => {
    assert.deepEqual(
      TABLE.map((command) => command.name),
      ['serve', 'report', 'tenant'],
    );
    assert.deepEqual(TABLE[0]?.flags, [
      { name: 'listen', type: 'string' },
      { name: 'tls', type: 'boolean' },
    ]);
    const [tbot, connect] = TABLE[1]?.subcommands ?? [];
    assert.deepEqual(tbot, { name: 'tbot', isDefault: true, flags: [{ name: 'format', type: 'string', short: 'f' }] });
    assert.deepEqual(connect, {
      name: 'connect',
      aliases: ['teleport-connect'],
      flags: [
        { name: 'format', type: 'string' },
        { name: 'data-dir', type: 'string' },
      ],
    });
    assert.deepEqual(TABLE[2]?.subcommands?.[0], { name: 'add', flags: [{ name: 'out', type: 'string' }] });
  });
});

describe('explainUnknownArguments', () => {
  const rows: { tokens: string[]; message: string; expected: string | undefined }[] = [
    { tokens: ['reprot'], message: 'Unknown argument: reprot', expected: 'unknown command "reprot"; did you mean "report"?' },
    { tokens: ['report', 'conect'], message: 'Unknown argument: conect', expected: 'unknown command "conect"; did you mean "connect"?' },
    { tokens: ['report', '--formt', 'json'], message: 'Unknown argument: formt', expected: 'unknown flag --formt; did you mean --format?' },
    { tokens: ['report', 'connect', '--data-dirr=x'], message: 'Unknown arguments: data-dirr, dataDirr', expected: 'unknown flag --data-dirr; did you mean --data-dir?' },
    { tokens: ['serve', '--log-formt', 'json'], message: 'Unknown argument: log-formt', expected: 'unknown flag --log-formt; did you mean --log-format?' },
    { tokens: ['serve', '--zzz'], message: 'Unknown argument: zzz', expected: 'unknown flag --zzz' },
    { tokens: ['tenant', 'ad', 'x'], message: 'Unknown arguments: ad, x', expected: 'unknown command "ad"; did you mean "add"?' },
    { tokens: ['serve', 'extra'], message: 'Unknown argument: extra', expected: 'unexpected argument "extra"' },
    { tokens: ['serve'], message: 'Missing required argument: listen', expected: undefined },
  ];
  for (const { tokens, message, expected } of rows) {
    it(`${tokens.join(' ')} → ${expected ?? '(not an unknown-argument message)'}`, () => {
      assert.equal(explainUnknownArguments(message, tokens, TABLE, GLOBALS), expected);
    });
  }

  it('works on tbot’s command table too (one implementation for both CLIs)', () => {
    assert.equal(explainUnknownArguments('Unknown argument: strat', ['strat'], TBOT_COMMANDS, GLOBAL_FLAGS), 'unknown command "strat"; did you mean "start"?');
    assert.equal(explainUnknownArguments('Unknown argument: one-shot', ['start', '--one-shot'], TBOT_COMMANDS, GLOBAL_FLAGS), 'unknown flag --one-shot; did you mean --oneshot?');
  });
});

describe('placeOf', () => {
  it('names the commands reached, skipping flags and their values', () => {
    assert.deepEqual(placeOf(['--log-format', 'json', 'report', 'connect', '--format', 'csv'], TABLE, GLOBALS).path, ['report', 'connect']);
    assert.deepEqual(placeOf(['report', 'teleport-connect'], TABLE, GLOBALS).path, ['report', 'connect']);
    assert.deepEqual(placeOf(['report', 'conect'], TABLE, GLOBALS).path, ['report']);
    assert.deepEqual(placeOf(['tenant', 'add', 'acme', '--out', 'dir'], TABLE, GLOBALS).path, ['tenant', 'add']);
  });

  it("offers a group's default subcommand's flags at the group", () => {
    assert.deepEqual(
      placeOf(['report'], TABLE, GLOBALS).flags.map((flag) => flag.name),
      ['log-format', 'format'],
    );
  });
});
