/** The dashboard as the collector's listener takes it: the paths it owns and its handler, with the built report worker. */
import { REPORT_WORKER } from '../report/worker-url.js';
import { createDashboard, isDashboardPath, type DashboardOptions } from './handler.js';

export function dashboardPages(options: Omit<DashboardOptions, 'workerUrl'>): { owns(path: string): boolean; handle: ReturnType<typeof createDashboard> } {
  return { owns: isDashboardPath, handle: createDashboard({ ...options, workerUrl: REPORT_WORKER }) };
}
