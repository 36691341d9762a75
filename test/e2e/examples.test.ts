/**
 * The two example apps end to end, as a user runs them: real processes (tsx, as `npm run
 * example:*`), the built collector on a loopback port, and the answers read back through
 * `tbot-collector report connect|discover --format json`. Consent is checked at the socket and
 * on disk; the cluster and user names given on the command line are canaries that must never be
 * stored, by the collector or in the app data.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { platform } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findTool, testTool } from '../../scripts/provision-test-tools.mjs';
import type { ConnectReport } from '../../src/collector/report/connect/summary.js';
import type { DiscoverReport, ResourceFunnel } from '../../src/collector/report/discover/summary.js';
import { SUBMIT_CONNECT_EVENT_PATH, SUBMIT_CONNECT_EXTRA_EVENTS_PATH } from '../../src/protocol/connect-wire.js';
import { BUILD } from '../../src/version.js';
import { everyStoredByte, metric, startCollector, storedLines, type RunningCollector } from '../helpers/collector-process.js';
import { EXAMPLES, familyReport, runExample, spawnExample } from '../helpers/example-app.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { cleanEnv } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const CANARY_CLUSTER = 'zqexample-prod.corp.example.com';
const CANARY_USER = 'zqexample.alice';
const CANARIES = [CANARY_CLUSTER, CANARY_USER, 'zqexample'];

/** A workspace with a running collector, removed (and stopped) after `use`. */
async function withCollector(use: (collector: RunningCollector, workspace: Workspace, dataDir: string) => Promise<void>): Promise<void> {
  const workspace = await makeWorkspace('tbot-examples-');
  const dataDir = join(workspace.dir, 'data');
  const collector = await startCollector(dataDir);
  try {
    await use(collector, workspace, dataDir);
  } finally {
    await collector.stop();
    await workspace.remove();
  }
}

/** One loopback receiver per name (so each counts its own connections), in a workspace. */
async function withReceivers<K extends string>(names: readonly K[], use: (receivers: Record<K, Receiver>, workspace: Workspace) => Promise<void>): Promise<void> {
  const workspace = await makeWorkspace('tbot-examples-consent-');
  const receivers = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await startReceiver('ok')] as const))) as Record<K, Receiver>;
  try {
    await use(receivers, workspace);
  } finally {
    await Promise.all(Object.values<Receiver>(receivers).map((receiver) => receiver.close()));
    await workspace.remove();
  }
}

const byName = <T extends { name: string }>(rows: readonly T[], pick: (row: T) => unknown): Record<string, unknown> => Object.fromEntries(rows.map((row) => [row.name, pick(row)]));
const today = (): string => new Date().toISOString().slice(0, 10);

/** What the anonymizer sends for `value` with the key ClusterKeys keeps for `cluster` in `appData`. */
async function anonymizedWithStoredKey(appData: string, cluster: string, value: string): Promise<string> {
  const key = await readFile(join(appData, 'anonymization-keys', `${createHash('sha256').update(cluster).digest('hex')}.key`));
  assert.equal(key.length, 32);
  return createHmac('sha256', key).update(value).digest('base64');
}

function assertNoCanary(where: string, bytes: string): void {
  for (const canary of CANARIES) assert.ok(!bytes.toLowerCase().includes(canary.toLowerCase()), `${canary} found in ${where}`);
}

