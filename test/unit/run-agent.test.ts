import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutputTask, Renewal, RenewalContext } from '../../src/agent/output-task.js';
import { OutputStatusBoard } from '../../src/agent/output-status.js';
import { jitteredIntervalMs, retryDelayMs, runAgent } from '../../src/agent/run-agent.js';
import type { BotConfig } from '../../src/config/types.js';
import { RenewalError } from '../../src/errors.js';
import type { Logger } from '../../src/log/logger.js';
import { botConfig } from '../helpers/bot-config.js';

function recordingLogger(lines: string[]): Logger {
  const push = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

const idle = { settled: Promise.resolve(undefined), abort() {}, drain: async () => true };

function config(overrides: Partial<BotConfig>): BotConfig {
  return botConfig({ oneshot: false, credentialTtlMs: 200, renewalIntervalMs: 40, ...overrides });
}

/** A task whose renewals are recorded; `fail` decides, per call (1-based), whether it throws. */
function task(name: string, lifetime: { credentialTtlMs: number; renewalIntervalMs: number }, fail: (call: number) => boolean = () => false) {
  const calls: Date[] = [];
  const value: OutputTask = {
    name,
    kind: 'identity',
    lifetime,
    renew: async ({ now }: RenewalContext): Promise<Renewal> => {
      calls.push(now);
      if (fail(calls.length)) throw new RenewalError(name, 'disk full');
      return { expiresAt: new Date(now.getTime() + lifetime.credentialTtlMs) };
    },
  };
  return { task: value, calls };
}

/**
 * Virtual time: sleep() parks the caller until the clock is advanced past its deadline, so the
 * schedules of several outputs can be followed exactly, without real timers.
 */
class VirtualTime {
  ms = 0;
  private waiters: { at: number; wake: (elapsed: boolean) => void }[] = [];
  now = (): Date => new Date(this.ms);
  sleep = (ms: number, signal: AbortSignal): Promise<boolean> =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve(false);
      const waiter = { at: this.ms + ms, wake: resolve };
      this.waiters.push(waiter);
      signal.addEventListener('abort', () => resolve(false), { once: true });
    });
  /** Wakes sleepers in deadline order until none is due by `limit`. */
  async runUntil(limit: number): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      this.waiters.sort((a, b) => a.at - b.at);
      const next = this.waiters[0];
      if (next === undefined || next.at > limit) return;
      this.waiters.shift();
      this.ms = next.at;
      next.wake(true);
    }
  }
}

const seconds = (dates: Date[]): number[] => dates.map((date) => date.getTime() / 1000);

