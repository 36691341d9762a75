/** One-shot and continuous runs: what the cycle writes, renewal on the interval, and signals. */
import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReceiver } from '../helpers/receiver.js';
import { cleanEnv, CONFIG_DIR, runTbot, spawnTbot } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

describe('agent lifecycle', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace();
  });
  after(() => workspace.remove());

  it('one-shot fills each directory destination (0700) and records the renewal in tbot-status.json (0600)', async () => {
    const run = await runTbot(['start', '--oneshot', '-c', join(CONFIG_DIR, 'host-continuous.yaml')], { cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    for (const [dir, kind] of [
      ['identity', 'identity'],
      ['db', 'database'],
      ['kube', 'kubernetes'],
    ] as const) {
      const path = join(workspace.dir, '.tbot/host', dir);
      assert.equal((await stat(path)).mode & 0o777, 0o700);
      assert.equal((await stat(join(path, 'tbot-status.json'))).mode & 0o777, 0o600);
      const status = JSON.parse(await readFile(join(path, 'tbot-status.json'), 'utf8'));
      assert.equal(status.kind, kind);
      assert.ok(Math.abs(Date.parse(status.renewed_at) - Date.now()) < 60_000);
      assert.equal(Date.parse(status.expires_at) - Date.parse(status.renewed_at), 3_600_000);
      // No temp files or stale generations are left behind.
      assert.deepEqual((await readdir(path)).filter((name) => name.startsWith('.') && name !== '..data').length, 1);
    }
    assert.equal((await stat(join(workspace.dir, '.tbot-data'))).mode & 0o777, 0o700);
  });

  it('continuous mode renews every renewal_interval and exits 0 on SIGTERM', async () => {
    const agent = spawnTbot(['start', '-c', join(CONFIG_DIR, 'minimal.yaml'), '--renewal-interval', '400ms'], { cwd: workspace.dir });
    await agent.waitForStderr(/renewal cycle complete/);
    const first = JSON.parse(await readFile(join(workspace.dir, '.tbot/minimal/identity/tbot-status.json'), 'utf8'));
    await agent.waitForStderr(/(renewal cycle complete[\s\S]*){3}/);
    const later = JSON.parse(await readFile(join(workspace.dir, '.tbot/minimal/identity/tbot-status.json'), 'utf8'));
    assert.ok(Date.parse(later.renewed_at) >= Date.parse(first.renewed_at) + 700, `${first.renewed_at} → ${later.renewed_at}`);
    agent.child.kill('SIGTERM');
    const run = await agent.result;
    assert.equal(run.code, 0);
    assert.match(run.stderr, /received SIGTERM, stopping[\s\S]*stopped by signal/);
  });

  it('SIGHUP does not kill a continuous agent: it is logged as unsupported and renewals go on', async () => {
    const agent = spawnTbot(['start', '-c', join(CONFIG_DIR, 'minimal.yaml'), '--renewal-interval', '300ms'], { cwd: workspace.dir });
    await agent.waitForStderr(/renewal cycle complete/);
    agent.child.kill('SIGHUP');
    await agent.waitForStderr(/SIGHUP ignored: reloading the config is not supported/);
    await agent.waitForStderr(/SIGHUP ignored[\s\S]*renewal cycle complete/);
    agent.child.kill('SIGTERM');
    assert.equal((await agent.result).code, 0);
  });

  it('SIGINT also stops a continuous agent with exit 0', async () => {
    const agent = spawnTbot(['start', '-c', join(CONFIG_DIR, 'minimal.yaml')], { cwd: workspace.dir });
    await agent.waitForStderr(/renewal cycle complete/);
    agent.child.kill('SIGINT');
    assert.equal((await agent.result).code, 0);
  });

  it('SIGINT during the one-shot analytics wait stops the wait at once, exit 0', async () => {
    const receiver = await startReceiver('blackhole');
    try {
      const agent = spawnTbot(['start', '--oneshot', '--debug', '--anonymous-analytics', '-c', join(CONFIG_DIR, 'minimal.yaml')], {
        cwd: workspace.dir,
        env: cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url }),
      });
      await agent.waitForStderr(/renewal cycle complete/);
      agent.child.kill('SIGINT');
      const run = await agent.result;
      assert.equal(run.code, 0);
      assert.match(run.stderr, /anonymous analytics abandoned: the agent is stopping/);
    } finally {
      await receiver.close();
    }
  });

  it('a destination that cannot be created fails the one-shot run with exit 1, naming the path', async () => {
    const blocker = await workspace.write('a-file', 'not a directory');
    const run = await runTbot(['start', '--oneshot', '--destination-dir', join(blocker, 'out')], { cwd: workspace.dir });
    assert.equal(run.code, 1);
    assert.ok(run.stderr.includes(`renewal failed for directory ${join(blocker, 'out')}: ${blocker} is a regular file, not a directory; expected a directory there`), run.stderr);
  });
});