// Every test has its own collector, receivers and directories, so they run side by side.
describe('the example apps', { concurrency: true }, () => {
  describe('the Connect-style example session', { concurrency: true }, () => {
    it('the same app data is one installation across runs, a fresh one (the XDG default) a second; every feature counted', async () => {
      await withCollector(async (collector, workspace, dataDir) => {
        const appData = join(workspace.dir, 'app');
        const args = ['--endpoint', collector.url, '--step-ms', '0', '--cluster', CANARY_CLUSTER, '--user', CANARY_USER];
        const startDay = today();

        // One run with an app-data directory, and beside it one with none: the platform's data
        // directory, here $XDG_DATA_HOME.
        const xdg = join(workspace.dir, 'xdg');
        const freshAppData = join(xdg, 'tbot-analytics-connect-example');
        const [first, fresh] = await Promise.all([
          runExample('connect', [...args, '--yes', '--app-data', appData]),
          runExample('connect', [...args, '--yes', '--connector', 'saml'], { XDG_DATA_HOME: xdg }),
        ]);
        for (const run of [first, fresh]) {
          assert.equal(run.code, 0, run.stderr);
          assert.match(run.stderr, /analytics on: answered yes with --yes/);
          assert.match(run.stderr, /analytics: sent all 8 events/);
        }
        let connect = await familyReport<ConnectReport>('connect', dataDir);
        assert.equal(connect.installations, 2);
        assert.deepEqual(Object.fromEntries(connect.connectorTypes), { github: 1, saml: 1 });

        // The same app data again: the answer is remembered (no flag), and it is the same installation.
        const second = await runExample('connect', [...args, '--app-data', appData]);
        assert.equal(second.code, 0, second.stderr);
        assert.match(second.stderr, /analytics on: answered yes on \d{4}-/);
        assert.match(second.stderr, /analytics: sent all 8 events/);
        connect = await familyReport<ConnectReport>('connect', dataDir);
        assert.equal(connect.installations, 2);
        assert.deepEqual(
          byName(connect.features, (row) => [row.events, row.installations]),
          {
            'connect.start': [3, 2],
            'connect.cluster.login': [3, 2],
            'connect.tab.open': [9, 2],
            'connect.connectionsPicker.item.select': [3, 2],
            'connect.fileTransfer.run': [3, 2],
            'connect.accessRequests.create': [3, 2],
          },
        );
        assert.deepEqual(Object.fromEntries(connect.tabKinds), { 'doc.cluster': 3, 'doc.terminal_tsh_node': 3, 'doc.access_requests': 3 });
        assert.deepEqual(Object.fromEntries(connect.connectionKinds), { 'connection.server': 3 });
        assert.deepEqual(Object.fromEntries(connect.connectorTypes), { github: 2, saml: 1 });
        assert.deepEqual(connect.platforms, { os: [[platform(), 2]], versions: [[BUILD.version, 2]] });
        // Only around midnight UTC can the runs fall on two days.
        if (today() === startDay) assert.deepEqual(connect.daily, [{ day: startDay, active: 2, events: 24 }]);

        // The two installations are the two persisted ids, and nothing else was sent as one.
        const [id, freshId] = [(await readFile(join(appData, 'distinct-id'), 'utf8')).trim(), (await readFile(join(freshAppData, 'distinct-id'), 'utf8')).trim()];
        const stored = (await storedLines(dataDir)).map((line) => JSON.parse(line) as { event: { distinctId: string; clusterLogin?: { clusterName: string; userName: string } } });
        const eventsOf = (distinctId: string): number => stored.filter((record) => record.event.distinctId === distinctId).length;
        assert.deepEqual([eventsOf(id), eventsOf(freshId), stored.length], [16, 8, 24]);
        // Each installation keys the cluster with its own random key.
        const logins = stored.flatMap((record) => (record.event.clusterLogin === undefined ? [] : [record.event.clusterLogin]));
        const expected = [await anonymizedWithStoredKey(appData, CANARY_CLUSTER, CANARY_CLUSTER), await anonymizedWithStoredKey(freshAppData, CANARY_CLUSTER, CANARY_CLUSTER)];
        assert.deepEqual([...new Set(logins.map((login) => login.clusterName))].sort(), [...expected].sort());

        assertNoCanary('the collector data', await everyStoredByte(dataDir));
        assertNoCanary('the app data', await everyStoredByte(appData));
        assertNoCanary('the fresh app data', await everyStoredByte(freshAppData));
      });
    });

    it('Ctrl-C mid-session: what was captured is sent on the way out, and it exits 130', async () => {
      await withCollector(async (collector, workspace, dataDir) => {
        // The login comes 4 pauses after the start: Ctrl-C lands well inside that wait.
        const app = spawnExample('connect', ['--endpoint', collector.url, '--yes', '--app-data', join(workspace.dir, 'app'), '--step-ms', '1000']);
        await app.waitForStderr(/INFO {2}connect\.start /);
        app.child.kill('SIGINT');
        const result = await app.result;
        assert.equal(result.code, 130, result.stderr);
        assert.match(result.stderr, /received SIGINT, stopping/);
        assert.match(result.stderr, /analytics: sent all 1 event /);
        const connect = await familyReport<ConnectReport>('connect', dataDir);
        assert.deepEqual(
          byName(connect.features, (row) => row.events),
          { 'connect.start': 1 },
        );
      });
    });
  });

  describe('consent in the example apps', { concurrency: true }, () => {
    it('unanswered, "no" and DO_NOT_TRACK: no connection and nothing written; "yes" through the same kind of receiver is sent in batches, anonymized', async () => {
      await withReceivers(['unanswered', 'no', 'doNotTrack', 'yes', 'discoverUnanswered'], async ({ unanswered, no, doNotTrack, yes, discoverUnanswered }, workspace) => {
        const dir = (name: string): string => join(workspace.dir, name, 'app-data');
        const base = ['--step-ms', '0', '--cluster', CANARY_CLUSTER, '--user', CANARY_USER];
        const twoClusters = [...base, '--cluster', 'zqexample-staging.corp.example.com'];
        const runs = await Promise.all([
          runExample('connect', [...base, '--endpoint', unanswered.url, '--app-data', dir('unanswered')]),
          runExample('connect', [...base, '--endpoint', no.url, '--no', '--app-data', dir('no')]),
          runExample('connect', [...base, '--endpoint', doNotTrack.url, '--yes', '--app-data', dir('dnt')], { DO_NOT_TRACK: '1' }),
          runExample('connect', [...twoClusters, '--endpoint', yes.url, '--yes', '--app-data', dir('yes')]),
          runExample('discover', [...base, '--endpoint', discoverUnanswered.url, '--app-data', dir('discover-unanswered')]),
        ]);
        for (const run of runs) assert.equal(run.code, 0, run.stderr);
        const [unansweredRun, noRun, dntRun, , discoverUnansweredRun] = runs;

        assert.match(unansweredRun!.stderr, /analytics off: not answered, and there is no terminal to ask on \(pass --yes or --no\); nothing is captured or written/);
        assert.match(discoverUnansweredRun!.stderr, /analytics off: not answered/);
        assert.match(noRun!.stderr, /analytics off: answered no with --no/);
        assert.match(dntRun!.stderr, /analytics off: DO_NOT_TRACK is set/);
        // The apps still did their work; only the analytics stayed silent.
        assert.match(unansweredRun!.stderr, /connect\.accessRequests\.create/);
        for (const receiver of [unanswered, no, doNotTrack, discoverUnanswered]) assert.equal(receiver.connectionCount(), 0);
        assert.equal(existsSync(dir('unanswered')), false);
        assert.equal(existsSync(dir('dnt')), false);
        assert.equal(existsSync(dir('discover-unanswered')), false);
        // A "no" is remembered, so it is the one thing written: no id, no keys.
        assert.deepEqual(await readdir(dir('no')), ['analytics-consent.json']);
        assert.equal(JSON.parse(await readFile(join(dir('no'), 'analytics-consent.json'), 'utf8')).answer, 'no');

        // The positive control, over the same kind of socket: single calls for Teleport's Connect
        // service, one batch for ours (start, 5 actions per cluster and the workspace change).
        const paths = yes.requests.map((request) => request.url).sort();
        assert.deepEqual(paths, [...Array<string>(4).fill(SUBMIT_CONNECT_EVENT_PATH), SUBMIT_CONNECT_EXTRA_EVENTS_PATH].sort());
        const batch = JSON.parse(yes.requests.find((request) => request.url === SUBMIT_CONNECT_EXTRA_EVENTS_PATH)!.body) as {
          events: Record<string, { rootClusterName?: string }>[];
        };
        assert.equal(batch.events.length, 12);
        const roots = new Set(
          batch.events.flatMap((event) =>
            Object.values(event).flatMap((member) => (typeof member === 'object' && member.rootClusterName !== undefined ? [member.rootClusterName] : [])),
          ),
        );
        assert.deepEqual(
          [...roots].sort(),
          [
            await anonymizedWithStoredKey(dir('yes'), CANARY_CLUSTER, CANARY_CLUSTER),
            await anonymizedWithStoredKey(dir('yes'), 'zqexample-staging.corp.example.com', 'zqexample-staging.corp.example.com'),
          ].sort(),
        );
        assertNoCanary('the Connect requests', yes.bytes().toString('latin1'));
      });
    });

    it('asked on a terminal: the answer typed there is saved and used', async () => {
      await withReceivers(['receiver'], async ({ receiver }, workspace) => {
        const script = findTool(testTool('script'));
        assert.ok(script !== undefined, 'util-linux script is provisioned by npm test (scripts/provision-test-tools.mjs)');
        const appData = join(workspace.dir, 'app-data');
        const command = [process.execPath, '--import', 'tsx', EXAMPLES.connect, '--endpoint', receiver.url, '--app-data', appData, '--step-ms', '0']
          .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
          .join(' ');
        // script gives the app a pseudo-terminal; a first reply it does not understand is asked again.
        const child = spawn(script, ['-qec', command, '/dev/null'], { cwd: join(EXAMPLES.connect, '../../..'), env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
        let output = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
        child.stdin.end('sure\nyes\n');
        const [code] = (await once(child, 'close')) as [number | null];
        assert.equal(code, 0, output);
        assert.match(output, /Are you OK sending anonymized usage data about Teleport Connect\? This will help us to improve product \(yes\/no\)/);
        assert.match(output, /Please answer yes or no/);
        assert.match(output, /analytics on: you answered yes/);
        assert.equal(JSON.parse(await readFile(join(appData, 'analytics-consent.json'), 'utf8')).answer, 'yes');
        assert.ok(receiver.requests.length > 0);
      });
    });

    it('a step the resource has not exits 2 before anything is asked, written or sent', async () => {
      await withReceivers(['receiver'], async ({ receiver }, workspace) => {
        const appData = join(workspace.dir, 'app-data');
        const common = ['--endpoint', receiver.url, '--app-data', appData];
        const wrongStep = await runExample('discover', [...common, '--yes', '--resource', 'kubernetes', '--fail-at', 'configure-mtls']);
        assert.equal(wrongStep.code, 2);
        assert.match(
          wrongStep.stderr,
          /--fail-at: the kubernetes flow has no step "configure-mtls"; expected one of resource-selection, deploy-agent, set-up-access, test-connection/,
        );
        assert.equal(existsSync(appData), false);
        assert.equal(receiver.connectionCount(), 0);
      });
    });
  });

  describe('the Discover-style example wizard', { concurrency: true }, () => {
    it('runs show in the funnel: a completion, failures at their steps (screened and classed), an abort at its step', async () => {
      await withCollector(async (collector, workspace, dataDir) => {
        const appData = join(workspace.dir, 'app');
        const stepMs = 40;
        const args = ['--endpoint', collector.url, '--yes', '--app-data', appData, '--step-ms', String(stepMs), '--cluster', CANARY_CLUSTER, '--user', CANARY_USER];
        const runs = await Promise.all([
          runExample('discover', [...args, '--resource', 'server', '--sso']),
          runExample('discover', [...args, '--resource', 'postgres', '--fail-at', 'test-connection']),
          runExample('discover', [...args, '--resource', 'postgres', '--fail-at', 'deploy-agent']),
          runExample('discover', [...args, '--resource', 'kubernetes', '--abort-at', 'set-up-access']),
        ]);
        for (const run of runs) assert.equal(run.code, 0, run.stderr);
        assert.match(runs[0]!.stderr, /wizard run completed/);
        assert.match(runs[1]!.stderr, /wizard run failed at test connection/);
        assert.match(runs[3]!.stderr, /wizard run aborted at set up access/);

        const discover = await familyReport<DiscoverReport>('discover', dataDir);
        assert.equal(discover.runs, 4);
        assert.equal(discover.completed, 1);
        assert.deepEqual(discover.errorClasses, { connection: 1, timeout: 1 });
        const funnel = (resource: string): ResourceFunnel => discover.resources.find((row) => row.resource === resource)!;
        const steps = (row: ResourceFunnel, pick: (step: ResourceFunnel['funnel'][number]) => unknown): Record<string, unknown> =>
          Object.fromEntries(row.funnel.map((step) => [step.step, pick(step)]));

        const server = funnel('DISCOVER_RESOURCE_SERVER');
        assert.deepEqual([server.runs, server.completed, server.aborted], [1, 1, 0]);
        assert.deepEqual(
          steps(server, (step) => step.runs),
          {
            'tp.ui.discover.started': 1,
            'tp.ui.discover.resourceSelection': 1,
            'tp.ui.discover.deployService': 1,
            'tp.ui.discover.principals.configure': 1,
            'tp.ui.discover.testConnection': 1,
            'tp.ui.discover.completed': 1,
          },
        );
        // Each step is timed from the one before: deploying the agent takes 5 pauses, the whole run 11.
        assert.ok(server.funnel.find((step) => step.step === 'tp.ui.discover.deployService')!.time.medianSeconds! >= (5 * stepMs) / 1000);
        assert.ok(server.startToCompletion.medianSeconds! >= (11 * stepMs) / 1000);

        const postgres = funnel('DISCOVER_RESOURCE_DATABASE_POSTGRES_SELF_HOSTED');
        assert.deepEqual([postgres.runs, postgres.completed], [2, 0]);
        assert.deepEqual(
          steps(postgres, (step) => [step.runs, step.errors, step.errorClasses]),
          {
            'tp.ui.discover.started': [2, 0, {}],
            'tp.ui.discover.resourceSelection': [2, 0, {}],
            'tp.ui.discover.database.register': [2, 0, {}],
            'tp.ui.discover.deployService': [1, 1, { timeout: 1 }],
            'tp.ui.discover.database.configure.mtls': [1, 0, {}],
            'tp.ui.discover.principals.configure': [1, 0, {}],
            'tp.ui.discover.testConnection': [0, 1, { connection: 1 }],
          },
        );

        const kubernetes = funnel('DISCOVER_RESOURCE_KUBERNETES');
        assert.deepEqual([kubernetes.runs, kubernetes.completed, kubernetes.aborted], [1, 0, 1]);
        assert.deepEqual(
          steps(kubernetes, (step) => [step.runs, step.aborted]),
          {
            'tp.ui.discover.started': [1, 0],
            'tp.ui.discover.resourceSelection': [1, 0],
            'tp.ui.discover.deployService': [1, 0],
            'tp.ui.discover.principals.configure': [0, 1],
          },
        );

        // The error that quotes an address is kept only as its class; the one naming nothing is kept.
        const statuses = (await storedLines(dataDir)).map(
          (line) =>
            Object.values(JSON.parse(line).event as Record<string, { status?: { status: string; error: string; errorClass: string } }>).find((value) => typeof value === 'object')!
              .status!,
        );
        assert.deepEqual(
          statuses.filter((status) => status.status === 'DISCOVER_STATUS_ERROR').sort((a, b) => a.errorClass.localeCompare(b.errorClass)),
          [
            { status: 'DISCOVER_STATUS_ERROR', error: 'redacted', errorClass: 'connection' },
            { status: 'DISCOVER_STATUS_ERROR', error: 'timed out waiting for the agent to join the cluster', errorClass: 'timeout' },
          ],
        );
        // One SubmitEvents request per run, holding all its steps.
        assert.equal(await metric(collector.url, 'tbot_collector_events_received_total'), 4);
        assert.equal(await metric(collector.url, 'tbot_collector_events_accepted_total'), discover.total);

        assertNoCanary('the collector data', await everyStoredByte(dataDir));
        assertNoCanary('the app data', await everyStoredByte(appData));
      });
    });

    it('Ctrl-C on a step reports it as aborted there, then sends the run and exits 130', async () => {
      await withCollector(async (collector, workspace, dataDir) => {
        // Deploying the agent takes 5 pauses: Ctrl-C lands inside it.
        const app = spawnExample('discover', ['--endpoint', collector.url, '--yes', '--app-data', join(workspace.dir, 'app'), '--step-ms', '1000', '--resource', 'server']);
        await app.waitForStderr(/tp\.ui\.discover\.resourceSelection /);
        app.child.kill('SIGINT');
        const result = await app.result;
        assert.equal(result.code, 130, result.stderr);
        assert.match(result.stderr, /wizard run aborted at deploy agent/);
        const discover = await familyReport<DiscoverReport>('discover', dataDir);
        const server = discover.resources.find((row) => row.resource === 'DISCOVER_RESOURCE_SERVER')!;
        assert.deepEqual([server.runs, server.aborted, server.funnel.find((step) => step.step === 'tp.ui.discover.deployService')?.aborted], [1, 1, 1]);
      });
    });
  });
});
