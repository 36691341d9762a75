/** Where the compile cache goes, and every case in which it stays off without a word. */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { enableCompileCache, tbotCacheDir, type CompileCacheDeps } from '../../src/cli-kit/compile-cache.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const UID = process.getuid!();

describe('tbotCacheDir', () => {
  it('is $XDG_CACHE_HOME/tbot, or ~/.cache/tbot when XDG_CACHE_HOME is unset, empty or relative', () => {
    assert.equal(tbotCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }, '/home/me'), '/var/cache/me/tbot');
    for (const xdg of [undefined, '', 'relative/cache']) assert.equal(tbotCacheDir({ XDG_CACHE_HOME: xdg }, '/home/me'), '/home/me/.cache/tbot');
    assert.equal(tbotCacheDir({}, undefined), undefined);
    assert.equal(tbotCacheDir({}, 'not/absolute'), undefined);
  });
});

describe('enableCompileCache', () => {
  let workspace: Workspace;
  let count = 0;
  before(async () => {
    workspace = await makeWorkspace('tbot-compile-cache-');
  });
  after(() => workspace.remove());

  /** A fresh XDG_CACHE_HOME for each case, and an `enable` that records what Node would be handed. */
  const setup = (overrides: Partial<CompileCacheDeps> = {}, enabled = true): { xdg: string; calls: string[]; deps: CompileCacheDeps } => {
    count += 1;
    const xdg = join(workspace.dir, `xdg-${count}`);
    const calls: string[] = [];
    const enable = (directory: string): boolean => {
      calls.push(directory);
      return enabled;
    };
    return { xdg, calls, deps: { env: { XDG_CACHE_HOME: xdg }, home: () => undefined, uid: UID, enable, ...overrides } };
  };

  it('creates $XDG_CACHE_HOME/tbot 0700 and hands Node a directory inside it', () => {
    const { xdg, calls, deps } = setup();
    const directory = enableCompileCache(deps);
    assert.equal(directory, join(xdg, 'tbot', 'node-compile-cache'));
    assert.deepEqual(calls, [directory]);
    for (const dir of [join(xdg, 'tbot'), directory]) assert.equal(statSync(dir).mode & 0o777, 0o700, dir);
  });

  it('uses ~/.cache/tbot when XDG_CACHE_HOME is not set', () => {
    const home = join(workspace.dir, 'home');
    const { calls, deps } = setup({ env: {}, home: () => home });
    assert.equal(enableCompileCache(deps), join(home, '.cache', 'tbot', 'node-compile-cache'));
    assert.equal(calls.length, 1);
  });

  it('does nothing at all where Node has no compile cache (before 22.1)', () => {
    const { xdg, deps } = setup({ enable: undefined });
    assert.equal(enableCompileCache(deps), undefined);
    assert.equal(existsSync(xdg), false);
  });

  it("leaves the user's NODE_COMPILE_CACHE or NODE_DISABLE_COMPILE_CACHE to Node, creating nothing", () => {
    for (const name of ['NODE_COMPILE_CACHE', 'NODE_DISABLE_COMPILE_CACHE']) {
      const { xdg, calls, deps } = setup();
      assert.equal(enableCompileCache({ ...deps, env: { ...deps.env, [name]: '1' } }), undefined, name);
      assert.deepEqual(calls, []);
      assert.equal(existsSync(xdg), false, name);
    }
  });

  it('stays off when there is no home and no XDG_CACHE_HOME', () => {
    const { calls, deps } = setup({ env: {}, home: () => undefined });
    assert.equal(enableCompileCache(deps), undefined);
    assert.deepEqual(calls, []);
  });

  it('stays off, without throwing, when the directory is open to others, a symlink, not ours, or not a directory', async () => {
    const open = setup();
    await mkdir(join(open.xdg, 'tbot'), { recursive: true });
    await chmod(join(open.xdg, 'tbot'), 0o755);

    const linked = setup();
    await mkdir(linked.xdg, { recursive: true });
    await mkdir(join(workspace.dir, 'elsewhere'), { mode: 0o700 });
    await symlink(join(workspace.dir, 'elsewhere'), join(linked.xdg, 'tbot'));

    const foreign = setup({ uid: UID + 1 });

    const file = setup();
    await mkdir(file.xdg, { recursive: true });
    await writeFile(join(file.xdg, 'tbot'), 'not a directory');

    const inner = setup();
    await mkdir(join(inner.xdg, 'tbot', 'node-compile-cache'), { recursive: true, mode: 0o700 });
    await chmod(join(inner.xdg, 'tbot', 'node-compile-cache'), 0o777);

    for (const [name, { calls, deps }] of Object.entries({ open, linked, foreign, file, inner })) {
      assert.equal(enableCompileCache(deps), undefined, name);
      assert.deepEqual(calls, [], name);
    }
  });

  it('stays off when the parent cannot hold a directory (a path under /proc)', () => {
    const { calls, deps } = setup({ env: { XDG_CACHE_HOME: '/proc/tbot-compile-cache-test' } });
    assert.equal(enableCompileCache(deps), undefined);
    assert.deepEqual(calls, []);
  });

  it('reports off when Node refuses, or throws, and lets nothing escape', () => {
    assert.equal(enableCompileCache(setup({}, false).deps), undefined);
    const throwing = setup({
      enable: () => {
        throw new Error('boom');
      },
    });
    assert.equal(enableCompileCache(throwing.deps), undefined);
  });
});
