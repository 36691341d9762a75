/**
 * `--pid-file`: the agent writes its pid atomically, and removes the file at every way out (a
 * one-shot's normal end, an error exit, SIGTERM), but only while the file still holds its pid.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runTbot, spawnTbot } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

describe('--pid-file', { concurrency: 4 }, () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-pid-');
  });
  after(() => workspace.remove());
  const path = (name: string): string => join(workspace.dir, name);

  it('a continuous agent holds its own pid in the file (0644) and removes it on SIGTERM', async () => {
    const pidFile = path('continuous.pid');
    const agent = spawnTbot(['start', 'identity', '--destination', 'memory://', '--renewal-interval', '1s', '--certificate-ttl', '1h', '--pid-file', pidFile], {
      cwd: workspace.dir,
    });
    await agent.waitForStderr(/renewal cycle complete/);
    assert.equal(await readFile(pidFile, 'utf8'), `${agent.child.pid}\n`);
    assert.equal((await stat(pidFile)).mode & 0o777, 0o644);
    agent.child.kill('SIGTERM');
    const run = await agent.result;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(existsSync(pidFile), false, 'the PID file outlived the agent');
  });

  it('a one-shot run removes it when it ends, successfully or not', async () => {
    const ok = await runTbot(['start', 'id', '--destination', 'memory://', '--oneshot', '--pid-file', 'ok.pid'], { cwd: workspace.dir });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(existsSync(path('ok.pid')), false);
    // A regular file where the destination directory should be: the renewal fails, exit 1.
    await writeFile(path('blocked'), 'not a directory');
    const failed = await runTbot(['start', 'id', '--destination', './blocked/out', '--oneshot', '--pid-file', 'failed.pid'], { cwd: workspace.dir });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /renewal failed/);
    assert.equal(existsSync(path('failed.pid')), false);
  });

  it('a file that no longer holds the agent’s pid (another process wrote it) is left alone', async () => {
    const pidFile = path('taken.pid');
    const agent = spawnTbot(['start', 'identity', '--destination', 'memory://', '--renewal-interval', '1s', '--certificate-ttl', '1h', '--pid-file', pidFile], {
      cwd: workspace.dir,
    });
    await agent.waitForStderr(/renewal cycle complete/);
    await writeFile(pidFile, '4194304\n');
    agent.child.kill('SIGTERM');
    assert.equal((await agent.result).code, 0);
    assert.equal(await readFile(pidFile, 'utf8'), '4194304\n');
  });

  it('a PID file that cannot be written stops the agent before it renews anything', async () => {
    const run = await runTbot(['start', 'id', '--destination', './never', '--oneshot', '--pid-file', './missing-dir/tbot.pid'], { cwd: workspace.dir });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /tbot: cannot write the PID file .*missing-dir\/tbot\.pid: no such file or directory/);
    assert.doesNotMatch(run.stderr, /renewal cycle complete/);
    assert.equal(existsSync(path('never')), false);
  });

  it('configure takes the flag and writes no PID file (it runs no agent)', async () => {
    const run = await runTbot(['configure', 'id', '--destination', 'memory://', '--pid-file', 'configure.pid'], { cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /pid/);
    assert.equal(existsSync(path('configure.pid')), false);
  });
});
