/**
 * Only a regular file of at most 1 MiB is read as a config: a FIFO, a device, a directory or a
 * huge file is refused at once with a clear error (exit 1), never read without end or waited on.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { cleanEnv, runTbot } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const MIB = 1024 * 1024;

describe('config file kinds and sizes', () => {
  let workspace: Workspace;
  let receiver: Receiver;
  before(async () => {
    workspace = await makeWorkspace();
    receiver = await startReceiver('ok');
    execFileSync('mkfifo', [join(workspace.dir, 'fifo.yaml')]);
    const big = await workspace.write('big.yaml', 'version: v2\n');
    await truncate(big, 2 * MIB);
    // Exactly at the limit: a valid config padded with a YAML comment.
    const header = 'version: v2\noneshot: true\n#';
    await workspace.write('limit.yaml', `${header}${'x'.repeat(MIB - header.length - 1)}\n`);
  });
  after(async () => {
    await receiver.close();
    await workspace.remove();
  });

  const refused: { name: string; path: () => string; message: RegExp }[] = [
    {
      name: 'a FIFO (nobody writes to it)',
      path: () => join(workspace.dir, 'fifo.yaml'),
      message: /fifo\.yaml: cannot read config: it is a FIFO \(named pipe\), not a regular file/,
    },
    { name: '/dev/urandom', path: () => '/dev/urandom', message: /\/dev\/urandom: cannot read config: it is a character device, not a regular file/ },
    { name: 'a directory', path: () => workspace.dir, message: /: cannot read config: it is a directory, not a regular file/ },
    { name: 'a 2 MiB file', path: () => join(workspace.dir, 'big.yaml'), message: /big\.yaml: cannot read config: it is larger than 1 MiB, the limit for this file/ },
  ];
  for (const testCase of refused) {
    it(`refuses ${testCase.name}: exit 1 at once, nothing written or sent`, async () => {
      const before = await readdir(workspace.dir);
      const env = cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url });
      const run = await runTbot(['start', '--oneshot', '--anonymous-analytics', '-c', testCase.path(), '--destination-dir', 'out'], { cwd: workspace.dir, env, timeoutMs: 10_000 });
      assert.equal(run.signal, null, 'the agent did not hang');
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, testCase.message);
      assert.equal(run.stdout, '');
      assert.deepEqual(await readdir(workspace.dir), before);
      assert.equal(receiver.connectionCount(), 0);
    });
  }

  it('a config of exactly 1 MiB is read', async () => {
    const run = await runTbot(['analytics', 'status', '-c', join(workspace.dir, 'limit.yaml')], { cwd: workspace.dir, timeoutMs: 10_000 });
    assert.equal(run.code, 0, run.stderr);
  });
});
