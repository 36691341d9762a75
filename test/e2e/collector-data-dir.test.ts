/**
 * The data directory is a trust boundary: a symlinked or group/world-writable one is refused at
 * start, a missing one is created 0700 with 0600 segments, and a symlink planted under a segment's
 * name is never followed, truncated or appended to.
 */
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, readdir, readFile, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { segmentName } from '../../src/collector/store/segments.js';
import { eventually, runCollector, startCollector, submit, tbotEvent } from '../helpers/collector-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

describe('collector data directory', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-data-dir-');
  });
  after(() => workspace.remove());

  it('creates a missing data directory 0700, and segments 0600', async () => {
    const dataDir = join(workspace.dir, 'fresh', 'data');
    const collector = await startCollector(dataDir);
    assert.equal(await submit(collector.url, tbotEvent()), 200);
    assert.equal(await collector.stop(), 0);
    assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
    const [segment] = await readdir(dataDir);
    assert.equal((await stat(join(dataDir, segment!))).mode & 0o777, 0o600);
  });

  const refusals: { name: string; prepare: (path: string) => Promise<void>; message: RegExp }[] = [
    {
      name: 'a symlink to a directory',
      prepare: async (path) => {
        await mkdir(`${path}-real`, { mode: 0o700 });
        await symlink(`${path}-real`, path);
      },
      message: /data directory .*: is a symbolic link; give the real directory instead/,
    },
    { name: 'group-writable', prepare: async (path) => mkdir(path).then(() => chmod(path, 0o770)), message: /is writable by its group \(mode 0770\); run chmod go-w/ },
    { name: 'world-writable', prepare: async (path) => mkdir(path).then(() => chmod(path, 0o1777)), message: /is writable by its group and others \(mode 0777\)/ },
    { name: 'a regular file', prepare: async (path) => writeFile(path, 'x'), message: /is not a directory/ },
  ];
  for (const refusal of refusals) {
    it(`refuses a data directory that is ${refusal.name}: exit 1, a clear message, nothing written`, async () => {
      const path = join(workspace.dir, `refused-${refusal.name.replace(/\W+/g, '-')}`);
      await refusal.prepare(path);
      const snapshot = () => execFileSync('find', [workspace.dir, '-printf', '%p %y %m %s %T@\\n'], { encoding: 'utf8' });
      const before = snapshot();
      for (const dataDir of [path, `${path}/`]) {
        const run = await runCollector(['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir]);
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stderr, refusal.message);
        assert.doesNotMatch(run.stderr, /internal error|\n\s+at /);
      }
      assert.equal(snapshot(), before);
    });
  }

  it('a data directory that cannot be created (under /proc) fails at once with exit 1, instead of spinning', async () => {
    // Node's recursive mkdir loops forever there; the collector creates one level at a time.
    const run = await runCollector(['serve', '--listen', '127.0.0.1:0', '--data-dir', '/proc/tbot-collector-test/data'], {}, 5_000);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /data directory \/proc\/tbot-collector-test\/data: cannot create it: ENOENT/);
    assert.doesNotMatch(run.stderr, /internal error|\n\s+at /);
  });

  it('a symlink planted under a segment name is refused (503), and neither its target nor a missing target is touched', async () => {
    const dataDir = join(workspace.dir, 'planted');
    await mkdir(dataDir, { mode: 0o700 });
    const victim = join(workspace.dir, 'victim.txt');
    await writeFile(victim, 'precious\nno newline at the end');
    const today = join(dataDir, segmentName(new Date()));
    const collector = await startCollector(dataDir);
    try {
      await symlink(victim, today);
      assert.equal(await submit(collector.url, tbotEvent()), 503);
      assert.equal(await readFile(victim, 'utf8'), 'precious\nno newline at the end', 'neither truncated nor appended to');

      // A dangling link would otherwise create its target.
      const missing = join(workspace.dir, 'created-through-link');
      await unlink(today);
      await symlink(missing, today);
      assert.equal(await submit(collector.url, tbotEvent()), 503);
      await assert.rejects(lstat(missing), { code: 'ENOENT' });

      // Not a regular file either way: a directory, or a FIFO (which must not hang the store).
      for (const plant of [() => mkdir(today), async () => void execFileSync('mkfifo', [today])]) {
        await rm(today, { recursive: true });
        await plant();
        assert.equal(await submit(collector.url, tbotEvent()), 503);
      }
      // The log line is written before the 503, but on a pipe of its own: the answer can be read first.
      await eventually(async () => /error=ENOTREGULAR/.test(collector.stderr()), true);
      assert.match(collector.stderr(), /cannot write to the store; answering unavailable until it can .*error=ELOOP/);
    } finally {
      assert.equal(await collector.stop(), 0);
    }
  });
});
