/**
 * A destination directory may hold other people's files. The agent only ever removes or replaces
 * what it created itself, refuses system directories and two routes to one directory at config
 * load, and says what is in the way when a directory cannot be made.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runTbot } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

async function inWorkspace(body: (workspace: Workspace) => Promise<void>): Promise<void> {
  const workspace = await makeWorkspace();
  try {
    await body(workspace);
  } finally {
    await workspace.remove();
  }
}

const oneshot = (workspace: Workspace, ...args: string[]) => runTbot(['start', '--oneshot', ...args], { cwd: workspace.dir, timeoutMs: 20_000 });

describe('destination clean-up removes only what the agent created', () => {
  it("a user's .photos.link/ directory, look-alike names and a symlinked generation name survive two runs", async () => {
    await inWorkspace(async (workspace) => {
      const out = join(workspace.dir, 'out');
      const elsewhere = join(workspace.dir, 'elsewhere');
      await mkdir(join(out, '.photos.link'), { recursive: true });
      await writeFile(join(out, '.photos.link', 'cat.jpg'), 'meow');
      await writeFile(join(out, '.key.link'), 'not a temp link: no random suffix');
      await writeFile(join(out, '.key.0123abcd.link'), 'the right name, but a regular file');
      await symlink('notes.txt', join(out, '.notes.0123abcd.link'));
      await writeFile(join(out, 'notes.txt'), 'mine');
      await mkdir(elsewhere);
      await writeFile(join(elsewhere, 'precious'), 'keep');
      await symlink(elsewhere, join(out, '..20250101T000000.000Z_0123abcd'));
      // What a killed agent leaves: a finished generation directory and a temp link of its own.
      await mkdir(join(out, '..20250101T000000.000Z_deadbeef'));
      await writeFile(join(out, '..20250101T000000.000Z_deadbeef', 'key'), 'old');
      await symlink('..data/tlscert', join(out, '.tlscert.89abcdef.link'));

      for (const round of [1, 2]) {
        const run = await oneshot(workspace, '--destination-dir', 'out');
        assert.equal(run.code, 0, `round ${round}: ${run.stderr}`);
      }
      const entries = await readdir(out);
      assert.equal(await readFile(join(out, '.photos.link', 'cat.jpg'), 'utf8'), 'meow');
      assert.equal(await readFile(join(out, '.key.link'), 'utf8'), 'not a temp link: no random suffix');
      assert.equal(await readFile(join(out, '.key.0123abcd.link'), 'utf8'), 'the right name, but a regular file');
      assert.equal(await readlink(join(out, '.notes.0123abcd.link')), 'notes.txt');
      assert.equal(await readFile(join(out, 'notes.txt'), 'utf8'), 'mine');
      assert.equal(await readlink(join(out, '..20250101T000000.000Z_0123abcd')), elsewhere);
      assert.deepEqual(await readdir(elsewhere), ['precious']);
      assert.ok(!entries.includes('..20250101T000000.000Z_deadbeef'), 'the stale generation directory was removed');
      assert.ok(!entries.includes('.tlscert.89abcdef.link'), 'the stale temp link was removed');
      assert.equal(entries.filter((name) => /^\.\.\d{8}T/.test(name)).length, 2, `one live generation plus the user's symlink: ${entries.join(' ')}`);
      assert.ok((await lstat(join(out, 'tlscert'))).isSymbolicLink());
    });
  });
});

describe('files the agent did not create are never replaced', () => {
  for (const name of ['ssh_config', 'known_hosts', 'key']) {
    it(`an existing regular ${name} in the destination: exit 1 naming it, untouched, nothing written`, async () => {
      await inWorkspace(async (workspace) => {
        const out = join(workspace.dir, 'out');
        await mkdir(out);
        await writeFile(join(out, name), 'the system one\n');
        const run = await oneshot(workspace, '--destination-dir', 'out');
        assert.equal(run.code, 1, run.stderr);
        assert.ok(run.stderr.includes(`${join(out, name)} is a regular file that was not created by tbot, and tbot will not replace it`), run.stderr);
        assert.equal(await readFile(join(out, name), 'utf8'), 'the system one\n');
        assert.deepEqual(await readdir(out), [name], 'nothing else was written');
      });
    });
  }

  it('a user symlink or directory under an output name is refused too', async () => {
    await inWorkspace(async (workspace) => {
      const out = join(workspace.dir, 'out');
      await mkdir(join(out, 'tlscert'), { recursive: true });
      await symlink('/dev/null', join(out, 'ssh_config'));
      const run = await oneshot(workspace, '--destination-dir', 'out');
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /(tlscert is a directory|ssh_config is a symbolic link not into \.\.data) that was not created by tbot/);
      assert.deepEqual((await readdir(out)).sort(), ['ssh_config', 'tlscert']);
    });
  });
});

describe('system directories and shared directories are refused at config load (real paths)', () => {
  // Cases that name real system directories go through `analytics status`, which loads and checks
  // the config exactly as `start` does but can write nothing: a regression must fail the test, not
  // replace /etc/ssh/ssh_config on the machine running it. `start` is shown refusing /proc, where a
  // regression could not write either.
  const refused: { name: string; command: 'start' | 'status'; setup?: (workspace: Workspace) => Promise<void>; args: string[]; message: RegExp }[] = [
    {
      name: '/etc/ssh as destination',
      command: 'status',
      args: ['--destination-dir', '/etc/ssh'],
      message: /flag --destination-dir: outputs\[0\]\.destination\.path: \/etc\/ssh is inside \/etc, a system directory/,
    },
    { name: '/ as storage', command: 'status', args: ['--data-dir', '/', '--destination-dir', 'out'], message: /flag --data-dir: storage\.path: \/ is \/ itself/ },
    { name: '/usr/local/bin as destination', command: 'status', args: ['--destination-dir', '/usr/local/bin'], message: /\/usr\/local\/bin is inside \/usr, a system directory/ },
    {
      name: 'a symlink to /etc',
      command: 'status',
      setup: async (workspace) => symlink('/etc', join(workspace.dir, 'sys')),
      args: ['--destination-dir', 'sys/ssh'],
      message: /\/sys\/ssh is inside \/etc, a system directory \(it resolves to \/etc\/ssh\)/,
    },
    {
      name: 'start with a destination in /proc',
      command: 'start',
      args: ['--destination-dir', '/proc/tbot-test'],
      message: /\/proc\/tbot-test is inside \/proc, a system directory/,
    },
    {
      name: 'two outputs reaching one directory through a symlink',
      command: 'start',
      setup: async (workspace) => {
        await mkdir(join(workspace.dir, 'out'));
        await symlink('out', join(workspace.dir, 'alias'));
        await workspace.write(
          'two.yaml',
          'version: v2\noutputs:\n  - type: identity\n    destination: {type: directory, path: out}\n  - type: identity\n    destination: {type: directory, path: alias}\n',
        );
      },
      args: ['-c', 'two.yaml'],
      message: /two\.yaml:6:42: outputs\[1\]\.destination\.path: directory is already used by outputs\[0\]\.destination\.path/,
    },
    {
      name: 'an output inside storage through a symlink',
      command: 'start',
      setup: async (workspace) => {
        await mkdir(join(workspace.dir, 'data'));
        await symlink('data', join(workspace.dir, 'peek'));
      },
      args: ['--data-dir', 'data', '--destination-dir', 'peek/out'],
      message: /outputs\[0\]\.destination\.path: directory is inside storage\.path/,
    },
  ];
  for (const testCase of refused) {
    it(`${testCase.name}: exit 1, nothing written`, async () => {
      await inWorkspace(async (workspace) => {
        await testCase.setup?.(workspace);
        const before = (await readdir(workspace.dir)).sort();
        const args = testCase.command === 'start' ? ['start', '--oneshot', ...testCase.args] : ['analytics', 'status', ...testCase.args];
        const run = await runTbot(args, { cwd: workspace.dir, timeoutMs: 20_000 });
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stderr, /invalid configuration \(nothing was written or sent\)/);
        assert.match(run.stderr, testCase.message);
        assert.deepEqual((await readdir(workspace.dir)).sort(), before);
        if (existsSync(join(workspace.dir, 'out'))) assert.deepEqual(await readdir(join(workspace.dir, 'out')), []);
      });
    });
  }
});

describe('something other than a directory in the way says what it is', () => {
  it('a regular file as the destination', async () => {
    await inWorkspace(async (workspace) => {
      const file = await workspace.write('out', 'x');
      const run = await oneshot(workspace, '--destination-dir', 'out');
      assert.equal(run.code, 1);
      assert.ok(run.stderr.includes(`renewal failed for directory ${file}: ${file} is a regular file, not a directory; expected a directory there`), run.stderr);
      assert.doesNotMatch(run.stderr, /EEXIST/);
    });
  });

  it('a regular file as storage', async () => {
    await inWorkspace(async (workspace) => {
      const file = await workspace.write('data', 'x');
      const run = await oneshot(workspace, '--data-dir', 'data', '--destination-dir', 'out');
      assert.equal(run.code, 1);
      assert.ok(run.stderr.includes(`certificate authority ${join(file, 'ca')}: ${file} is a regular file, not a directory; expected a directory there`), run.stderr);
      assert.ok(!existsSync(join(workspace.dir, 'out')));
    });
  });
});

describe('ACLs, which this agent does not set', () => {
  it('acls: required stops start before anything is written, naming file:line:col; preview still loads the config', async () => {
    await inWorkspace(async (workspace) => {
      const config = await workspace.write(
        'bot.yaml',
        'version: v2\nstorage: {type: directory, path: ./data}\noutputs:\n  - type: identity\n    destination: {type: directory, path: ./out, acls: required, readers: [{user: deploy}]}\n',
      );
      const run = await oneshot(workspace, '-c', config);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^tbot: this configuration is valid for Teleport's tbot, but asks for what this agent cannot do \(nothing was written or sent\):\n/);
      assert.match(run.stderr, /bot\.yaml:5:55: outputs\[0\]\.destination\.acls: is "required", but this agent sets no ACLs/);
      assert.deepEqual(await readdir(workspace.dir), ['bot.yaml']);
      const preview = await runTbot(['analytics', 'preview', '-c', config], { cwd: workspace.dir });
      assert.equal(preview.code, 0, preview.stderr);
    });
  });

  it('readers with acls try (the default) are named in a warning at start, and the run goes on', async () => {
    await inWorkspace(async (workspace) => {
      const config = await workspace.write('bot.yaml', 'version: v2\noutputs:\n  - type: identity\n    destination: {type: directory, path: ./out, readers: [{group: "1001"}]}\n');
      const run = await oneshot(workspace, '-c', config);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /WARN +outputs\[0\]\.destination\.readers: not given access; this agent sets no ACLs/);
      assert.ok(existsSync(join(workspace.dir, 'out', 'identity')));
    });
  });
});
