/**
 * A TimerHost whose monotonic clock moves only when a test says so. Like Node, a timer asked for
 * more than 2^31-1 ms (or less than 1) fires after 1 ms, so a schedule that forgets to clamp
 * storms here as it would for real; every delay asked for is kept for the test to inspect.
 */
import { MAX_TIMER_DELAY_MS, type TimerHost } from '../../src/time/timer.js';

interface Pending {
  at: number;
  callback: () => void;
  cancelled: boolean;
}

export class ManualTimers implements TimerHost {
  private nowMs = 0;
  private pending: Pending[] = [];
  /** Every delay passed to setTimer, in order. */
  readonly delays: number[] = [];
  /** How many timer callbacks have run. */
  fired = 0;

  monotonicMs = (): number => this.nowMs;

  setTimer = (callback: () => void, ms: number): (() => void) => {
    this.delays.push(ms);
    // Node's rule for a delay it cannot honour (lib/internal/timers.js): 1 ms.
    const delay = ms >= 1 && ms <= MAX_TIMER_DELAY_MS ? ms : 1;
    const timer: Pending = { at: this.nowMs + delay, callback, cancelled: false };
    this.pending.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };

  /**
   * Moves the clock to `nowMs + ms`, running each timer that falls due on the way at its own
   * time. `maxFires` bounds a runaway schedule so a storm fails the test instead of hanging it.
   */
  advance(ms: number, maxFires = 100_000): void {
    const until = this.nowMs + ms;
    for (let fires = 0; fires < maxFires; fires += 1) {
      this.pending = this.pending.filter((timer) => !timer.cancelled);
      this.pending.sort((a, b) => a.at - b.at);
      const next = this.pending[0];
      if (next === undefined || next.at > until) break;
      this.pending.shift();
      this.nowMs = Math.max(this.nowMs, next.at);
      this.fired += 1;
      next.callback();
    }
    this.nowMs = Math.max(this.nowMs, until);
  }

  /** The process was stopped (SIGSTOP, a paused VM) for `ms`: the clock moves, nothing fires until it is back. */
  stall(ms: number): void {
    this.nowMs += ms;
  }

  /** Timers armed and not yet fired or cancelled. */
  armed(): number {
    return this.pending.filter((timer) => !timer.cancelled).length;
  }
}
