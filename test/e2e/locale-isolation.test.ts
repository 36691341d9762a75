/**
 * The CLIs read no message file from outside the install. A bundled yargs used to load
 * `<locales>/<LANG>.json` from a directory worked out from the bundle's own path (three levels
 * up), and a package.json found by walking up from the working directory. Here both places are
 * booby-trapped, around a copy of dist/, and the output must be byte-for-byte what a clean run
 * prints, with the right exit codes, and no hang.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COLLECTOR_BUNDLE } from '../helpers/collector-process.js';
import { cleanEnv, runTbot, TBOT_BUNDLE, type RunResult } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const PLANTED = 'PLANTED-MESSAGE';
const rewrite = (text: string) => ({ [text]: `${PLANTED} %s` });
/** What yargs would have read for LANG=en_US (en_US.json missing, so en.json). */
const PLANTED_EN = {
  ...rewrite('Commands:'),
  ...rewrite('Options:'),
  ...rewrite('Show help'),
  ...rewrite('Show version number'),
  'Unknown argument: %s': { one: `${PLANTED} %s`, other: `${PLANTED} %s` },
};

const BUNDLES = [
  { name: 'tbot', original: TBOT_BUNDLE, command: 'start' },
  { name: 'tbot-collector', original: COLLECTOR_BUNDLE, command: 'report' },
];
// en_US falls back to the rewritten en.json; fr_FR.json is a directory (reading it threw, exit 70);
// de_DE.json is a FIFO nobody writes to (reading it hung).
const LANGS = ['en_US.UTF-8', 'fr_FR.UTF-8', 'de_DE.UTF-8'];
const commands = (command: string): { args: string[]; code: number }[] => [
  { args: ['--help'], code: 0 },
  { args: [command, '--bogus'], code: 2 },
  { args: ['--version'], code: 0 },
];

describe('no message or package file is read from outside the install', { concurrency: 6 }, () => {
  let workspace: Workspace;
  let trappedCwd: string;
  const copies = new Map<string, string>();
  const clean = new Map<string, RunResult>();

  before(async () => {
    workspace = await makeWorkspace('tbot-locale-');
    const distCopy = join(workspace.dir, 'a', 'b', 'dist');
    await cp(dirname(TBOT_BUNDLE), distCopy, { recursive: true });
    for (const bundle of BUNDLES) copies.set(bundle.name, join(distCopy, basename(bundle.original)));
    // Where each bundled yargs looked: the path of the file holding it, three levels up, then
    // locales/. For tbot that file is the chunk of dist/tbot/ that carries yargs.
    const yargsChunk = (await readdir(join(distCopy, 'tbot'))).find((name) => name.startsWith('yargs-main-') && name.endsWith('.js'));
    assert.ok(yargsChunk !== undefined, 'the agent has a yargs chunk');
    const trapped = [resolve(join(distCopy, 'tbot-collector.mjs'), '../../../locales'), resolve(join(distCopy, 'tbot', yargsChunk), '../../../locales')];
    assert.deepEqual(trapped, [join(workspace.dir, 'a', 'locales'), join(workspace.dir, 'a', 'b', 'locales')]);
    for (const locales of trapped) {
      await mkdir(join(locales, 'fr_FR.json'), { recursive: true });
      await writeFile(join(locales, 'en.json'), JSON.stringify(PLANTED_EN));
      execFileSync('mkfifo', [join(locales, 'de_DE.json')]);
    }
    trappedCwd = join(workspace.dir, 'cwd');
    await mkdir(trappedCwd);
    execFileSync('mkfifo', [join(trappedCwd, 'package.json')]);

    const cleanCwd = join(workspace.dir, 'clean-cwd');
    await mkdir(cleanCwd);
    for (const bundle of BUNDLES) {
      for (const command of commands(bundle.command)) {
        clean.set(
          `${bundle.name} ${command.args.join(' ')}`,
          await runTbot(command.args, { bundle: bundle.original, cwd: cleanCwd, env: cleanEnv({ LANG: 'C' }), timeoutMs: 10_000 }),
        );
      }
    }
  });
  after(() => workspace.remove());

  for (const bundle of BUNDLES) {
    for (const lang of LANGS) {
      for (const command of commands(bundle.command)) {
        it(`${bundle.name} ${command.args.join(' ')} with LANG=${lang}: same output as a clean run, exit ${command.code}`, async () => {
          const run = await runTbot(command.args, { bundle: copies.get(bundle.name)!, cwd: trappedCwd, env: cleanEnv({ LANG: lang }), timeoutMs: 10_000 });
          const expected = clean.get(`${bundle.name} ${command.args.join(' ')}`)!;
          assert.equal(run.signal, null, 'did not hang');
          assert.equal(run.code, command.code, run.stderr);
          assert.equal(expected.code, command.code, expected.stderr);
          assert.equal(run.stdout, expected.stdout);
          assert.equal(run.stderr, expected.stderr);
          assert.ok(!`${run.stdout}${run.stderr}`.includes(PLANTED));
        });
      }
    }
  }

  it('the clean runs print the messages the planted file would have rewritten', () => {
    assert.match(clean.get('tbot --help')!.stdout, /Commands:[\s\S]*Options:[\s\S]*Show help/);
    // Both CLIs reword yargs' "Unknown argument: bogus" (cli-kit/command-hints.ts) and point at the command's help.
    assert.match(clean.get('tbot start --bogus')!.stderr, /unknown flag --bogus/);
    assert.match(clean.get('tbot-collector report --bogus')!.stderr, /unknown flag --bogus\nRun "tbot-collector report --help" for usage\./);
  });
});
