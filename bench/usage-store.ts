/**
 * Writes a store of stored records as the collector writes them (one segment per day), mixing the
 * three families in given proportions, with shapes close to real use: Connect events from a pool
 * of installations, Discover events grouped into wizard runs that pass, fail or abort steps.
 * Deterministic (a seeded generator), so runs of the benchmark compare.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { anonymize } from '../src/protocol/anonymized.js';
import { CONNECT_EVENTS } from '../src/protocol/connect-wire.js';
import { DISCOVER_STEPS } from '../src/protocol/discover-wire.js';
import { eventUuid } from '../src/collector/store/event-identity.js';
import { segmentName } from '../src/collector/store/segments.js';
import { mulberry32 as random, seededUuid as uuid } from '../examples/shared/prng.js';
import { connectEventBody, discoverRequest } from '../test/helpers/usage-events.js';

export interface Mix {
  tbot: number;
  connect: number;
  discover: number;
}

const CLUSTERS = Array.from({ length: 40 }, (_, index) => anonymize('bench-key', `cluster-${index}`));
const USERS = Array.from({ length: 200 }, (_, index) => anonymize('bench-key', `user-${index}`));
const FLOWS: Record<string, string[]> = {
  DISCOVER_RESOURCE_SERVER: ['started', 'resource selection', 'deploy agent', 'set up access', 'test connection', 'completed'],
  DISCOVER_RESOURCE_KUBERNETES: ['started', 'resource selection', 'deploy agent', 'set up access', 'test connection', 'completed'],
  DISCOVER_RESOURCE_DATABASE_POSTGRES_SELF_HOSTED: [
    'started',
    'resource selection',
    'register database',
    'deploy agent',
    'configure mTLS',
    'set up access',
    'test connection',
    'completed',
  ],
  DISCOVER_RESOURCE_DATABASE_POSTGRES_RDS: [
    'started',
    'resource selection',
    'AWS OIDC integration',
    'enroll RDS',
    'deploy agent',
    'configure IAM policy',
    'set up access',
    'test connection',
    'completed',
  ],
  DISCOVER_RESOURCE_APPLICATION_HTTP: ['started', 'resource selection', 'deploy agent', 'test connection', 'completed'],
  DISCOVER_RESOURCE_WINDOWS_DESKTOP: ['started', 'resource selection', 'deploy agent', 'install AD tools', 'configure AD', 'auto-discovered resources', 'completed'],
};
const STEP_BY_LABEL = new Map(DISCOVER_STEPS.map((step) => [step.label, step]));
/**
 * The fields some steps' messages require besides metadata, resource and status (a deploy method, a
 * resource count), as the tests' valid samples carry them: a line the shipper's re-check refuses
 * would be in the segments and not in PostgreSQL.
 */
const STEP_EXTRAS = new Map(
  DISCOVER_STEPS.map((step) => {
    const { metadata: _metadata, status: _status, resource: _resource, ...extras } = discoverRequest(step)[step.member] as Record<string, unknown>;
    return [step.member, extras];
  }),
);
const ERRORS = ['timed out waiting for the agent', 'permission denied', 'redacted', 'connection refused'];
const ERROR_CLASS: Record<string, string> = {
  'timed out waiting for the agent': 'timeout',
  'permission denied': 'permission',
  redacted: 'connection',
  'connection refused': 'connection',
};
const CONNECT_BODIES: Record<string, (next: () => number) => Record<string, unknown>> = {};
for (const spec of CONNECT_EVENTS) {
  // Every field the member's contract requires (from the tests' valid samples), then the varied ones,
  // so that every line ships (see STEP_EXTRAS).
  const required = connectEventBody(spec.member);
  CONNECT_BODIES[spec.member] = (next) => {
    const body: Record<string, unknown> = { ...required };
    for (const field of Object.keys(spec.sensitive))
      body[field] =
        field === 'userName' ? USERS[Math.floor(next() * USERS.length)] : field === 'leafClusterName' && next() < 0.7 ? '' : CLUSTERS[Math.floor(next() * CLUSTERS.length)];
    if (spec.member === 'start')
      Object.assign(body, {
        os: ['darwin', 'linux', 'win32'][Math.floor(next() * 3)],
        arch: 'x64',
        osVersion: '23.4.0',
        connectVersion: ['16.4.0', '17.0.0', '17.0.1'][Math.floor(next() * 3)],
      });
    if (spec.member === 'tabOpen') body['tabKind'] = ['doc.terminal_shell', 'doc.gateway', 'doc.cluster', 'doc.terminal_tsh_node'][Math.floor(next() * 4)];
    if (spec.member === 'connectionsPickerItemSelect') body['connectionKind'] = ['connection.server', 'connection.gateway', 'connection.kube'][Math.floor(next() * 3)];
    if (spec.member === 'clusterLogin')
      Object.assign(body, { connectorType: ['local', 'github', 'saml', 'oidc'][Math.floor(next() * 4)], arch: 'arm64', os: 'darwin', osVersion: '23.4.0', appVersion: '17.0.1' });
    return body;
  };
}

