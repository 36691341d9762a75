/**
 * A cancellable sleep that also handles long waits. Node's timers take a signed 32-bit delay: any
 * delay above 2^31-1 ms (about 24.8 days) is silently replaced by 1 ms, so a long wait would return
 * at once and whatever loops on it would spin. Long waits are therefore made of capped steps, each
 * re-checking the time left against a monotonic clock.
 */
import { clampTimerDelay, MAX_TIMER_DELAY_MS, monotonicMs } from './timer.js';

export { MAX_TIMER_DELAY_MS };

export interface SleepOptions {
  /** Longest single timer; only tests lower it, to exercise the chaining. */
  maxStepMs?: number;
}

/**
 * Waits `ms` milliseconds (Infinity waits until aborted). Resolves true when the time has passed,
 * false as soon as `signal` aborts; never rejects for an abort. However it ends, the timer is
 * cleared and the abort listener removed at once, so a loop woken early again and again leaves
 * nothing piling up on a long-lived signal.
 */
export function sleep(ms: number, signal?: AbortSignal, options: SleepOptions = {}): Promise<boolean> {
  if (Number.isNaN(ms)) return Promise.reject(new RangeError('sleep: the delay is NaN'));
  const maxStepMs = Math.min(options.maxStepMs ?? MAX_TIMER_DELAY_MS, MAX_TIMER_DELAY_MS);
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve(false);
    const deadline = monotonicMs() + Math.max(0, ms);
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(false);
    };
    const step = (): void => {
      const left = deadline - monotonicMs();
      if (left <= 0) {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
        return;
      }
      timer = setTimeout(step, Math.min(clampTimerDelay(left), maxStepMs));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    step();
  });
}
