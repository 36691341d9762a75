/**
 * What the agent holds of its analytics: a handle on the session session.ts launches when consent
 * is on, or the idle one when it is off. Apart from session.ts so that the agent, and an agent run
 * with analytics off, load none of the reporting code.
 */

/** How long a one-shot run that has finished its work waits for the send. Documented in docs/analytics.md. */
export const ONE_SHOT_GRACE_MS = 1_000;

export interface AnalyticsSession {
  /** Settles when the start event's send has ended, however it ended. Never rejects. */
  readonly settled: Promise<void>;
  /** Gives up on the start send and stops the heartbeats at once (closing their sockets). */
  abort(): void;
  /**
   * Waits until the send has had `graceMs` since it was launched (so never longer than `graceMs`
   * from now), or until `stop` aborts, then abandons it. Returns whether it had finished in time.
   */
  drain(graceMs: number, stop: AbortSignal): Promise<boolean>;
}

/** Analytics off: nothing to wait for or stop. */
export const IDLE_SESSION: AnalyticsSession = { settled: Promise.resolve(), abort() {}, drain: async () => true };
