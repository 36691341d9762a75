import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TIMER_DELAY_MS, sleep } from '../../src/time/sleep.js';

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