describe('renewal scheduling', () => {
  it('retries back off 1 s, 2 s, 4 s … capped at 5 minutes and at the renewal interval', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, 20 * 60_000)),
      [1_000, 2_000, 4_000, 8_000],
    );
    assert.equal(retryDelayMs(20, 20 * 60_000), 5 * 60_000);
    assert.equal(retryDelayMs(5, 3_000), 3_000);
  });

  it('jitter only ever renews early, by at most 10%', () => {
    assert.equal(jitteredIntervalMs(1_000, 0), 1_000);
    assert.equal(jitteredIntervalMs(1_000, 0.999999), 900);
  });

  it('one-shot: every output renewed once; any failure exits 1, all good exits 0', async () => {
    const lines: string[] = [];
    const deps = { analytics: idle, logger: recordingLogger(lines), now: () => new Date(), random: () => 0 };
    const good = task('good', { credentialTtlMs: 1_000, renewalIntervalMs: 100 });
    const bad = task('bad', { credentialTtlMs: 1_000, renewalIntervalMs: 100 }, () => true);
    assert.equal(await runAgent(config({ oneshot: true }), { ...deps, tasks: [good.task, bad.task] }, new AbortController().signal), 1);
    assert.equal(good.calls.length, 1);
    assert.equal(bad.calls.length, 1);
    assert.ok(lines.some((line) => line.startsWith('error renewal failed for bad: disk full')));
    assert.ok(lines.some((line) => line.startsWith('info renewal cycle complete {"output":"good"')));
    assert.equal(await runAgent(config({ oneshot: true }), { ...deps, tasks: [good.task] }, new AbortController().signal), 0);
  });

  it("continuous: each output renews on its own interval, and one output's failures do not hold up another", async () => {
    const time = new VirtualTime();
    const fast = task('fast', { credentialTtlMs: 60_000, renewalIntervalMs: 10_000 });
    const slow = task('slow', { credentialTtlMs: 120_000, renewalIntervalMs: 25_000 });
    // Fails on its 2nd to 4th attempts: retries after 1 s, 2 s, 4 s, then back on its 30 s interval.
    const flaky = task('flaky', { credentialTtlMs: 60_000, renewalIntervalMs: 30_000 }, (call) => call >= 2 && call <= 4);
    const board = new OutputStatusBoard([fast.task, slow.task, flaky.task]);
    const stop = new AbortController();
    const lines: string[] = [];
    const running = runAgent(
      config({}),
      { tasks: [fast.task, slow.task, flaky.task], board, analytics: idle, logger: recordingLogger(lines), now: time.now, random: () => 0, sleep: time.sleep },
      stop.signal,
    );
    await time.runUntil(100_000);
    stop.abort();
    assert.equal(await running, 0);
    assert.deepEqual(seconds(fast.calls), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    assert.deepEqual(seconds(slow.calls), [0, 25, 50, 75, 100]);
    assert.deepEqual(seconds(flaky.calls), [0, 30, 31, 33, 37, 67, 97]);
    assert.deepEqual(
      board.list().map(({ name, renewals, failures, state }) => ({ name, renewals, failures, state })),
      [
        { name: 'fast', renewals: 11, failures: 0, state: 'healthy' },
        { name: 'slow', renewals: 5, failures: 0, state: 'healthy' },
        { name: 'flaky', renewals: 4, failures: 3, state: 'healthy' },
      ],
    );
    assert.ok(
      lines.some((line) => line.startsWith('warn renewal attempt 3 failed; retrying in 4s {"output":"flaky"}')),
      lines.join('\n'),
    );
  });

  it('continuous: the wall clock jumping 30 days either way changes nothing about when renewals run', async () => {
    // The waits are relative (sleep, on the monotonic clock); the wall clock only stamps the credentials.
    const time = new VirtualTime();
    let wallOffsetMs = 0;
    const wall = (): Date => new Date(time.ms + wallOffsetMs);
    const out = task('out', { credentialTtlMs: 60_000, renewalIntervalMs: 10_000 });
    const stop = new AbortController();
    const running = runAgent(config({}), { tasks: [out.task], analytics: idle, logger: recordingLogger([]), now: wall, random: () => 0, sleep: time.sleep }, stop.signal);
    await time.runUntil(25_000);
    wallOffsetMs = 30 * 86_400_000;
    await time.runUntil(45_000);
    wallOffsetMs = -30 * 86_400_000;
    await time.runUntil(65_000);
    stop.abort();
    assert.equal(await running, 0);
    assert.equal(out.calls.length, 7, 'renewals at 0, 10 … 60 s of monotonic time');
  });

  it('continuous: an interval past the 2^31-1 ms timer limit waits instead of renewing every millisecond', async () => {
    const huge = 2 ** 31 + 60_000;
    const { task: long, calls } = task('long', { credentialTtlMs: huge * 2, renewalIntervalMs: huge });
    const stop = new AbortController();
    const running = runAgent(config({}), { tasks: [long], analytics: idle, logger: recordingLogger([]), now: () => new Date(), random: () => 0 }, stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop.abort();
    assert.equal(await running, 0);
    assert.equal(calls.length, 1);
  });

  it('continuous with no outputs waits for the stop signal instead of exiting', async () => {
    const stop = new AbortController();
    let finished = false;
    const running = runAgent(config({}), { tasks: [], analytics: idle, logger: recordingLogger([]), now: () => new Date(), random: () => 0 }, stop.signal).then((code) => {
      finished = true;
      return code;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(finished, false);
    stop.abort();
    assert.equal(await running, 0);
  });

  // Bounded by the test's own timeout, not by a guess at how long a busy machine takes.
  it('continuous: after a success, failures are retried, each attempt logged, and expiry is warned about', { timeout: 30_000 }, async () => {
    const { task: failing } = task('destination', { credentialTtlMs: 1_000, renewalIntervalMs: 40 }, (call) => call > 1);
    const lines: string[] = [];
    const logger = recordingLogger(lines);
    // The agent is stopped once it has reported the expiry, the last thing the test looks for.
    let expiryReported: () => void = () => {};
    const expired = new Promise<void>((resolve) => {
      expiryReported = resolve;
    });
    const record = logger.warn;
    logger.warn = (message, fields) => {
      record(message, fields);
      if (message.startsWith('credentials have expired')) expiryReported();
    };
    const stop = new AbortController();
    const running = runAgent(config({}), { tasks: [failing], analytics: idle, logger, now: () => new Date(), random: () => 0 }, stop.signal);
    // Interval 40 ms caps the backoff, so attempts come every ~40 ms: several fall in the last 10%
    // (100 ms) of the 1 s credentials, and some after they expire.
    await expired;
    stop.abort();
    assert.equal(await running, 0);
    assert.ok(lines.some((line) => line.startsWith('warn renewal attempt 1 failed; retrying in 40ms')));
    assert.ok(lines.some((line) => line.startsWith('warn renewal attempt 2 failed')));
    assert.ok(
      lines.some((line) => line.startsWith('warn credentials expire soon')),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((line) => line.startsWith('warn credentials have expired')),
      lines.join('\n'),
    );
  });
});
