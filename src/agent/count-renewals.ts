/**
 * The agent's tasks with each renewal counted in the heartbeat's tally. The tally is analytics';
 * wrapping the tasks is the agent's, so analytics needs no agent type.
 */
import type { RenewalTally } from '../analytics/renewal-tally.js';
import type { OutputTask } from './output-task.js';

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
