/**
 * Reports from PostgreSQL: a collector with --store ships every family to the shared store, and
 * each `report … --store` then prints, byte for byte in --format json, what the same report prints
 * over the collector's own segments, for several windows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { IngestService } from '../../src/collector/ingest/service.js';
import { teleportEventServices } from '../../src/collector/ingest/services/teleport-events.js';
import { recordUuid } from '../../src/collector/store/event-identity.js';
import { SegmentStore } from '../../src/collector/store/segment-store.js';
import { SUBMIT_CONNECT_EVENT_PATH, SUBMIT_CONNECT_EXTRA_EVENTS_PATH } from '../../src/protocol/connect-wire.js';
import { SUBMIT_EVENTS_PATH } from '../../src/protocol/discover-wire.js';
import { SUBMIT_HEARTBEAT_PATH } from '../../src/protocol/heartbeat-wire.js';
import { eventually, runCollector, startCollector, storedLines, submit, tbotEvent, type RunningCollector } from '../helpers/collector-process.js';
import { connectDataset, discoverDataset, noonDaysAgo } from '../helpers/known-datasets.js';
import { startPostgres, type PgServer } from '../helpers/postgres.js';
import { anon } from '../helpers/usage-events.js';
import { storeUsageReports, type ReportSpec } from '../helpers/usage-reports.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const NOW = new Date();
const daysAgo = (days: number): string => noonDaysAgo(NOW, days).toISOString();
const thisMonth = NOW.toISOString().slice(0, 7);

async function post(url: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.status, 200, await response.text());
}

/** Product (teleport) events and usage reports, stored as the tenant-authenticated transport stores them. */
async function storeTenantFamilies(dataDir: string): Promise<void> {
  const [submitEvent, submitEvents] = teleportEventServices as [IngestService, IngestService];
  const store = new SegmentStore(dataDir);
  await store.open();
  const request = (member: string, event: Record<string, unknown>, at: string) => ({ clusterName: anon('prod'), timestamp: at, [member]: event });
  for (const [tenant, day] of [
    ['acme', 1],
    ['acme', 5],
    ['globex', 3],
  ] as const) {
    const batch = {
      events: [
        request('userLogin', { userName: anon('alice'), connectorType: 'saml' }, daysAgo(day)),
        request('sessionStartV2', { userName: anon('bob'), sessionType: 'ssh' }, daysAgo(day)),
      ],
    };
    const accepted = submitEvents.accept('json', Buffer.from(JSON.stringify(batch)), NOW, { tenant });
    await store.appendAll(accepted.events.map((event, index) => ({ received_at: NOW.toISOString(), family: accepted.families?.[index] ?? 'teleport', event })));
  }
  const single = submitEvent.accept('json', Buffer.from(JSON.stringify(request('botJoin', { botName: anon('ci'), joinMethod: 'github' }, daysAgo(2)))), NOW, { tenant: 'globex' });
  await store.appendAll(single.events.map((event, index) => ({ received_at: NOW.toISOString(), family: single.families?.[index] ?? 'teleport', event })));
  await store.close();
  const start = `${thisMonth}-01T00:00:00Z`;
  const reports: ReportSpec[] = [
    {
      kind: 'user',
      id: 'u1',
      host: 'auth-a',
      start,
      users: [
        { user: 'alice', kind: 1, logins: 2, ssh: 3 },
        { user: 'ci', kind: 2, botJoins: 4, certificates: 9 },
      ],
    },
    { kind: 'bot', id: 'b1', host: 'auth-a', start, instances: ['ci-1', 'ci-2'] },
    { kind: 'resource', id: 'r1', host: 'auth-b', start, resources: [{ kind: 1, ids: [11n, 12n, 13n] }] },
  ];
  await storeUsageReports(dataDir, 'acme', reports, NOW);
  await storeUsageReports(dataDir, 'globex', reports.slice(0, 1), NOW);
}

