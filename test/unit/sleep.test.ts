import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { MAX_TIMER_DELAY_MS, sleep } from '../../src/time/sleep.js';
import { clampTimerDelay, realTimers } from '../../src/time/timer.js';

const settledWithin = async (promise: Promise<unknown>, ms: number): Promise<boolean> => {
  let settled = false;
  void promise.then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, ms));
  return settled;
};

describe('sleep', () => {
  it('a wait past the 2^31-1 ms timer limit does not end early, and abort ends it', async () => {
    // A bare setTimeout with this delay fires after 1 ms.
    const stop = new AbortController();
    const waiting = sleep(MAX_TIMER_DELAY_MS + 60_000, stop.signal);
    assert.equal(await settledWithin(waiting, 200), false);
    stop.abort();
    assert.equal(await waiting, false);
  });

  it('waits made of several capped steps still last the whole time', async () => {
    const started = performance.now();
    assert.equal(await sleep(150, undefined, { maxStepMs: 20 }), true);
    assert.ok(performance.now() - started >= 149, `returned after ${performance.now() - started} ms`);
  });

  it('Infinity waits until aborted; an already aborted signal returns at once', async () => {
    const stop = new AbortController();
    const waiting = sleep(Number.POSITIVE_INFINITY, stop.signal);
    assert.equal(await settledWithin(waiting, 50), false);
    stop.abort();
    assert.equal(await waiting, false);
    assert.equal(await sleep(10_000, stop.signal), false);
  });

  it('zero and negative waits resolve true; NaN is refused', async () => {
    assert.equal(await sleep(0), true);
    assert.equal(await sleep(-5), true);
    await assert.rejects(sleep(Number.NaN), RangeError);
  });
});

describe('sleep, woken early again and again', () => {
  const timers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;

  it('resolves true after the time, false at once when aborted, and leaves no timer or listener behind', async () => {
    assert.equal(await sleep(10), true);
    const baseline = timers();
    const signal = new AbortController();
    const waits = Array.from({ length: 50 }, () => sleep(60_000, signal.signal));
    assert.equal(timers(), baseline + 50);
    signal.abort();
    assert.deepEqual(new Set(await Promise.all(waits)), new Set([false]));
    assert.equal(timers(), baseline, 'every timer was cleared');
    // Waits that run their course on one long-lived signal leave no listener on it (Node warns past 10).
    const longLived = new AbortController();
    for (let i = 0; i < 20; i += 1) assert.equal(await sleep(1, longLived.signal), true);
    assert.equal(getEventListeners(longLived.signal, 'abort').length, 0);
    assert.equal(timers(), baseline);
    assert.equal(await sleep(60_000, AbortSignal.abort()), false, 'an aborted signal ends it at once');
  });
});

describe('timer delays are clamped to what setTimeout honours', () => {
  it('negative, NaN and fractions round into 0 … 2^31-1; longer and Infinity become 2^31-1', () => {
    const rows: [number, number][] = [
      [-5, 0],
      [Number.NaN, 0],
      [0, 0],
      [0.2, 1],
      [1_000, 1_000],
      [MAX_TIMER_DELAY_MS, MAX_TIMER_DELAY_MS],
      [MAX_TIMER_DELAY_MS + 1, MAX_TIMER_DELAY_MS],
      [30 * 86_400_000, MAX_TIMER_DELAY_MS],
      [Number.POSITIVE_INFINITY, MAX_TIMER_DELAY_MS],
    ];
    for (const [ms, clamped] of rows) assert.equal(clampTimerDelay(ms), clamped, String(ms));
  });

  it('a real timer asked for 30 days does not fire at once (a bare setTimeout would, after 1 ms)', async () => {
    let fired = false;
    const cancel = realTimers.setTimer(() => (fired = true), 30 * 86_400_000);
    // A 1 ms timer armed earlier always runs before this later, longer one.
    await new Promise((resolve) => setTimeout(resolve, 20));
    cancel();
    assert.equal(fired, false);
  });
});
