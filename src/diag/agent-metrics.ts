/** The agent's /metrics: renewals, failures and time left per output, and the process start time. */
import type { OutputStatus } from '../agent/output-status.js';
import type { MetricFamily } from './prometheus-text.js';

export function agentMetricFamilies(outputs: readonly Readonly<OutputStatus>[], now: Date, processStartedAt: Date): MetricFamily[] {
  const labels = (status: Readonly<OutputStatus>) => ({ output: status.name, kind: status.kind });
  return [
    {
      name: 'tbot_output_renewals_total',
      help: 'Successful renewals of an output since the agent started.',
      type: 'counter',
      samples: outputs.map((status) => ({ labels: labels(status), value: status.renewals })),
    },
    {
      name: 'tbot_output_renewal_failures_total',
      help: 'Failed renewal attempts of an output since the agent started.',
      type: 'counter',
      samples: outputs.map((status) => ({ labels: labels(status), value: status.failures })),
    },
    {
      name: 'tbot_output_healthy',
      help: 'Whether the last renewal attempt of an output succeeded (1) or not (0); 0 until its first renewal.',
      type: 'gauge',
      samples: outputs.map((status) => ({ labels: labels(status), value: status.state === 'healthy' ? 1 : 0 })),
    },
    {
      name: 'tbot_output_time_to_expiry_seconds',
      help: 'Seconds until the credentials in place for an output expire (negative once expired); absent before its first renewal.',
      type: 'gauge',
      samples: outputs.flatMap((status) => (status.expiresAt === undefined ? [] : [{ labels: labels(status), value: (status.expiresAt.getTime() - now.getTime()) / 1000 }])),
    },
    {
      name: 'process_start_time_seconds',
      help: 'Start time of the process since the Unix epoch, in seconds.',
      type: 'gauge',
      samples: [{ value: processStartedAt.getTime() / 1000 }],
    },
  ];
}
