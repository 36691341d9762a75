/**
 * Generated Connect and Discover data sets whose report answers are known by construction (worked
 * out in the comments), for the report tests at unit and end-to-end level.
 */
import { connectEventSpec } from '../../src/protocol/connect-wire.js';
import { connectRequest, discoverRequest, discoverStep } from './usage-events.js';

const DAY_MS = 86_400_000;
const S = 1000;

/** Noon UTC `daysAgo` days before `now`. */
export const noonDaysAgo = (now: Date, daysAgo: number): Date => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - daysAgo * DAY_MS + 12 * 3_600_000);

/**
 * Discover runs, sent as SubmitEventRequests:
 * - 10 server runs: all start (t0) and select a resource (t0+60 s); runs 0-7 deploy the agent at
 *   t0+60+30(i+1) s (so deploy times are 30, 60, ..., 240 s); runs 8-9 abort at deploy. Runs 0-5 set
 *   up access 20 s later; runs 6 and 7 fail there (one and two "permission denied" errors). Runs 0-4
 *   pass the connection test 10 s later; run 5 fails it with a text naming an address, which the
 *   collector redacts. Runs 0-3 complete 5 s later: start to completion 125, 155, 185, 215 s.
 * - 4 self-hosted postgres runs through eight steps, 10 s apart, deploy skipped in two of them: all
 *   complete in 70 s.
 * - 3 runs that only start; one of them aborts at resource selection without naming a resource.
 */
export function discoverDataset(now: Date): { requests: Record<string, unknown>[]; runIds: string[] } {
  const requests: Record<string, unknown>[] = [];
  const runIds: string[] = [];
  const t0 = noonDaysAgo(now, 2).getTime();
  const at = (ms: number): string => new Date(ms).toISOString();
  const send = (label: string, runId: string, when: number, options: { resource?: string; status?: string; error?: string } = {}): void => {
    requests.push(discoverRequest(discoverStep(label), { runId, timestamp: at(when), ...options }));
  };
  for (let i = 0; i < 10; i += 1) {
    const runId = crypto.randomUUID();
    runIds.push(runId);
    const start = t0 + i * 3_600 * S;
    send('started', runId, start);
    send('resource selection', runId, start + 60 * S);
    if (i >= 8) {
      send('deploy agent', runId, start + 200 * S, { status: 'DISCOVER_STATUS_ABORTED' });
      continue;
    }
    const deployed = start + (60 + 30 * (i + 1)) * S;
    send('deploy agent', runId, deployed);
    if (i === 6 || i === 7) {
      for (let attempt = 0; attempt < i - 5; attempt += 1)
        send('set up access', runId, deployed + (5 + attempt) * S, { status: 'DISCOVER_STATUS_ERROR', error: 'permission denied for this role' });
      continue;
    }
    send('set up access', runId, deployed + 20 * S);
    if (i === 5) {
      send('test connection', runId, deployed + 30 * S, { status: 'DISCOVER_STATUS_ERROR', error: 'connection refused by 10.1.2.3:22' });
      continue;
    }
    send('test connection', runId, deployed + 30 * S);
    if (i < 4) send('completed', runId, deployed + 35 * S);
  }
  const postgres = 'DISCOVER_RESOURCE_DATABASE_POSTGRES_SELF_HOSTED';
  for (let i = 0; i < 4; i += 1) {
    const runId = crypto.randomUUID();
    runIds.push(runId);
    const start = t0 + (40 + i) * 3_600 * S;
    const labels = ['started', 'resource selection', 'register database', 'deploy agent', 'configure mTLS', 'set up access', 'test connection', 'completed'];
    for (const [index, label] of labels.entries()) {
      send(label, runId, start + index * 10 * S, { resource: postgres, status: label === 'deploy agent' && i < 2 ? 'DISCOVER_STATUS_SKIPPED' : 'DISCOVER_STATUS_SUCCESS' });
    }
  }
  for (let i = 0; i < 3; i += 1) {
    const runId = crypto.randomUUID();
    runIds.push(runId);
    send('started', runId, t0 + (50 + i) * 3_600 * S);
    if (i === 0) send('resource selection', runId, t0 + (50 + i) * 3_600 * S + 30 * S, { resource: 'DISCOVER_RESOURCE_UNSPECIFIED', status: 'DISCOVER_STATUS_ABORTED' });
  }
  return { requests, runIds };
}

/**
 * Connect activity over the last 14 days (day k = 13 - k days ago):
 * - installation A: every day a connect.start (darwin, 17.0.1) and a tab (doc.terminal_shell);
 *   two github logins on day 0;
 * - B: on even days a tab (doc.gateway); one connect.start (linux, 17.0.0) and one saml login on day 0;
 * - C: days 10-13 a connections-picker selection (connection.server); one start (win32, 17.0.1) on day 10;
 * - D: a single workspace change on day 0.
 * So DAU by day is 3,1,2,1,2,1,2,1,2,1,3,2,3,2, the mean DAU of the last 7 days is 14/7 = 2 against
 * 12/7 the week before.
 */
export const CONNECT_MEMBERS = { A: crypto.randomUUID(), B: crypto.randomUUID(), C: crypto.randomUUID(), D: crypto.randomUUID() };

export function connectDataset(now: Date): { prehog: Record<string, unknown>[]; extra: Record<string, unknown>[]; activeByDay: string[][] } {
  const prehog: Record<string, unknown>[] = [];
  const extra: Record<string, unknown>[] = [];
  const activeByDay: string[][] = [];
  const spec = (member: string) => connectEventSpec(member)!;
  const make = (member: string, id: string, day: number, patch: Record<string, unknown> = {}): Record<string, unknown> => {
    const request = connectRequest(spec(member), id, new Date(noonDaysAgo(now, 13 - day).getTime() + prehog.length + extra.length).toISOString());
    Object.assign(request[member] as object, patch);
    return request;
  };
  const { A, B, C, D } = CONNECT_MEMBERS;
  for (let day = 0; day < 14; day += 1) {
    const active = [A];
    extra.push(make('start', A, day, { os: 'darwin', connectVersion: '17.0.1' }), make('tabOpen', A, day, { tabKind: 'doc.terminal_shell' }));
    if (day % 2 === 0) {
      active.push(B);
      extra.push(make('tabOpen', B, day, { tabKind: 'doc.gateway' }));
    }
    if (day >= 10) {
      active.push(C);
      extra.push(make('connectionsPickerItemSelect', C, day, { connectionKind: 'connection.server' }));
    }
    if (day === 10) extra.push(make('start', C, day, { os: 'win32', connectVersion: '17.0.1' }));
    if (day === 0) {
      active.push(D);
      prehog.push(
        make('clusterLogin', A, day, { connectorType: 'github' }),
        make('clusterLogin', A, day, { connectorType: 'github' }),
        make('clusterLogin', B, day, { connectorType: 'saml' }),
      );
      extra.push(make('start', B, day, { os: 'linux', connectVersion: '17.0.0' }), make('workspaceChange', D, day));
    }
    activeByDay.push(active);
  }
  return { prehog, extra, activeByDay };
}