describe('reports from PostgreSQL', () => {
  let server: PgServer;
  let workspace: Workspace;
  let storeUrl: string;
  let dataDir: string;
  let collector: RunningCollector;

  before(async () => {
    server = await startPostgres();
    storeUrl = await server.createDatabase();
    workspace = await makeWorkspace('tbot-pg-reports-');
    dataDir = `${workspace.dir}/collector`;
    await storeTenantFamilies(dataDir);
    collector = await startCollector(dataDir, ['--store', storeUrl]);
    // Every family the agent and Teleport Connect send, over the wire.
    const versions = ['1.2.3', '17.5.4', '18.1.0'];
    for (let index = 0; index < 60; index += 1) {
      const start = { runMode: index % 3 === 0 ? 'RUN_MODE_DAEMON' : 'RUN_MODE_ONE_SHOT', version: versions[index % 3], joinType: ['github', 'iam', 'token'][index % 3] };
      const status = await submit(
        collector.url,
        tbotEvent(index % 4 === 0 ? { ...start, helper: 'gha:teleport-actions/auth', helperVersion: '1.0.0' } : start, { timestamp: daysAgo(index % 20) }),
      );
      assert.equal(status, 200);
    }
    for (let index = 0; index < 12; index += 1) {
      await post(collector.url, SUBMIT_HEARTBEAT_PATH, {
        distinctId: crypto.randomUUID(),
        timestamp: daysAgo(index % 6),
        heartbeat: {
          runMode: 'RUN_MODE_DAEMON',
          version: versions[index % 3],
          joinType: 'iam',
          renewals: 10 + index,
          renewalFailures: index % 2,
          outputsIdentity: 1,
          uptimeBucket: 'UPTIME_BUCKET_2_7D',
        },
      });
    }
    const { prehog, extra } = connectDataset(NOW);
    // The data set sends one login twice, as a retry would: the shared store keeps an event once by
    // its uuid, where a segment keeps both lines (see docs/postgres.md), so it is sent once here.
    for (const request of new Set(prehog.map((one) => JSON.stringify(one)))) await post(collector.url, SUBMIT_CONNECT_EVENT_PATH, JSON.parse(request));
    // One request per event, so that the events of an installation (and the steps of a wizard run)
    // arrive at different times.
    for (const event of extra) await post(collector.url, SUBMIT_CONNECT_EXTRA_EVENTS_PATH, { events: [event] });
    for (const request of discoverDataset(NOW).requests) await post(collector.url, SUBMIT_EVENTS_PATH, { events: [request] });
    // The shipper moves the outbox on behind the acknowledgements: wait until all of it is in.
    const stored = new Set((await storedLines(dataDir)).map((line) => recordUuid(JSON.parse(line)))).size;
    const client = new pg.Client({ connectionString: storeUrl });
    await client.connect();
    try {
      await eventually(async () => Number((await client.query<{ count: string }>('SELECT count(*) FROM collector_events')).rows[0]?.count), stored, 30_000);
    } finally {
      await client.end();
    }
  });
  after(async () => {
    await collector?.stop();
    await server?.stop();
    await workspace?.remove();
  });

  // Fixed windows: both runs must see the same one, whenever each starts.
  const until = ['--until', new Date(NOW.getTime() + 3_600_000).toISOString()];
  const since = (days: number): string[] => ['--since', daysAgo(days), ...until];
  const cases: [string, string[]][] = [
    ['tbot (with its heartbeat section)', ['tbot', ...since(30)]],
    ['tbot, by version, over the last 3 days', ['tbot', ...since(3), '--by', 'version']],
    ['connect', ['connect', ...since(20)]],
    ['discover', ['discover', ...since(30)]],
    ['product', ['product', ...since(10)]],
    ['usage, this month', ['usage', '--month', thisMonth]],
  ];
  for (const [name, args] of cases) {
    it(`report ${name}: the same JSON from --store as from --data-dir`, async () => {
      const fromSegments = await runCollector(['report', ...args, '--format', 'json', '--data-dir', dataDir], {}, 30_000);
      assert.equal(fromSegments.code, 0, fromSegments.stderr);
      // The URL from the environment, as a deployment keeps a password out of ps; no data directory at all.
      const fromPostgres = await runCollector(['report', ...args, '--format', 'json', '--data-dir', `${workspace.dir}/none`], { TBOT_COLLECTOR_STORE: storeUrl }, 30_000);
      assert.equal(fromPostgres.code, 0, fromPostgres.stderr);
      assert.equal(fromPostgres.stdout, fromSegments.stdout);
      // Not two empty reports that agree: the window holds events of the family.
      assert.match(fromSegments.stdout, /": [1-9]\d*,?\n/);
      // The same with the main thread and two worker threads folding (a large store's path).
      const onWorkers = await runCollector(['report', ...args, '--format', 'json', '--workers', '3'], { TBOT_COLLECTOR_STORE: storeUrl }, 30_000);
      assert.equal(onWorkers.code, 0, onWorkers.stderr);
      assert.equal(onWorkers.stdout, fromSegments.stdout);
    });
  }

  it('a report names an unreachable store without its password', async () => {
    const run = await runCollector(['report', 'tbot', '--store', 'postgres://reporter:s3cret-pw@127.0.0.1:1/none'], {}, 30_000);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /PostgreSQL at postgres:\/\/reporter:\*\*\*@127\.0\.0\.1:1\/none/);
    assert.doesNotMatch(run.stderr, /s3cret-pw/);
    // Told how many threads, the report reads on its reader thread: the failure crosses back as the same error.
    const onReader = await runCollector(['report', 'tbot', '--store', 'postgres://reporter:s3cret-pw@127.0.0.1:1/none', '--workers', '2'], {}, 30_000);
    const message = (stderr: string): string[] => stderr.split('\n').filter((line) => !line.trimStart().startsWith('at '));
    assert.deepEqual([onReader.code, message(onReader.stderr)], [run.code, message(run.stderr)]);
  });
});
