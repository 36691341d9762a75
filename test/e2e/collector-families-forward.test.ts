/**
 * Connect and Discover events forwarded to a loopback PostHog-shaped receiver: the RFD 0094 and
 * product-metrics names and properties, the privacy flags, and exactly once per stored event (by
 * uuid) through a PostHog outage and a collector restart.
 */
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONNECT_EVENTS, SUBMIT_CONNECT_EVENT_PATH, SUBMIT_CONNECT_EXTRA_EVENTS_PATH } from '../../src/protocol/connect-wire.js';
import { DISCOVER_STEPS, SUBMIT_EVENTS_PATH } from '../../src/protocol/discover-wire.js';
import { eventually, metric, startCollector, type RunningCollector } from '../helpers/collector-process.js';
import { startPostHogReceiver, type PostHogBatchEvent, type PostHogReceiver } from '../helpers/posthog-receiver.js';
import { anon, CONNECT_EXTRA, CONNECT_PREHOG, connectRequest, discoverRequest, discoverStep } from '../helpers/usage-events.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

async function post(url: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.status, 200, await response.text());
}

async function storedCount(dataDir: string): Promise<number> {
  const names = (await readdir(dataDir)).filter((name) => name.endsWith('.ndjson'));
  return (await Promise.all(names.map((name) => readFile(join(dataDir, name), 'utf8'))))
    .join('')
    .split('\n')
    .filter((line) => line !== '').length;
}

