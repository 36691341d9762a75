/** npm test's pretest step: finds the tools, installs what is missing with apt-get when it can, and otherwise fails with one line. */
import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findTool, provision, type TestTool } from '../../scripts/provision-test-tools.mjs';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const TOOL: TestTool = {
  name: 'fakebrowser',
  why: 'a test renders a page',
  env: 'FAKE_BROWSER',
  commands: ['fakebrowser', 'fakebrowser-stable'],
  debianPackage: 'fakebrowser-pkg',
};
const SSHD: TestTool = { name: 'sshd', why: 'a test logs in', commands: ['sshd'], paths: [], debianPackage: 'openssh-server' };

describe('provisioning test tools', () => {
  let workspace: Workspace;
  let bin: string;
  before(async () => {
    workspace = await makeWorkspace('tbot-provision-');
    bin = join(workspace.dir, 'bin');
    await mkdir(bin);
  });
  after(() => workspace.remove());

  const install = async (name: string): Promise<string> => {
    const path = join(bin, name);
    await writeFile(path, '#!/bin/sh\n');
    await chmod(path, 0o755);
    return path;
  };

  it('finds a tool by its env var first, then on PATH in the listed order, then in known places', async () => {
    const stable = await install('fakebrowser-stable');
    assert.equal(findTool(TOOL, { PATH: `/nonexistent:${bin}` }), stable);
    assert.equal(findTool(TOOL, { PATH: bin, FAKE_BROWSER: stable }), stable);
    assert.equal(findTool({ ...SSHD, paths: [stable] }, { PATH: '/nonexistent' }), stable);
    assert.equal(findTool(TOOL, { PATH: '/nonexistent' }), undefined);
  });

  it('installs every missing tool with one apt-get run, then checks again', () => {
    const calls: string[][] = [];
    const env = { PATH: bin };
    const failure = provision([TOOL, SSHD], {
      env,
      aptGetUsable: () => true,
      aptGet: (args) => {
        calls.push(args);
        return '';
      },
      log: () => undefined,
    });
    assert.deepEqual(calls, [
      ['update', '-qq'],
      ['install', '-y', '-qq', '--no-install-recommends', 'openssh-server'],
    ]);
    // The fake apt-get installed nothing, so sshd is still missing: say so, never pass silently.
    assert.match(failure, /^npm test needs sshd \(a test logs in; Debian package openssh-server\), and apt-get could not install openssh-server\.$/);
  });

  it('without apt-get (not root) it fails with one line naming what to install', () => {
    const failure = provision([TOOL], { env: { PATH: '/nonexistent' }, aptGetUsable: () => false, aptGet: () => assert.fail('apt-get must not run'), log: () => undefined });
    assert.equal(
      failure,
      'npm test needs fakebrowser (a test renders a page; Debian package fakebrowser-pkg, or set FAKE_BROWSER to its binary). Install it, e.g. sudo apt-get install fakebrowser-pkg, then run npm test again.',
    );
    assert.ok(!failure.includes('\n'));
  });

  it('a variable naming a missing binary is an error, not a reason to install another', () => {
    const failure = provision([TOOL], {
      env: { PATH: bin, FAKE_BROWSER: '/nope' },
      aptGetUsable: () => true,
      aptGet: () => assert.fail('apt-get must not run'),
      log: () => undefined,
    });
    assert.match(failure, /FAKE_BROWSER=\/nope is not an executable file/);
  });

  it('nothing to do when every tool is there', () => {
    assert.equal(provision([TOOL], { env: { PATH: bin }, aptGetUsable: () => assert.fail(), aptGet: () => assert.fail(), log: () => undefined }), '');
  });
});
