/**
 * /readyz bodies, in tbot's shape: an overall status and one entry per output (service), each with
 * its status, the reason when there is one, and when it last changed. Ready means every output is
 * healthy; an output that has not been renewed yet is `initializing`.
 */
import type { OutputStatus } from '../agent/output-status.js';

export interface ServiceHealth {
  status: OutputStatus['state'];
  reason?: string;
  updated_at?: string;
}

export interface ReadyzBody {
  status: 'healthy' | 'unhealthy';
  services: Record<string, ServiceHealth>;
}

export function serviceHealth(status: Readonly<OutputStatus>): ServiceHealth {
  return {
    status: status.state,
    ...(status.reason === undefined ? {} : { reason: status.reason }),
    ...(status.updatedAt === undefined ? {} : { updated_at: status.updatedAt.toISOString() }),
  };
}

export function readyzBody(outputs: readonly Readonly<OutputStatus>[]): ReadyzBody {
  return {
    status: outputs.every((status) => status.state === 'healthy') ? 'healthy' : 'unhealthy',
    services: Object.fromEntries(outputs.map((status) => [status.name, serviceHealth(status)])),
  };
}