/**
 * `withIdentities` gives every line its uuid, as the store writes lines now; without it (what the
 * report benchmarks were measured on) the lines are as the store wrote them before identities.
 */
export async function writeUsageStore(dir: string, total: number, mix: Mix, installations = 5_000, now = new Date(), withIdentities = false): Promise<void> {
  await mkdir(dir, { recursive: true });
  const next = random(42);
  const ids = Array.from({ length: installations }, () => uuid(next));
  const weight = mix.tbot + mix.connect + mix.discover;
  const perDay = Math.ceil(total / 30);
  let written = 0;
  for (let day = 0; day < 30 && written < total; day += 1) {
    const dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - day * 86_400_000;
    const out = createWriteStream(join(dir, segmentName(new Date(dayStart))));
    const write = async (family: string, at: number, event: unknown): Promise<void> => {
      const stamp = new Date(Math.min(at + 2_000, dayStart + 86_399_000)).toISOString();
      const record = { received_at: stamp, family, event };
      const line = withIdentities ? JSON.stringify({ ...record, uuid: eventUuid(family, event) }) : JSON.stringify(record);
      if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      written += 1;
    };
    for (let count = 0; count < perDay && written < total; ) {
      const pick = next() * weight;
      const at = dayStart + Math.floor(next() * 82_800_000);
      if (pick < mix.tbot) {
        await write('tbot', at, {
          distinctId: uuid(next),
          timestamp: new Date(at).toISOString(),
          start: {
            runMode: next() < 0.6 ? 'RUN_MODE_ONE_SHOT' : 'RUN_MODE_DAEMON',
            version: '1.2.3',
            joinType: ['github', 'iam', 'gitlab', 'kubernetes'][Math.floor(next() * 4)],
            destinationsOther: 1,
            destinationsDatabase: 0,
            destinationsKubernetes: 1,
            destinationsApplication: 0,
          },
        });
        count += 1;
      } else if (pick < mix.tbot + mix.connect) {
        const spec = CONNECT_EVENTS[Math.floor(next() * CONNECT_EVENTS.length)]!;
        await write('connect', at, {
          distinctId: ids[Math.floor(next() ** 2 * ids.length)],
          timestamp: new Date(at).toISOString(),
          [spec.member]: CONNECT_BODIES[spec.member]!(next),
        });
        count += 1;
      } else {
        // One wizard run: its steps in order, a few seconds to minutes apart; a step may fail, be retried, or end the run.
        const resources = Object.keys(FLOWS);
        const resource = resources[Math.floor(next() * resources.length)]!;
        const runId = uuid(next);
        let time = at;
        for (const label of FLOWS[resource]!) {
          const step = STEP_BY_LABEL.get(label)!;
          const roll = next();
          const status = roll < 0.85 ? 'DISCOVER_STATUS_SUCCESS' : roll < 0.93 ? 'DISCOVER_STATUS_ERROR' : 'DISCOVER_STATUS_ABORTED';
          const error = status === 'DISCOVER_STATUS_ERROR' ? ERRORS[Math.floor(next() * ERRORS.length)]! : '';
          time += Math.floor(5_000 + next() * 240_000);
          const event: Record<string, unknown> = {
            metadata: { id: runId, userName: USERS[Math.floor(next() * USERS.length)], sso: false },
            status: { status, error, errorClass: error === '' ? 'none' : ERROR_CLASS[error] },
          };
          if (label !== 'started') event['resource'] = { resource };
          Object.assign(event, STEP_EXTRAS.get(step.member));
          await write('discover', time, { clusterName: CLUSTERS[0], timestamp: new Date(time).toISOString(), teleportVersion: '17.0.1', [step.member]: event });
          count += 1;
          if (status !== 'DISCOVER_STATUS_SUCCESS') break;
        }
      }
    }
    await new Promise<void>((resolve) => out.end(resolve));
  }
}
