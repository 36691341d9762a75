/**
 * A cancellable sleep that also handles long waits. Node's timers take a signed 32-bit delay: any
 * delay above 2^31-1 ms (about 24.8 days) is silently replaced by 1 ms, so a long wait would return
 * at once and whatever loops on it would spin. Long waits are therefore made of capped steps, each
 * re-checking the time left against a monotonic clock.
 */

/** The longest delay a Node timer honours. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export interface SleepOptions {
  /** Longest single timer; only tests lower it, to exercise the chaining. */
  maxStepMs?: number;
}

/**
 * Waits `ms` milliseconds (Infinity waits until aborted). Resolves true when the time has passed,
 * false as soon as `signal` aborts; never rejects for an abort.
 */
/** A monotonic clock in ms; process.hrtime rather than performance.now, which loads perf_hooks on first use. */
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export function sleep(ms: number, signal?: AbortSignal, options: SleepOptions = {}): Promise<boolean> {
  if (Number.isNaN(ms)) return Promise.reject(new RangeError('sleep: the delay is NaN'));
  const maxStepMs = Math.min(options.maxStepMs ?? MAX_TIMER_DELAY_MS, MAX_TIMER_DELAY_MS);
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve(false);
    const deadline = monotonicMs() + Math.max(0, ms);
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const step = (): void => {
      const left = deadline - monotonicMs();
      if (left <= 0) {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
        return;
      }
      timer = setTimeout(step, Math.min(Math.ceil(left), maxStepMs));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    step();
  });
}
