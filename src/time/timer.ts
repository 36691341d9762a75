/**
 * The clock and timer every schedule in the project uses. Two facts of Node make them necessary:
 * - Date.now() follows the wall clock, which NTP, an operator or a VM restore can move by days in
 *   either direction. Anything that measures "how long until" must use a monotonic clock instead.
 * - setTimeout takes a signed 32-bit delay: anything above 2^31-1 ms (about 24.8 days) is replaced
 *   by 1 ms, so a long delay fires at once and whatever re-arms it spins.
 */

/** The longest delay a Node timer honours. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A monotonic clock in ms; process.hrtime rather than performance.now, which loads perf_hooks on first use. */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** A delay setTimeout will honour: 0 for negative or NaN, MAX_TIMER_DELAY_MS for anything longer (Infinity too). */
export function clampTimerDelay(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(Math.ceil(ms), MAX_TIMER_DELAY_MS);
}

/** Cancels an armed timer; calling it after the timer fired does nothing. */
export type CancelTimer = () => void;

/**
 * A monotonic clock and one-shot timers on it: what a schedule needs, passed in so tests can run
 * a month of schedule against a clock they move by hand.
 */
export interface TimerHost {
  monotonicMs(): number;
  /**
   * Calls `callback` after about `ms` (clamped by clampTimerDelay, so a long delay fires early,
   * never at once: callers re-check the clock). `keepsAlive: false` lets the process exit meanwhile.
   */
  setTimer(callback: () => void, ms: number, keepsAlive?: boolean): CancelTimer;
}

export const realTimers: TimerHost = {
  monotonicMs,
  setTimer(callback, ms, keepsAlive = true) {
    const timer = setTimeout(callback, clampTimerDelay(ms));
    if (!keepsAlive) timer.unref();
    return () => clearTimeout(timer);
  },
};
