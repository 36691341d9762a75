/**
 * Renewal outcomes counted for the heartbeat. Apart from heartbeat.ts so that an agent with
 * analytics off, which still counts, loads none of the reporting code.
 */
import type { OutputTask } from '../agent/output-task.js';

/** Renewal outcomes since the last time they were taken. */
export class RenewalTally {
  private renewals = 0;
  private failures = 0;
  renewed(): void {
    this.renewals += 1;
  }
  failed(): void {
    this.failures += 1;
  }
  take(): { renewals: number; failures: number } {
    const counts = { renewals: this.renewals, failures: this.failures };
    this.renewals = 0;
    this.failures = 0;
    return counts;
  }
}

/** The same tasks, each renewal counted in `tally` (a renewal is one output renewed once). */
export function countRenewals(tasks: readonly OutputTask[], tally: RenewalTally): OutputTask[] {
  return tasks.map((task) => ({
    name: task.name,
    kind: task.kind,
    lifetime: task.lifetime,
    renew: async (context) => {
      try {
        const renewal = await task.renew(context);
        if (renewal !== undefined) tally.renewed();
        return renewal;
      } catch (error) {
        tally.failed();
        throw error;
      }
    },
  }));
}
