/**
 * An install with files missing (an interrupted copy or upgrade, a package that lost dist/tbot/):
 * the launcher and the chunks it loads on demand say which file is missing and to reinstall, in
 * one line, and exit 70, instead of printing Node's stack trace.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, runTbot, TBOT_BUNDLE } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

describe('a partial install', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-partial-install-');
  });
  after(() => workspace.remove());

  async function install(name: string, withChunks: boolean): Promise<string> {
    const dir = join(workspace.dir, name);
    await mkdir(dir);
    await cp(TBOT_BUNDLE, join(dir, 'tbot.cjs'));
    if (withChunks) await cp(join(TBOT_BUNDLE, '..', 'tbot'), join(dir, 'tbot'), { recursive: true });
    return join(dir, 'tbot.cjs');
  }
  const run = (bundle: string, args: string[]) => runTbot(args, { bundle, cwd: workspace.dir, env: cleanEnv({ XDG_CACHE_HOME: join(workspace.dir, 'cache') }), timeoutMs: 20_000 });
  const INCOMPLETE = (file: string): RegExp => new RegExp(`^tbot: this install is incomplete: cannot find ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; reinstall tbot\\n$`);

  it('without its chunks directory, says so for every command', async () => {
    const bundle = await install('no-chunks', false);
    for (const args of [['analytics', 'status'], ['version'], ['--help'], ['start', '--bogus']]) {
      const result = await run(bundle, args);
      assert.deepEqual([result.code, result.stdout], [70, ''], args.join(' '));
      assert.match(result.stderr, INCOMPLETE(join(bundle, '..', 'tbot', 'main.js')), args.join(' '));
    }
  });

  it('without the chunk of one command, says so when that command runs, and the others run', async () => {
    const bundle = await install('no-status', true);
    const chunks = join(bundle, '..', 'tbot');
    const status = (await readdir(chunks)).find((name) => /^analytics-status-.*\.js$/.test(name))!;
    await rm(join(chunks, status));
    const result = await run(bundle, ['analytics', 'status']);
    assert.deepEqual([result.code, result.stdout], [70, ''], result.stderr);
    assert.match(result.stderr, /^tbot: this install is incomplete: cannot find \S*analytics-status-[^ ]*\.js'?; reinstall tbot\n$/);
    const version = await run(bundle, ['analytics', 'preview']);
    assert.equal(version.code, 0, version.stderr);
  });
});
