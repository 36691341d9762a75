import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BadFileNameError, replaceFileSet, UnownedEntryError } from '../../src/fs/atomic-file-set.js';
import { makeWorkspace } from '../helpers/workspace.js';

const generations = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((name) => /^\.\.\d/.test(name));

describe('atomic file sets with a subdirectory', () => {
  it('serves the subdirectory through one link into the generation, and drops it when a later set has none', async (t) => {
    const workspace = await makeWorkspace();
    t.after(() => workspace.remove());
    const dir = workspace.dir;
    await replaceFileSet(
      dir,
      new Map([
        ['key', 'k1'],
        ['certs/node.crt', 'c1'],
        ['certs/deep/ca.crt', 'a1'],
      ]),
      new Date(),
    );
    assert.equal(await readlink(join(dir, 'certs')), '..data/certs');
    assert.equal(await readFile(join(dir, 'certs', 'deep', 'ca.crt'), 'utf8'), 'a1');
    const [first] = await generations(dir);
    assert.equal((await stat(join(dir, first!, 'certs'))).mode & 0o777, 0o700);
    assert.equal((await stat(join(dir, first!, 'certs', 'deep', 'ca.crt'))).mode & 0o777, 0o600);

    await replaceFileSet(
      dir,
      new Map([
        ['key', 'k2'],
        ['certs/node.crt', 'c2'],
      ]),
      new Date(),
    );
    assert.equal(await readFile(join(dir, 'certs', 'node.crt'), 'utf8'), 'c2');
    assert.ok(!existsSync(join(dir, 'certs', 'deep')), 'the new generation has only what the new set has');

    await replaceFileSet(dir, new Map([['key', 'k3']]), new Date());
    assert.ok(!existsSync(join(dir, 'certs')) && (await lstat(join(dir, 'certs')).catch(() => undefined)) === undefined, 'the link went with the set');
    assert.equal((await generations(dir)).length, 1);
  });

  it('will not replace a directory of that name that someone else made', async (t) => {
    const workspace = await makeWorkspace();
    t.after(() => workspace.remove());
    await mkdir(join(workspace.dir, 'cockroach'));
    await assert.rejects(replaceFileSet(workspace.dir, new Map([['cockroach/node.crt', 'x']]), new Date()), UnownedEntryError);
    assert.deepEqual(await readdir(workspace.dir), ['cockroach']);
  });

  it('refuses names that are not plain relative paths, before writing anything', async (t) => {
    const workspace = await makeWorkspace();
    t.after(() => workspace.remove());
    for (const name of ['../escape', 'a//b', '/abs', 'a/./b', '..data', 'sub/']) {
      await assert.rejects(replaceFileSet(workspace.dir, new Map([[name, 'x']]), new Date()), BadFileNameError, name);
    }
    assert.deepEqual(await readdir(workspace.dir), []);
  });
});
