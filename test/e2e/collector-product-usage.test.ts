/**
 * The product-usage procedures through the collector's plain-HTTP server (which can prove no
 * tenant): Discover events stay open, product usage and SubmitUsageReports answer Connect
 * `unauthenticated` (401) and store nothing, HelloTeleport answers; and a byte-identical retry of
 * a stored event reaches PostHog once (its uuid is the event's identity, not its arrival).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { HELLO_TELEPORT_PATH } from '../../src/collector/ingest/services/teleport-events.js';
import { messageSchema } from '../../src/protocol/descriptors.js';
import { SUBMIT_EVENTS_PATH } from '../../src/protocol/discover-wire.js';
import { SUBMIT_USAGE_REPORTS_PATH, USAGE_REQUEST } from '../../src/protocol/usage-wire.js';
import { startCollector, storedLines, submit, tbotEvent, type RunningCollector } from '../helpers/collector-process.js';
import { startPostHogReceiver, type PostHogReceiver } from '../helpers/posthog-receiver.js';
import { anon, discoverRequest, discoverStep } from '../helpers/usage-events.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

async function post(url: string, path: string, body: Buffer | string, contentType: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: response.status, text: await response.text() };
}

describe('product usage through the plain-HTTP collector', () => {
  let workspace: Workspace;
  let posthog: PostHogReceiver;
  let collector: RunningCollector;
  let dataDir: string;

  before(async () => {
    workspace = await makeWorkspace('tbot-product-usage-');
    dataDir = `${workspace.dir}/data`;
    posthog = await startPostHogReceiver();
    collector = await startCollector(dataDir, ['--posthog-host', posthog.url, '--posthog-api-key', 'phc_test']);
  });
  after(async () => {
    await collector.stop();
    await posthog.close();
    await workspace.remove();
  });

  it('answers SubmitUsageReports without a tenant with Connect unauthenticated (401), in both encodings', async () => {
    const request = create(messageSchema(USAGE_REQUEST), {
      userActivity: [
        {
          reportUuid: new Uint8Array(16).fill(7),
          clusterName: Buffer.from(anon('prod'), 'base64'),
          reporterHostid: Buffer.from(anon('auth'), 'base64'),
          startTime: timestampFromMs(Date.now()),
        },
      ],
    } as never);
    const binary = await post(collector.url, SUBMIT_USAGE_REPORTS_PATH, Buffer.from(toBinary(messageSchema(USAGE_REQUEST), request)), 'application/proto');
    assert.equal(binary.status, 401);
    const json = await post(collector.url, SUBMIT_USAGE_REPORTS_PATH, '{}', 'application/json');
    assert.equal(json.status, 401);
    assert.equal(JSON.parse(json.text).code, 'unauthenticated');
  });

  it('stores a Discover-only batch, refuses a batch with product usage whole (401), and answers HelloTeleport', async () => {
    const before = (await storedLines(dataDir)).length;
    const discover = discoverRequest(discoverStep('started'));
    const ok = await post(collector.url, SUBMIT_EVENTS_PATH, JSON.stringify({ events: [discover] }), 'application/json');
    assert.equal(ok.status, 200, ok.text);
    const login = { clusterName: anon('prod'), timestamp: new Date().toISOString(), userLogin: { userName: anon('alice'), connectorType: 'local' } };
    const mixed = await post(collector.url, SUBMIT_EVENTS_PATH, JSON.stringify({ events: [discoverRequest(discoverStep('started')), login] }), 'application/json');
    assert.equal(mixed.status, 401, mixed.text);
    assert.match(JSON.parse(mixed.text).message, /events\[1\]\.userLogin is product usage/);
    assert.equal((await storedLines(dataDir)).length, before + 1, 'the refused batch stored nothing');
    assert.equal((await post(collector.url, HELLO_TELEPORT_PATH, '{}', 'application/json')).status, 200);
  });

  it('sends a byte-identical retry of an event to PostHog once', async () => {
    const retried = tbotEvent({}, { distinctId: crypto.randomUUID(), timestamp: new Date(Date.now() - 1_000).toISOString() });
    assert.equal(await submit(collector.url, retried), 200);
    assert.equal(await submit(collector.url, retried), 200);
    const marker = tbotEvent();
    assert.equal(await submit(collector.url, marker), 200);
    const lines = (await storedLines(dataDir)).map((line) => JSON.parse(line) as { uuid: string; event: { distinctId?: string } });
    const stored = lines.filter((line) => line.event.distinctId === retried.distinctId);
    assert.equal(stored.length, 2, 'both requests were acknowledged and stored');
    assert.equal(stored[0]!.uuid, stored[1]!.uuid, 'with one identity, written into the line');
    // The forwarder keeps the store's order: once the marker is in PostHog, so is whatever it sends of the retry.
    await posthog.until(() => posthog.events().some((event) => event.distinct_id === marker.distinctId));
    assert.equal(posthog.events().filter((event) => event.distinct_id === retried.distinctId).length, 1);
  });
});
