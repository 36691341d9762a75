/**
 * One agent per destination directory: two started together run one after the other, an agent
 * that holds the directory is named by the one that cannot have it, a lock left by a killed agent
 * is recovered, and a file at the lock path that tbot did not write is left alone.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IDENTITY_ARTIFACTS } from '../helpers/identity-artifacts.js';
import { cleanEnv, runTbot, spawnTbot } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const LOCK = '..tbot.lock';
const BUSY =
  /^tbot: destination directory (\S+) is in use by another tbot agent \(pid (\d+), since [^)]+\); waited [^.]+\. Stop that agent, or give each agent a destination directory of its own$/m;
const IDENTITY_OUTPUT = [...IDENTITY_ARTIFACTS, 'known_hosts', 'ssh_config', 'sshcacerts'].sort();

const visible = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((name) => !name.startsWith('.')).sort();

/** A pid that was just in use and whose process has exited (and been reaped). */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid!));
  });
}

describe('destination lock', () => {
  let workspace: Workspace;
  before(async () => (workspace = await makeWorkspace('tbot-dest-lock-')));
  after(() => workspace.remove());

  const oneshot = (out: string, env: Record<string, string> = {}) =>
    runTbot(['start', '--oneshot', '--destination-dir', out], { cwd: workspace.dir, env: cleanEnv(env), timeoutMs: 60_000 });

  it('10 pairs of one-shot agents started together on one directory: each exits 0 or names the other, never a bare ENOENT', async () => {
    const out = join(workspace.dir, 'pairs');
    const outcomes: string[] = [];
    for (let round = 1; round <= 10; round += 1) {
      const pair = await Promise.all([oneshot(out), oneshot(out)]);
      for (const run of pair) {
        assert.doesNotMatch(run.stderr, /no such file or directory|ENOENT/, `round ${round}`);
        if (run.code === 0) outcomes.push('ok');
        else {
          assert.equal(run.code, 1, run.stderr);
          assert.match(run.stderr, BUSY, `round ${round}`);
          outcomes.push('busy');
        }
      }
      assert.deepEqual(await visible(out), IDENTITY_OUTPUT, `round ${round}: the output set is whole`);
      assert.ok(!existsSync(join(out, LOCK)), `round ${round}: the lock is gone once both have exited`);
    }
    assert.equal(outcomes.length, 20);
    // Nothing else in the directory: one generation, ..data, and no lock or temp entries.
    assert.deepEqual((await readdir(out)).filter((name) => name.startsWith('.')).length, 2);
  });

  describe('held by a continuous agent', () => {
    let out: string;
    let holder: ReturnType<typeof spawnTbot>;
    before(async () => {
      out = join(workspace.dir, 'held');
      holder = spawnTbot(['start', '--destination-dir', out, '--renewal-interval', '30m'], { cwd: workspace.dir });
      await holder.waitForStderr(/renewal cycle complete/);
    });
    after(async () => {
      if (holder.child.exitCode === null && holder.child.signalCode === null) holder.child.kill('SIGTERM');
      await holder.result;
    });

    it('a one-shot agent on the same directory waits its bounded time, then exits 1 naming the pid that holds it', async () => {
      const lock = JSON.parse(await readFile(join(out, LOCK), 'utf8'));
      assert.equal(lock.pid, holder.child.pid);
      const run = await oneshot(out, { TBOT_TEST_DESTINATION_LOCK_WAIT_MS: '300' });
      assert.equal(run.code, 1, run.stderr);
      const busy = BUSY.exec(run.stderr);
      assert.ok(busy !== null, run.stderr);
      assert.equal(busy[1], out);
      assert.equal(Number(busy[2]), holder.child.pid);
      assert.match(run.stderr, /waiting for another tbot agent to finish with the destination directory/);
      assert.equal(JSON.parse(await readFile(join(out, LOCK), 'utf8')).pid, holder.child.pid, "the holder's lock is untouched");
    });

    it('stopped with SIGTERM, the holder removes its lock; the next agent goes straight in', async () => {
      holder.child.kill('SIGTERM');
      assert.equal((await holder.result).code, 0);
      assert.ok(!existsSync(join(out, LOCK)));
      const run = await oneshot(out, { TBOT_TEST_DESTINATION_LOCK_WAIT_MS: '0' });
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /waiting for another/);
    });
  });

  it('a lock left by an agent killed with SIGKILL is stale: the next agent takes over at once', async () => {
    const out = join(workspace.dir, 'killed');
    const victim = spawnTbot(['start', '--destination-dir', out, '--renewal-interval', '30m'], { cwd: workspace.dir });
    await victim.waitForStderr(/renewal cycle complete/);
    victim.child.kill('SIGKILL');
    await victim.result;
    assert.equal(JSON.parse(await readFile(join(out, LOCK), 'utf8')).pid, victim.child.pid, 'SIGKILL leaves the lock behind');
    const run = await oneshot(out, { TBOT_TEST_DESTINATION_LOCK_WAIT_MS: '0' });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!existsSync(join(out, LOCK)));
    assert.deepEqual(await visible(out), IDENTITY_OUTPUT);
  });

  it('a stale lock naming a pid that is gone is recovered', async () => {
    const out = join(workspace.dir, 'stale');
    await mkdir(out);
    await writeFile(join(out, LOCK), `${JSON.stringify({ pid: await deadPid(), since: '2026-01-01T00:00:00.000Z' })}\n`);
    const run = await oneshot(out, { TBOT_TEST_DESTINATION_LOCK_WAIT_MS: '0' });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!existsSync(join(out, LOCK)));
  });

  it('a file at the lock path that tbot did not write is never removed: exit 1 saying so', async () => {
    const out = join(workspace.dir, 'foreign');
    await mkdir(out);
    await writeFile(join(out, LOCK), 'my notes\n');
    const run = await oneshot(out, { TBOT_TEST_DESTINATION_LOCK_WAIT_MS: '200' });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^tbot: destination directory \S+: \S+\/\.\.tbot\.lock exists but is not a tbot lock file, and tbot will not remove it; move it away$/m);
    assert.equal(await readFile(join(out, LOCK), 'utf8'), 'my notes\n');
    assert.deepEqual(await visible(out), []);
  });
});
