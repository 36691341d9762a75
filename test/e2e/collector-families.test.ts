/**
 * The Connect and Discover services end to end: real @connectrpc/connect-node clients built from
 * our .proto files (JSON and binary), an independent protobufjs encoder, unknown fields, events
 * this collector does not implement, atomic batches, and the screening of Discover errors.
 */
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { fromJson, type DescService } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import protobuf from 'protobufjs';
import { CONNECT_EXTRA_BATCH, CONNECT_EXTRA_REQUEST, CONNECT_REQUEST, SUBMIT_CONNECT_EVENT_PATH, SUBMIT_CONNECT_EXTRA_EVENTS_PATH } from '../../src/protocol/connect-wire.js';
import { messageSchema, serviceSchema } from '../../src/protocol/descriptors.js';
import { DISCOVER_BATCH, DISCOVER_REQUEST, DISCOVER_STEPS, SUBMIT_EVENT_PATH, SUBMIT_EVENTS_PATH } from '../../src/protocol/discover-wire.js';
import { startCollector, type RunningCollector } from '../helpers/collector-process.js';
import { anon, CONNECT_EXTRA, CONNECT_PREHOG, connectRequest, discoverRequest, discoverStep } from '../helpers/usage-events.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const SCHEMAS = fileURLToPath(new URL('../../schemas/', import.meta.url));

interface StoredLine {
  received_at: string;
  family: string;
  event: Record<string, unknown>;
}

async function storedText(dataDir: string): Promise<string> {
  const names = (await readdir(dataDir).catch(() => [])).filter((name) => name.endsWith('.ndjson'));
  return (await Promise.all(names.map((name) => readFile(join(dataDir, name), 'utf8')))).join('');
}

async function stored(dataDir: string): Promise<StoredLine[]> {
  return (await storedText(dataDir))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as StoredLine);
}

async function post(url: string, path: string, body: unknown, contentType = 'application/json'): Promise<{ status: number; json: { code?: string; message?: string } }> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: contentType === 'application/json' ? JSON.stringify(body) : (body as Uint8Array),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : JSON.parse(text) };
}

/** A client for a service built at run time, so its methods are not typed. */
function client(service: DescService, baseUrl: string, binary: boolean): Record<string, (request: unknown) => Promise<unknown>> {
  return createClient(service, createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: binary })) as unknown as Record<
    string,
    (request: unknown) => Promise<unknown>
  >;
}

/** protobufjs reading the same .proto files: an encoder that shares no code with the collector. */
function protobufjsRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : resolve(SCHEMAS, target));
  root.loadSync(['prehog/v1alpha/connect.proto', 'prehog/v1alpha/teleport.proto', 'tbotanalytics/connect/v1/connect_extra.proto'], { keepCase: true });
  root.resolveAll();
  return root;
}

