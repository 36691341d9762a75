/**
 * A wait that can be cut short and leaves nothing behind either way. node:timers/promises' delay
 * keeps its timer and its abort listener until the full time has passed even when the caller has
 * stopped waiting (for instance after losing a Promise.race), so a loop woken early again and
 * again piles them up on one long-lived signal (MaxListenersExceededWarning). Here the timer is
 * cleared and the listener removed the moment the wait ends, whichever way it ends.
 */

/** setTimeout's largest delay; longer waits are chained so they never overflow to 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Resolves true when `ms` has passed, false as soon as `signal` aborts (at once if it already has). Never rejects. */
export function interruptibleDelay(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const deadline = Date.now() + Math.max(0, ms);
    let timer: NodeJS.Timeout;
    const finish = (elapsed: boolean): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(elapsed);
    };
    const onAbort = (): void => finish(false);
    const arm = (): void => {
      const left = deadline - Date.now();
      timer = setTimeout(() => (left > MAX_TIMER_MS ? arm() : finish(true)), Math.min(Math.max(0, left), MAX_TIMER_MS));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    arm();
  });
}
