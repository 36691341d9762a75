/**
 * The pid lock file on a real directory, with the process table and the clock played by the test:
 * who gets it, how long a live holder is waited for, which stale locks are broken, and that
 * nothing but its own format is ever removed.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { acquirePidLock, formatLock, LockHeldError, LockWaitAbortedError, parseLock, type PidLockDeps, processStartId, UnrecognizedLockError } from '../../src/fs/pid-lock.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

/** Process `pid`; `running` is the process table; sleeping moves the clock instead of waiting. */
function deps(pid: number, running: Set<number>) {
  let clock = 0;
  const sleeps: number[] = [];
  const value: PidLockDeps = {
    pid,
    isRunning: (other) => running.has(other),
    now: () => new Date(Date.UTC(2026, 11, 5) + clock),
    monotonicMs: () => clock,
    sleep: async (ms, signal) => {
      if (signal?.aborted === true) return false;
      sleeps.push(ms);
      clock += ms;
      return true;
    },
  };
  return { deps: value, sleeps };
}

const options = { waitMs: 1_000, pollMs: 100 };

describe('pid lock', () => {
  let workspace: Workspace;
  let path: string;
  beforeEach(async () => {
    workspace = await makeWorkspace('tbot-pid-lock-');
    path = join(workspace.dir, '..tbot.lock');
  });
  afterEach(() => workspace.remove());

  it('the first taker holds it, with its pid; release removes it; a second release does nothing', async () => {
    const lock = await acquirePidLock(path, options, deps(100, new Set([100])).deps);
    assert.deepEqual(parseLock(await readFile(path, 'utf8')), { pid: 100, since: '2026-12-05T00:00:00.000Z' });
    await lock.release();
    assert.deepEqual(await readdir(workspace.dir), []);
    await lock.release();
  });

  it('a live holder is waited for, polling, up to the bound; then LockHeldError names it', async () => {
    const running = new Set([100, 200]);
    await acquirePidLock(path, options, deps(100, running).deps);
    const second = deps(200, running);
    let waitedFor: number | undefined;
    await assert.rejects(
      acquirePidLock(path, { ...options, onWait: (holder) => (waitedFor = holder.pid) }, second.deps),
      (error: unknown) => error instanceof LockHeldError && error.holder.pid === 100,
    );
    assert.equal(waitedFor, 100);
    assert.equal(
      second.sleeps.reduce((sum, ms) => sum + ms, 0),
      1_000,
    );
    assert.ok(second.sleeps.every((ms) => ms <= 100));
  });

  it('a holder that lets go during the wait hands it over', async () => {
    const running = new Set([100, 200]);
    const first = await acquirePidLock(path, options, deps(100, running).deps);
    const second = deps(200, running);
    const sleep = second.deps.sleep;
    second.deps.sleep = async (ms, signal) => {
      if (second.sleeps.length === 2) await first.release();
      return sleep(ms, signal);
    };
    const lock = await acquirePidLock(path, options, second.deps);
    assert.equal(lock.holder.pid, 200);
    assert.equal(parseLock(await readFile(path, 'utf8'))?.pid, 200);
  });

  it('stale: a dead pid, or our own pid in a lock we do not hold (a restarted container), is broken at once', async () => {
    for (const stalePid of [300, 200]) {
      await writeFile(path, formatLock({ pid: stalePid, since: '2026-01-01T00:00:00.000Z' }));
      const taker = deps(200, new Set([200]));
      const lock = await acquirePidLock(path, { ...options, waitMs: 0 }, taker.deps);
      assert.equal(parseLock(await readFile(path, 'utf8'))?.pid, 200, `stale pid ${stalePid}`);
      assert.deepEqual(taker.sleeps, []);
      await lock.release();
      assert.deepEqual(await readdir(workspace.dir), [], 'neither the lock nor the break guard is left');
    }
  });

  it('release never removes a lock that is no longer its own', async () => {
    const lock = await acquirePidLock(path, options, deps(100, new Set([100])).deps);
    const other = formatLock({ pid: 400, since: '2026-12-05T00:00:01.000Z' });
    await writeFile(path, other);
    await lock.release();
    lock.releaseSync();
    assert.equal(await readFile(path, 'utf8'), other);
  });

  for (const [name, plant] of [
    ['free text', () => writeFile(path, 'my notes\n')],
    ['a lock-like JSON with more fields', () => writeFile(path, '{"pid":300,"since":"x","note":"mine"}\n')],
    ['a FIFO', async () => void execFileSync('mkfifo', [path])],
  ] as const) {
    it(`${name} at the lock path is unrecognized and left alone, even naming a dead pid`, { timeout: 5_000 }, async () => {
      await plant();
      const before = await readdir(workspace.dir);
      await assert.rejects(acquirePidLock(path, { ...options, waitMs: 300 }, deps(200, new Set([200])).deps), UnrecognizedLockError);
      assert.deepEqual(await readdir(workspace.dir), before);
    });
  }

  it('an abort while waiting ends the wait with LockWaitAbortedError', async () => {
    const running = new Set([100, 200]);
    await acquirePidLock(path, options, deps(100, running).deps);
    await assert.rejects(acquirePidLock(path, { ...options, signal: AbortSignal.abort() }, deps(200, running).deps), LockWaitAbortedError);
  });

  it('parseLock takes exactly what formatLock writes', () => {
    const text = formatLock({ pid: 42, since: '2026-12-05T00:00:00.000Z' });
    assert.deepEqual(parseLock(text), { pid: 42, since: '2026-12-05T00:00:00.000Z' });
    for (const bad of ['', '{}', '{"pid":0,"since":"x"}\n', '{"pid":1.5,"since":"x"}\n', text.trim(), ` ${text}`]) assert.equal(parseLock(bad), undefined, JSON.stringify(bad));
  });

  const BOOT = '0f8e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
  const startIdOf = (table: Record<number, string>) => (pid: number) => table[pid];

  it('a running pid whose process is not the one that wrote the lock (the pid was reused) is stale and broken', async () => {
    await writeFile(path, formatLock({ pid: 100, since: '2026-01-01T00:00:00.000Z', start: `${BOOT}:500` }));
    const taker = deps(200, new Set([100, 200]));
    const lock = await acquirePidLock(path, options, { ...taker.deps, startId: startIdOf({ 100: `${BOOT}:9000`, 200: `${BOOT}:9100` }) });
    assert.deepEqual(parseLock(await readFile(path, 'utf8')), { pid: 200, since: '2026-12-05T00:00:00.000Z', start: `${BOOT}:9100` });
    assert.deepEqual(taker.sleeps, [], 'broken at once, not waited for');
    await lock.release();
  });

  it('the same process (same start identity), or a lock or a table that cannot say, is live and waited for', async () => {
    const cases: { lock: string | undefined; now: string | undefined }[] = [
      { lock: `${BOOT}:500`, now: `${BOOT}:500` },
      { lock: undefined, now: `${BOOT}:9000` },
      { lock: `${BOOT}:500`, now: undefined },
    ];
    for (const { lock, now } of cases) {
      await writeFile(path, formatLock({ pid: 100, since: '2026-01-01T00:00:00.000Z', ...(lock === undefined ? {} : { start: lock }) }));
      const taker = deps(200, new Set([100, 200]));
      await assert.rejects(
        acquirePidLock(path, options, { ...taker.deps, startId: startIdOf(now === undefined ? {} : { 100: now }) }),
        (error: unknown) => error instanceof LockHeldError && error.holder.pid === 100,
        JSON.stringify({ lock, now }),
      );
    }
  });

  it('processStartId: this process keeps one identity, another process has another, a gone pid has none', async () => {
    const mine = processStartId(process.pid);
    assert.match(mine ?? '', /^[0-9a-f-]{36}:\d+$/);
    assert.equal(processStartId(process.pid), mine);
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    await once(child, 'spawn');
    const theirs = processStartId(child.pid!);
    assert.match(theirs ?? '', /^[0-9a-f-]{36}:\d+$/);
    assert.equal(theirs?.split(':')[0], mine?.split(':')[0], 'one boot');
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(processStartId(child.pid!), undefined);
  });

  it('parseLock takes a start identity only in its own form', () => {
    const text = formatLock({ pid: 42, since: '2026-12-05T00:00:00.000Z', start: `${BOOT}:77` });
    assert.deepEqual(parseLock(text), { pid: 42, since: '2026-12-05T00:00:00.000Z', start: `${BOOT}:77` });
    assert.equal(parseLock(text.replace(':77', ':x')), undefined);
  });
});