describe('collector: Connect and Discover services', () => {
  let workspace: Workspace;
  let collector: RunningCollector;
  let dataDir: string;
  before(async () => {
    workspace = await makeWorkspace('tbot-families-');
    dataDir = join(workspace.dir, 'data');
    collector = await startCollector(dataDir);
  });
  after(async () => {
    await collector.stop();
    await workspace.remove();
  });

  for (const binary of [false, true]) {
    const mode = binary ? 'binary' : 'JSON';
    it(`a real connect-node client (${mode}) submits every event of Teleport's ConnectReportingService`, async () => {
      const connect = client(serviceSchema('prehog.v1alpha.ConnectReportingService'), collector.url, binary);
      const sent = CONNECT_PREHOG.map((spec) => connectRequest(spec));
      for (const request of sent) await connect['submitConnectEvent']!(fromJson(messageSchema(CONNECT_REQUEST), request as never));
      const lines = await stored(dataDir);
      for (const request of sent) {
        const line = lines.find((candidate) => candidate.event['distinctId'] === request['distinctId']);
        assert.ok(line, `stored ${Object.keys(request)[2]}`);
        assert.equal(line.family, 'connect');
        assert.deepEqual({ ...line.event, timestamp: request['timestamp'] }, request, 'stored as sent (ProtoJSON, every field)');
        assert.equal(Date.parse(line.event['timestamp'] as string), Date.parse(request['timestamp'] as string));
      }
    });

    it(`a real connect-node client (${mode}) submits every event of our ConnectExtraReportingService, singly and as a batch`, async () => {
      const extra = client(serviceSchema('tbotanalytics.connect.v1.ConnectExtraReportingService'), collector.url, binary);
      const single = CONNECT_EXTRA.map((spec) => connectRequest(spec));
      for (const request of single) await extra['submitConnectExtraEvent']!(fromJson(messageSchema(CONNECT_EXTRA_REQUEST), request as never));
      const batch = CONNECT_EXTRA.map((spec) => connectRequest(spec));
      await extra['submitConnectExtraEvents']!(fromJson(messageSchema(CONNECT_EXTRA_BATCH), { events: batch } as never));
      const ids = new Set((await stored(dataDir)).map((line) => line.event['distinctId']));
      for (const request of [...single, ...batch]) assert.ok(ids.has(request['distinctId']), `stored ${Object.keys(request)[2]}`);
    });

    it(`a real connect-node client (${mode}) submits every UIDiscover* event with SubmitEvent and SubmitEvents`, async () => {
      const teleport = client(serviceSchema('prehog.v1alpha.TeleportReportingService'), collector.url, binary);
      const runId = crypto.randomUUID();
      const single = DISCOVER_STEPS.map((step) => discoverRequest(step, { runId }));
      for (const request of single) await teleport['submitEvent']!(fromJson(messageSchema(DISCOVER_REQUEST), request as never));
      const batchRun = crypto.randomUUID();
      await teleport['submitEvents']!(fromJson(messageSchema(DISCOVER_BATCH), { events: DISCOVER_STEPS.map((step) => discoverRequest(step, { runId: batchRun })) } as never));
      const lines = (await stored(dataDir)).filter((line) => line.family === 'discover');
      for (const id of [runId, batchRun]) {
        const members = lines.flatMap((line) =>
          Object.entries(line.event)
            .filter(([, value]) => (value as { metadata?: { id?: string } })?.metadata?.id === id)
            .map(([member]) => member),
        );
        assert.deepEqual(members.sort(), DISCOVER_STEPS.map((step) => step.member).sort(), 'one stored event per member');
      }
      const deploy = lines.find((line) => (line.event['uiDiscoverDeployServiceEvent'] as { metadata: { id: string } } | undefined)?.metadata.id === runId)!;
      assert.deepEqual(deploy.event['uiDiscoverDeployServiceEvent'], {
        metadata: { id: runId, userName: anon('alice'), sso: true },
        resource: { resource: 'DISCOVER_RESOURCE_SERVER' },
        status: { status: 'DISCOVER_STATUS_SUCCESS', error: '', errorClass: 'none' },
        deployMethod: 'DEPLOY_METHOD_AUTO',
        deployType: 'DEPLOY_TYPE_INSTALL_SCRIPT',
      });
    });
  }

  it('accepts what protobufjs, an independent encoder, makes from the same .proto files', async () => {
    const root = protobufjsRoot();
    const Batch = root.lookupType('prehog.v1alpha.SubmitEventsRequest');
    const runId = crypto.randomUUID();
    const body = Batch.encode(
      Batch.fromObject({
        events: [
          {
            cluster_name: anon('prod-cluster'),
            timestamp: { seconds: Math.floor(Date.now() / 1000) - 60, nanos: 0 },
            ui_discover_started_event: { metadata: { id: runId, user_name: anon('bob') }, status: { status: 1 } },
          },
          {
            cluster_name: anon('prod-cluster'),
            ui_discover_auto_discovered_resources_event: { metadata: { id: runId, user_name: anon('bob') }, resource: { resource: 38 }, status: { status: 1 }, resources_count: 7 },
          },
        ],
      }),
    ).finish();
    assert.equal((await post(collector.url, SUBMIT_EVENTS_PATH, body, 'application/proto')).status, 200);
    const mine = (await stored(dataDir)).filter((line) => JSON.stringify(line.event).includes(runId));
    assert.equal(mine.length, 2);
    const auto = mine.find((line) => 'uiDiscoverAutoDiscoveredResourcesEvent' in line.event)!;
    assert.equal(auto.event['timestamp'], auto.received_at, 'a missing timestamp becomes the receive time');
    assert.deepEqual(auto.event['uiDiscoverAutoDiscoveredResourcesEvent'], {
      metadata: { id: runId, userName: anon('bob'), sso: false },
      resource: { resource: 'DISCOVER_RESOURCE_EC2_INSTANCE' },
      status: { status: 'DISCOVER_STATUS_SUCCESS', error: '', errorClass: 'none' },
      resourcesCount: '7',
    });

    const Connect = root.lookupType('prehog.v1alpha.SubmitConnectEventRequest');
    const distinctId = crypto.randomUUID();
    const connectBody = Connect.encode(
      Connect.fromObject({ distinct_id: distinctId, file_transfer_run: { cluster_name: anon('prod-cluster'), user_name: anon('alice'), is_upload: true } }),
    ).finish();
    assert.equal((await post(collector.url, SUBMIT_CONNECT_EVENT_PATH, connectBody, 'application/proto')).status, 200);
    const transfer = (await stored(dataDir)).find((line) => line.event['distinctId'] === distinctId)!;
    assert.deepEqual(transfer.event['fileTransferRun'], { clusterName: anon('prod-cluster'), userName: anon('alice'), isUpload: true });
  });

  it('skips unknown fields in JSON and binary, counts them, and never stores them', async () => {
    const canary = 'zqunknowncanary';
    const json = discoverRequest(discoverStep('test connection')) as Record<string, Record<string, Record<string, unknown>>>;
    json['uiDiscoverTestConnectionEvent']!['metadata']!['extraField'] = canary;
    Object.assign(json, { futureScalar: canary, futureNumber: 5 });
    assert.equal((await post(collector.url, SUBMIT_EVENT_PATH, json)).status, 200);

    const root = protobufjsRoot();
    // A newer contract: a field our descriptor lacks, inside metadata and at the top level.
    root.lookupType('prehog.v1alpha.DiscoverMetadata').add(new protobuf.Field('extra_field', 9, 'string'));
    root.lookupType('prehog.v1alpha.SubmitEventRequest').add(new protobuf.Field('future_scalar', 120, 'int64'));
    const Request = root.lookupType('prehog.v1alpha.SubmitEventRequest');
    const runId = crypto.randomUUID();
    const binary = Request.encode(
      Request.fromObject({
        cluster_name: anon('prod-cluster'),
        future_scalar: 77,
        ui_discover_completed_event: { metadata: { id: runId, user_name: anon('bob'), extra_field: canary }, resource: { resource: 1 }, status: { status: 1 } },
      }),
    ).finish();
    assert.equal((await post(collector.url, SUBMIT_EVENT_PATH, binary, 'application/proto')).status, 200);

    const text = await storedText(dataDir);
    assert.ok(text.includes(runId));
    assert.ok(!text.includes(canary), 'no unknown field reaches the store');
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    assert.match(metrics, /^tbot_collector_unknown_fields_skipped_total\{family="discover"\} ([5-9]|\d\d+)$/m);
  });

  // Plain HTTP proves no tenant: every member other than a Discover step is product usage, and an
  // undeclared member may be one, so both need a tenant certificate.
  const unauthenticated: { name: string; path: string; body: () => unknown; contentType?: string; message: RegExp }[] = [
    {
      name: 'a JSON SubmitEvent with a non-Discover member (userLogin)',
      path: SUBMIT_EVENT_PATH,
      body: () => ({ clusterName: anon('prod-cluster'), userLogin: { userName: anon('alice'), connectorType: 'github' } }),
      message: /^userLogin is product usage: it needs a tenant client certificate$/,
    },
    {
      name: 'a binary SubmitEvent with oneof field 3 (user_login)',
      path: SUBMIT_EVENT_PATH,
      // cluster_name (1) then field 3, length-delimited, holding user_name (1) = "x"
      body: () => Buffer.concat([Buffer.from([0x0a, 44]), Buffer.from(anon('prod-cluster')), Buffer.from([0x1a, 0x03, 0x0a, 0x01, 0x78])]),
      contentType: 'application/proto',
      message: /^userLogin is product usage/,
    },
    {
      name: 'a binary SubmitEvent with a member newer than the contract (field 140)',
      path: SUBMIT_EVENT_PATH,
      body: () => Buffer.from([0xe2, 0x08, 0x00]),
      contentType: 'application/proto',
      message: /^event field 140 is product usage/,
    },
    {
      name: 'a SubmitEvents batch mixing Discover and other events (refused whole)',
      path: SUBMIT_EVENTS_PATH,
      body: () => ({ events: [discoverRequest(discoverStep('started')), { clusterName: anon('prod-cluster'), sessionStartV2: { userName: anon('alice'), sessionType: 'ssh' } }] }),
      message: /^events\[1\]\.sessionStartV2 is product usage/,
    },
  ];
  for (const bad of unauthenticated) {
    it(`answers unauthenticated (401) to ${bad.name} and stores nothing`, async () => {
      const before = await storedText(dataDir);
      const result = await post(collector.url, bad.path, bad.body(), bad.contentType);
      assert.equal(result.status, 401, JSON.stringify(result.json));
      assert.equal(result.json.code, 'unauthenticated');
      assert.match(result.json.message ?? '', bad.message);
      assert.equal(await storedText(dataDir), before);
    });
  }

  const unimplemented: { name: string; path: string; body: () => unknown; contentType?: string; message: RegExp }[] = [
    {
      name: 'a JSON SubmitEvent with a member it does not know (JSON names no field number)',
      path: SUBMIT_EVENT_PATH,
      body: () => ({ clusterName: anon('prod-cluster'), brandNewEvent: { userName: anon('alice') } }),
      message: /^event "brandNewEvent" is not a member this collector knows; send it in binary/,
    },
    {
      name: 'a Connect event newer than the contract',
      path: SUBMIT_CONNECT_EVENT_PATH,
      body: () => ({ distinctId: crypto.randomUUID(), vnetStart: { clusterName: anon('prod-cluster') } }),
      message: /"vnetStart" is not implemented/,
    },
  ];
  for (const bad of unimplemented) {
    it(`answers unimplemented (501) to ${bad.name} and stores nothing`, async () => {
      const before = await storedText(dataDir);
      const result = await post(collector.url, bad.path, bad.body(), bad.contentType);
      assert.equal(result.status, 501, JSON.stringify(result.json));
      assert.equal(result.json.code, 'unimplemented');
      assert.match(result.json.message ?? '', bad.message);
      assert.equal(await storedText(dataDir), before);
    });
  }

  const invalid: { name: string; path: string; body: () => unknown; message: RegExp }[] = [
    {
      name: 'a Discover request with no event',
      path: SUBMIT_EVENT_PATH,
      body: () => ({ clusterName: anon('prod-cluster') }),
      message: /^event: expected one event member \(a UIDiscover\* event, or product usage from a tenant\)$/,
    },
    { name: 'a Connect request with no event', path: SUBMIT_CONNECT_EVENT_PATH, body: () => ({ distinctId: crypto.randomUUID() }), message: /^event: expected one Connect event$/ },
    {
      name: 'a run id that is not a UUID',
      path: SUBMIT_EVENT_PATH,
      body: () => discoverRequest(discoverStep('started'), { runId: 'run-1' }),
      message: /^uiDiscoverStartedEvent\.metadata\.id: /,
    },
    {
      name: 'a distinct id that is not a UUID',
      path: SUBMIT_CONNECT_EVENT_PATH,
      body: () => ({ ...connectRequest(CONNECT_PREHOG[0]!), distinctId: 'alice-laptop' }),
      message: /^distinctId: /,
    },
    {
      name: 'an unknown enum value',
      path: SUBMIT_EVENT_PATH,
      body: () => ({
        ...discoverRequest(discoverStep('completed')),
        uiDiscoverCompletedEvent: {
          metadata: { id: crypto.randomUUID(), userName: anon('a') },
          resource: { resource: 'DISCOVER_RESOURCE_TOASTER' },
          status: { status: 'DISCOVER_STATUS_SUCCESS' },
        },
      }),
      message: /DISCOVER_RESOURCE_TOASTER/,
    },
    {
      name: 'a timestamp two days ahead',
      path: SUBMIT_EVENT_PATH,
      body: () => discoverRequest(discoverStep('started'), { timestamp: new Date(Date.now() + 48 * 3_600_000).toISOString() }),
      message: /^timestamp: more than 24 h ahead of the collector's clock$/,
    },
    {
      name: 'an impossible date',
      path: SUBMIT_CONNECT_EVENT_PATH,
      body: () => ({ ...connectRequest(CONNECT_PREHOG[0]!), timestamp: '2026-13-45T99:99:99Z' }),
      message: /Timestamp from JSON: invalid RFC 3339/,
    },
    {
      name: 'a batch of 501 events',
      path: SUBMIT_EVENTS_PATH,
      body: () => ({
        events: Array.from({ length: 501 }, () => ({
          clusterName: anon('c'),
          uiDiscoverStartedEvent: { metadata: { id: crypto.randomUUID(), userName: anon('u') }, status: { status: 1 } },
        })),
      }),
      message: /^events: 501 events in one request; at most 500$/,
    },
    {
      name: 'a batch whose eighth event has a clear cluster name (refused whole)',
      path: SUBMIT_CONNECT_EXTRA_EVENTS_PATH,
      body: () => ({
        events: Array.from({ length: 10 }, (_, index) => ({ ...connectRequest(CONNECT_EXTRA[1]!), ...(index === 7 ? { clusterAdd: { rootClusterName: 'prod-cluster' } } : {}) })),
      }),
      message: /^events\[7\]\.clusterAdd\.rootClusterName: expected the anonymizer's output/,
    },
  ];
  for (const bad of invalid) {
    it(`rejects ${bad.name} with invalid_argument naming the field, storing nothing`, async () => {
      const before = await storedText(dataDir);
      const result = await post(collector.url, bad.path, bad.body());
      assert.equal(result.status, 400, JSON.stringify(result.json));
      assert.equal(result.json.code, 'invalid_argument');
      assert.match(result.json.message ?? '', bad.message);
      assert.equal(await storedText(dataDir), before);
    });
  }

  it('stores a full batch of 500 Discover events atomically', async () => {
    const runId = crypto.randomUUID();
    // Each at its own millisecond: a byte-for-byte copy within one request is a resend, stored once.
    const start = Date.now() - 60_000;
    const events = Array.from({ length: 500 }, (_, index) =>
      discoverRequest(DISCOVER_STEPS[index % DISCOVER_STEPS.length]!, { runId, timestamp: new Date(start + index).toISOString() }),
    );
    const result = await post(collector.url, SUBMIT_EVENTS_PATH, { events });
    assert.equal(result.status, 200, JSON.stringify(result.json));
    assert.equal((await stored(dataDir)).filter((line) => JSON.stringify(line.event).includes(runId)).length, 500);
  });

  it('keeps a Discover error that names nothing, redacts one that names an address, stores both classes, and counts the redaction', async () => {
    const runId = crypto.randomUUID();
    const kept = discoverRequest(discoverStep('test connection'), { runId, status: 'DISCOVER_STATUS_ERROR', error: 'timed out waiting for the agent to join' });
    const named = discoverRequest(discoverStep('deploy agent'), {
      runId,
      status: 'DISCOVER_STATUS_ERROR',
      error: 'dial tcp db-primary.internal.zqerrcanary.com:5432: connection refused',
    });
    assert.equal((await post(collector.url, SUBMIT_EVENTS_PATH, { events: [kept, named] })).status, 200);
    const mine = (await stored(dataDir)).filter((line) => JSON.stringify(line.event).includes(runId));
    const status = (member: string) => (mine.find((line) => member in line.event)!.event[member] as { status: unknown }).status;
    assert.deepEqual(status('uiDiscoverTestConnectionEvent'), { status: 'DISCOVER_STATUS_ERROR', error: 'timed out waiting for the agent to join', errorClass: 'timeout' });
    assert.deepEqual(status('uiDiscoverDeployServiceEvent'), { status: 'DISCOVER_STATUS_ERROR', error: 'redacted', errorClass: 'connection' });
    assert.ok(!(await storedText(dataDir)).includes('zqerrcanary'));
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    assert.match(metrics, /^tbot_collector_redacted_total\{family="discover",field="status\.error",rule="address"\} [1-9]\d*$/m);
  });
});
