/**
 * `tbot init`: the destination directory is created (0700) for its owner, with tbot's ACL message
 * where ACLs are unusable (this agent sets none); `--clean` removes only what the agent itself
 * left behind; the output is chosen as tbot chooses it. As root, an agent running as the new
 * owner then renews into the directory, over files a root run wrote there earlier.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, runTbot, TBOT_BUNDLE, type RunResult } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;
const ACL_WARNING = /WARN {2}ACLs are not usable for destination \S+: this agent sets no POSIX ACLs; change the destination's acls to off to silence this warning/;

describe('tbot init', { concurrency: 4 }, () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-init-');
  });
  after(() => workspace.remove());
  const run = (args: string[]): Promise<RunResult> => runTbot(args, { cwd: workspace.dir });

  it('creates a missing --destination-dir 0700, owned by the user running it, with the ACL message', async () => {
    const result = await run(['init', '--destination-dir', './fresh/out', '--bot-user', 'tbot', '--reader-user', 'app']);
    assert.equal(result.code, 0, result.stderr);
    const info = await stat(join(workspace.dir, 'fresh', 'out'));
    assert.ok(info.isDirectory());
    assert.equal(info.mode & 0o777, 0o700);
    assert.deepEqual([info.uid, info.gid], [uid, gid]);
    assert.match(result.stderr, ACL_WARNING);
    assert.match(result.stderr, /bot_user=tbot reader_user=app/);
    assert.match(result.stderr, /INFO {2}destination is ready path=\S+\/fresh\/out owner="the user running tbot"/);
  });

  it('corrects the mode of an existing directory and says so', async () => {
    await mkdir(join(workspace.dir, 'open'), { mode: 0o755 });
    const result = await run(['init', '--destination-dir', './open', '--owner', `${uid}:${gid}`]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await stat(join(workspace.dir, 'open'))).mode & 0o777, 0o700);
    assert.match(result.stderr, /INFO {2}corrected permissions path=\S+\/open from=0755 to=0700/);
  });

  it('acls: off is quiet about ACLs; acls: required fails as tbot fails where ACLs are unusable', async () => {
    await workspace.write('off.yaml', 'version: v2\noutputs: [{type: identity, destination: {type: directory, path: ./off, acls: off}}]\n');
    const off = await run(['init', '-c', 'off.yaml']);
    assert.equal(off.code, 0, off.stderr);
    assert.doesNotMatch(off.stderr, ACL_WARNING);
    assert.match(off.stderr, /INFO {2}ACLs disabled for this destination/);
    await workspace.write('required.yaml', 'version: v2\noutputs: [{type: identity, destination: {type: directory, path: ./required, acls: required}}]\n');
    const required = await run(['init', '-c', 'required.yaml']);
    assert.equal(required.code, 1);
    assert.match(required.stderr, /tbot: ACLs are not usable for destination \S+\/required: this agent sets no POSIX ACLs; .*\(acls: required\); use acls: try or off/);
    assert.equal(existsSync(join(workspace.dir, 'required')), false);
  });

  it('chooses the output as tbot does: the only one, or the one --init-dir names', async () => {
    await workspace.write(
      'two.yaml',
      'version: v2\noutputs:\n  - {type: identity, destination: {type: directory, path: ./one}}\n  - {type: identity, destination: {type: directory, path: ./two}}\n',
    );
    const ambiguous = await run(['init', '-c', 'two.yaml']);
    assert.equal(ambiguous.code, 1);
    assert.match(ambiguous.stderr, /tbot: the config has 2 outputs: name the destination directory to prepare with --init-dir/);
    const chosen = await run(['init', '-c', 'two.yaml', '--init-dir', './two']);
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.ok(existsSync(join(workspace.dir, 'two')));
    assert.equal(existsSync(join(workspace.dir, 'one')), false);
    const unknown = await run(['init', '-c', 'two.yaml', '--init-dir', './three']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /cannot prepare \S+\/three: no output of the config writes to that directory/);
    await workspace.write('memory.yaml', 'version: v2\noutputs: [{type: identity, destination: {type: memory}}]\n');
    const memory = await run(['init', '-c', 'memory.yaml']);
    assert.equal(memory.code, 1);
    assert.match(memory.stderr, /`tbot init` only prepares directory destinations/);
    const nothing = await run(['init']);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /there is no destination to prepare: give --destination-dir/);
  });

  it('--owner must be user:group, each a known name or an id', async () => {
    const half = await run(['init', '--destination-dir', './o1', '--owner', 'root']);
    assert.equal(half.code, 1);
    assert.match(half.stderr, /--owner "root" is not user:group/);
    const unknown = await run(['init', '--destination-dir', './o2', '--owner', 'no-such-user-here:root']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /--owner: no user named "no-such-user-here"/);
  });

  it('--clean removes only what the agent left behind; everything else stays as it was', async () => {
    const dir = join(workspace.dir, 'cleaned');
    const renewed = await run(['start', 'identity', '--destination', dir, '--storage', './clean-data', '--oneshot']);
    assert.equal(renewed.code, 0, renewed.stderr);
    const current = await readlink(join(dir, '..data'));
    // The agent's leftovers: an older generation, a temp link, a visible link to a file no longer written.
    await mkdir(join(dir, '..20200101T000000.000Z_0badcafe'));
    await symlink('..data/tlscert', join(dir, '.tlscert.0123abcd.link'));
    await symlink('..data/gone', join(dir, 'gone'));
    // Someone else's: a file, a directory named like a generation but a link, a link into ..data of another name, a look-alike temp link.
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await symlink('/etc', join(dir, '..20210101T000000.000Z_deadbeef'));
    await symlink('..data/key', join(dir, 'my-key'));
    await symlink('/etc/hostname', join(dir, '.hostname.89abcdef.link'));

    const result = await run(['init', '--destination-dir', dir, '--clean']);
    assert.equal(result.code, 0, result.stderr);
    for (const name of ['..20200101T000000.000Z_0badcafe', '.tlscert.0123abcd.link', 'gone'])
      assert.equal(existsSync(join(dir, name)) || (await lstat(join(dir, name)).catch(() => undefined)) !== undefined, false, name);
    assert.equal(await readFile(join(dir, 'notes.txt'), 'utf8'), 'mine');
    assert.equal(await readlink(join(dir, '..20210101T000000.000Z_deadbeef')), '/etc');
    assert.equal(await readlink(join(dir, 'my-key')), '..data/key');
    assert.equal(await readlink(join(dir, '.hostname.89abcdef.link')), '/etc/hostname');
    assert.match(result.stderr, /INFO {2}not created by tbot, so left alone path=\S+ entries=\.\.20210101T000000\.000Z_deadbeef,\.hostname\.89abcdef\.link,my-key,notes\.txt/);
    // The current set is intact, and the agent renews over it.
    assert.equal(await readlink(join(dir, '..data')), current);
    assert.ok((await readFile(join(dir, 'tlscert'), 'utf8')).startsWith('-----BEGIN CERTIFICATE-----'));
    const again = await run(['start', 'identity', '--destination', dir, '--storage', './clean-data', '--oneshot']);
    assert.equal(again.code, 0, again.stderr);
  });

  it('without --clean nothing is removed; the leftovers are counted', async () => {
    const dir = join(workspace.dir, 'kept');
    await mkdir(join(dir, '..20200101T000000.000Z_0badcafe'), { recursive: true });
    const result = await run(['init', '--destination-dir', dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(existsSync(join(dir, '..20200101T000000.000Z_0badcafe')));
    assert.match(result.stderr, /INFO {2}1 leftover\(s\) of an earlier run found; --clean removes them/);
  });
});

describe('tbot init for an agent that runs as another user', { skip: uid !== 0 ? 'needs root (to change owners)' : false }, () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-init-owner-');
    // The agent user must reach the workspace (mkdtemp makes it 0700).
    await import('node:fs/promises').then(({ chmod }) => chmod(workspace.dir, 0o755));
  });
  after(() => workspace.remove());

  it('after init --owner nobody:<its group>, the agent as nobody renews over a root run’s files', async () => {
    const dir = join(workspace.dir, 'out');
    const asRoot = await runTbot(['start', 'identity', '--destination', dir, '--storage', './root-data', '--oneshot'], { cwd: workspace.dir });
    assert.equal(asRoot.code, 0, asRoot.stderr);
    const nobody = (await readFile('/etc/passwd', 'utf8'))
      .split('\n')
      .find((line) => line.startsWith('nobody:'))
      ?.split(':');
    assert.ok(nobody, 'no nobody user');
    const [nobodyUid, nobodyGid] = [Number(nobody[2]), Number(nobody[3])];

    const init = await runTbot(['init', '--destination-dir', dir, '--owner', `nobody:${nobodyGid}`], { cwd: workspace.dir });
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stderr, /WARN {2}the owner of the directory is not the one asked for, and will be corrected/);
    const info = await stat(dir);
    assert.deepEqual([info.uid, info.gid, info.mode & 0o777], [nobodyUid, nobodyGid, 0o700]);
    const generation = await stat(join(dir, await readlink(join(dir, '..data'))));
    assert.equal(generation.uid, nobodyUid);

    // The agent as nobody, its storage in a directory of its own.
    await mkdir(join(workspace.dir, 'nobody-data'), { mode: 0o700 });
    await import('node:fs/promises').then(({ chown }) => chown(join(workspace.dir, 'nobody-data'), nobodyUid, nobodyGid));
    const child = spawn(process.execPath, [TBOT_BUNDLE, 'start', 'identity', '--destination', dir, '--storage', './nobody-data', '--oneshot'], {
      cwd: workspace.dir,
      env: cleanEnv(),
      uid: nobodyUid,
      gid: nobodyGid,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.match(stderr, /renewal cycle complete/);
    assert.equal((await stat(join(dir, 'tlscert'))).uid, nobodyUid);
  });
});