describe('forwarding Connect and Discover events to PostHog', () => {
  let workspace: Workspace;
  let posthog: PostHogReceiver;
  let collector: RunningCollector;
  let dataDir: string;
  const args = (): string[] => ['--posthog-host', posthog.url, '--posthog-api-key', 'phc_test'];
  const runId = crypto.randomUUID();
  const installation = crypto.randomUUID();

  before(async () => {
    workspace = await makeWorkspace('tbot-families-forward-');
    dataDir = join(workspace.dir, 'data');
    posthog = await startPostHogReceiver();
    posthog.failNext(2);
    collector = await startCollector(dataDir, args());
    for (const spec of CONNECT_PREHOG) await post(collector.url, SUBMIT_CONNECT_EVENT_PATH, connectRequest(spec, installation));
    await post(collector.url, SUBMIT_CONNECT_EXTRA_EVENTS_PATH, { events: CONNECT_EXTRA.map((spec) => connectRequest(spec, installation)) });
    const events = DISCOVER_STEPS.map((step) =>
      discoverRequest(step, { runId, ...(step.label === 'test connection' ? { status: 'DISCOVER_STATUS_ERROR', error: 'timed out waiting for the agent' } : {}) }),
    );
    await post(collector.url, SUBMIT_EVENTS_PATH, { events });
  });
  after(async () => {
    await collector.stop();
    await posthog.close();
    await workspace.remove();
  });

  const byName = (name: string): PostHogBatchEvent => {
    const found = posthog.events().find((event) => event.event === name);
    assert.ok(found, name);
    return found;
  };

  it('forwards every stored event exactly once by uuid, through an outage and a restart', async () => {
    const stored = await storedCount(dataDir);
    assert.equal(stored, CONNECT_EVENTS.length + DISCOVER_STEPS.length);
    await posthog.until(() => posthog.events().length >= stored);
    await collector.stop();
    collector = await startCollector(dataDir, args());
    await post(collector.url, SUBMIT_EVENTS_PATH, { events: [discoverRequest(discoverStep('completed'), { runId: crypto.randomUUID() })] });
    await posthog.until(() => posthog.events().length >= stored + 1);
    // Until nothing stored is left to forward: whatever a wrongly re-read cursor sent twice has
    // been sent by then (waited for as the queue's own gauge, not guessed as a pause).
    await eventually(() => metric(collector.url, 'tbot_collector_forward_queue_depth'), 0);
    const uuids = posthog.events().map((event) => event.uuid);
    assert.equal(uuids.length, stored + 1);
    assert.equal(new Set(uuids).size, uuids.length, 'no uuid twice');
    assert.deepEqual(
      new Set(posthog.events().map((event) => event.event)),
      new Set([...CONNECT_EVENTS.map((spec) => spec.posthogName), ...DISCOVER_STEPS.map((step) => step.posthogName)]),
    );
  });

  it('never sends $ip and always disables GeoIP', () => {
    for (const event of posthog.events()) {
      assert.equal(event.properties['$geoip_disable'], true);
      assert.ok(!('$ip' in event.properties));
    }
  });

  it('maps Connect events to product-metrics names with snake_case properties and a person per installation', () => {
    const login = byName('connect.cluster.login');
    assert.equal(login.distinct_id, installation);
    assert.deepEqual(login.properties, {
      cluster_name: anon('prod-cluster'),
      user_name: anon('alice'),
      connector_type: 'github',
      arch: 'arm64',
      os: 'darwin',
      os_version: '23.4.0',
      connect_version: '17.0.1',
      $process_person_profile: true,
      $set_once: { os: 'darwin', arch: 'arm64' },
      $set: { os_version: '23.4.0', connect_version: '17.0.1' },
      $geoip_disable: true,
    });
    assert.deepEqual(byName('connect.fileTransfer.run').properties, {
      cluster_name: anon('prod-cluster'),
      user_name: anon('alice'),
      is_upload: true,
      direction: 'upload',
      $process_person_profile: true,
      $geoip_disable: true,
    });
    assert.deepEqual(byName('connect.tab.open').properties, {
      root_cluster_name: anon('prod-cluster'),
      leaf_cluster_name: anon('leaf-eu'),
      tab_kind: 'doc.terminal_shell',
      $process_person_profile: true,
      $geoip_disable: true,
    });
    assert.equal(byName('connect.start').properties['$set_once'] !== undefined, true);
  });

  it('sends the Connect My Computer events under the RFD names and properties', () => {
    assert.deepEqual(byName('connect.connectMyComputer.setup').properties, {
      'tp.cluster_name': anon('prod-cluster'),
      'tp.user_name': anon('alice'),
      'connect.setup.success': false,
      'connect.setup.failed_step': 'downloading_agent',
      $process_person_profile: true,
      $geoip_disable: true,
    });
    assert.deepEqual(byName('connect.connectMyComputer.agentStart').properties, {
      'tp.cluster_name': anon('prod-cluster'),
      'tp.user_name': anon('alice'),
      $process_person_profile: true,
      $geoip_disable: true,
    });
  });

  it('maps Discover events to RFD 0094 names and tp.discover.* properties, with the run as distinct id and no person', () => {
    const deploy = byName('tp.ui.discover.deployService');
    assert.equal(deploy.distinct_id, runId);
    assert.deepEqual(deploy.properties, {
      'tp.cluster_name': anon('prod-cluster'),
      'tp.user_name': anon('alice'),
      'tp.teleport_version': '17.0.1',
      'tp.discover.metadata.id': runId,
      'tp.discover.metadata.sso': true,
      'tp.discover.resource.name': 'DISCOVER_RESOURCE_SERVER',
      'tp.discover.step.status': 'DISCOVER_STATUS_SUCCESS',
      'tp.discover.deploy.method': 'DEPLOY_METHOD_AUTO',
      'tp.discover.deploy.type': 'DEPLOY_TYPE_INSTALL_SCRIPT',
      $process_person_profile: false,
      $geoip_disable: true,
    });
    assert.ok(!('tp.discover.resource.name' in byName('tp.ui.discover.started').properties), 'started names no resource');
    const test = byName('tp.ui.discover.testConnection').properties;
    assert.equal(test['tp.discover.step.status'], 'DISCOVER_STATUS_ERROR');
    assert.equal(test['tp.discover.step.error'], 'timed out waiting for the agent');
    assert.equal(test['tp.discover.step.error_class'], 'timeout');
    assert.equal(byName('tp.ui.discover.autoDiscoveredResources').properties['tp.discover.auto_discovered.count'], 4);
  });
});
