/**
 * The product-usage services, called as the transport calls them (accept with a caller): every
 * prehog.v1alpha member in JSON and binary, a mixed batch as a real auth server sends it, the
 * tenant rule, unknown members and enum values, and prehog.v1 usage reports with their limits and
 * their at-most-once storage. Requests are built from the real .proto descriptors with
 * @bufbuild/protobuf's reflection (create / toBinary / toJson), never as hand-built bytes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, toBinary, toJson, type DescMessage, type Message } from '@bufbuild/protobuf';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ConnectFailure } from '../../src/collector/ingest/connect-protocol.js';
import { ANONYMOUS_CALLER, type IngestService } from '../../src/collector/ingest/service.js';
import { teleportEventServices } from '../../src/collector/ingest/services/teleport-events.js';
import { createUsageReportService } from '../../src/collector/ingest/services/usage-reports.js';
import { SegmentStore } from '../../src/collector/store/segment-store.js';
import { messageSchema } from '../../src/protocol/descriptors.js';
import { DISCOVER_BATCH, DISCOVER_REQUEST } from '../../src/protocol/discover-wire.js';
import { PRODUCT_SENSITIVE, type StoredTeleportEvent } from '../../src/protocol/teleport-wire.js';
import { USAGE_REQUEST, type StoredUsageReport } from '../../src/protocol/usage-wire.js';
import { anon } from '../helpers/usage-events.js';
import { makeWorkspace } from '../helpers/workspace.js';

const NOW = new Date('2026-12-05T08:00:00.000Z');
const TENANT = { tenant: 'acme' };
const [submitEvent, submitEvents] = teleportEventServices as [IngestService, IngestService];
const hmacBytes = (name: string): Uint8Array => Buffer.from(anon(name), 'base64');

/** A member's message with every anonymized field the contract declares filled with an HMAC, at every depth. */
function memberMessage(schema: DescMessage): Message {
  const init: Record<string, unknown> = {};
  for (const field of schema.fields) {
    const sensitive = PRODUCT_SENSITIVE[schema.typeName]?.[field.jsonName];
    if (sensitive !== undefined) init[field.localName] = field.fieldKind === 'scalar' && field.scalar === 12 ? hmacBytes(field.name) : anon(field.name);
    else if (field.fieldKind === 'message' && !field.message.typeName.startsWith('google.')) init[field.localName] = memberMessage(field.message);
    else if (field.fieldKind === 'scalar' && field.scalar === 9) init[field.localName] = 'ok';
  }
  return create(schema, init as never);
}

const discoverMessage = (schema: DescMessage): Message => {
  const message = memberMessage(schema) as Message & Record<string, unknown>;
  (message['metadata'] as Record<string, unknown>)['id'] = crypto.randomUUID();
  (message['metadata'] as Record<string, unknown>)['userName'] = anon('alice');
  const status = message['status'] as Record<string, unknown>;
  status['error'] = '';
  status['status'] = 1;
  return message;
};

function requestWith(member: string, event?: Message, extra: Record<string, unknown> = {}): Message {
  const schema = messageSchema(DISCOVER_REQUEST);
  const field = schema.fields.find((candidate) => candidate.jsonName === member)!;
  const value = event ?? (field.message!.name.startsWith('UIDiscover') ? discoverMessage(field.message!) : memberMessage(field.message!));
  return create(schema, {
    clusterName: anon('prod'),
    timestamp: timestampFromMs(NOW.getTime() - 60_000),
    teleportVersion: '17.1.0',
    event: { case: field.localName, value },
    ...extra,
  } as never);
}

const batch = (requests: Message[]): Message => create(messageSchema(DISCOVER_BATCH), { events: requests } as never);
const binary = (message: Message): Buffer => Buffer.from(toBinary(messageSchema(message.$typeName), message));
const json = (message: Message): Buffer => Buffer.from(JSON.stringify(toJson(messageSchema(message.$typeName), message)));

function refusal(run: () => unknown): ConnectFailure {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConnectFailure, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

describe('prehog.v1alpha SubmitEvent(s): every member', () => {
  const members = messageSchema(DISCOVER_REQUEST).oneofs[0]!.fields;

  it('declares the 92 members of the newest contract in our index, numbered as Teleport numbers them', () => {
    assert.equal(members.length, 92);
    assert.deepEqual(
      members.map((field) => field.number),
      [3, 4, 5, 6, 7, ...Array.from({ length: 86 }, (_, index) => index + 9), 96],
    );
  });

  for (const encoding of ['json', 'proto'] as const)
    it(`accepts every member from a tenant in ${encoding}, each under its family`, () => {
      for (const field of members) {
        const request = requestWith(field.jsonName);
        const accepted = submitEvent.accept(encoding, encoding === 'json' ? json(request) : binary(request), NOW, TENANT);
        const discover = field.message!.name.startsWith('UIDiscover');
        assert.deepEqual(accepted.families, [discover ? 'discover' : 'teleport'], field.name);
        if (!discover) {
          const stored = accepted.events[0] as StoredTeleportEvent;
          assert.equal(stored.tenant, 'acme');
          assert.ok(stored.request[field.jsonName] !== undefined, field.name);
          assert.ok(!JSON.stringify(stored.request).includes('acme'), 'the tenant never sits among the anonymized fields');
        }
      }
    });

  it('stores a mixed batch of the kind a real auth server sends whole, in binary', () => {
    const names = [
      'userLogin',
      'sessionStartV2',
      'resourceCreate',
      'uiDiscoverStartedEvent',
      'agentMetadataEvent',
      'resourceHeartbeat',
      'uiDiscoverResourceSelectionEvent',
      'botJoin',
    ];
    const accepted = submitEvents.accept('proto', binary(batch(names.map((name) => requestWith(name)))), NOW, TENANT);
    assert.deepEqual(accepted.families, ['teleport', 'teleport', 'teleport', 'discover', 'teleport', 'teleport', 'discover', 'teleport']);
    const heartbeat = accepted.events[5] as StoredTeleportEvent;
    assert.equal((heartbeat.request['resourceHeartbeat'] as { resourceName: string }).resourceName, anon('resource_name'));
  });

  it('refuses product usage without a tenant (unauthenticated), while Discover alone stays open', () => {
    const mixed = batch([requestWith('uiDiscoverStartedEvent'), requestWith('userLogin')]);
    const failure = refusal(() => submitEvents.accept('proto', binary(mixed), NOW, ANONYMOUS_CALLER));
    assert.equal(failure.code, 'unauthenticated');
    assert.match(failure.message, /events\[1\]\.userLogin/);
    const discoverOnly = submitEvents.accept('json', json(batch([requestWith('uiDiscoverStartedEvent')])), NOW, ANONYMOUS_CALLER);
    assert.deepEqual(discoverOnly.families, ['discover']);
  });

  it('refuses a clear value in an anonymized field, naming the field', () => {
    const login = create(messageSchema('prehog.v1alpha.UserLoginEvent'), { userName: 'alice', connectorType: 'local' } as never);
    const failure = refusal(() => submitEvent.accept('proto', binary(requestWith('userLogin', login)), NOW, TENANT));
    assert.equal(failure.code, 'invalid_argument');
    assert.match(failure.message, /^userLogin\.userName: expected the anonymizer's output/);
    const heartbeat = create(messageSchema('prehog.v1alpha.ResourceHeartbeatEvent'), { resourceName: new Uint8Array(16) } as never);
    assert.match(refusal(() => submitEvent.accept('proto', binary(requestWith('resourceHeartbeat', heartbeat)), NOW, TENANT)).message, /resourceHeartbeat\.resourceName/);
  });

  it('keeps a member newer than the contract raw, with its number, from a tenant; refuses it in JSON', () => {
    const unknownMember = (): Buffer =>
      Buffer.from(
        new BinaryWriter()
          .tag(1, 2)
          .string(anon('prod'))
          .tag(97, 2)
          .bytes(new Uint8Array([8, 1, 18, 2, 104, 105]))
          .finish(),
      );
    const accepted = submitEvent.accept('proto', unknownMember(), NOW, TENANT);
    assert.deepEqual(accepted.families, ['teleport']);
    assert.deepEqual((accepted.events[0] as StoredTeleportEvent).unknown, { number: 97, bytes: Buffer.from([8, 1, 18, 2, 104, 105]).toString('base64') });
    assert.deepEqual(accepted.notes?.unknownEvents, [{ family: 'teleport', number: 97 }]);
    assert.equal(accepted.notes?.unknownFields, 0);
    assert.equal(refusal(() => submitEvent.accept('proto', unknownMember(), NOW, ANONYMOUS_CALLER)).code, 'unauthenticated');
    const jsonUnknown = Buffer.from(JSON.stringify({ clusterName: anon('prod'), brandNewEvent: { a: 1 } }));
    assert.equal(refusal(() => submitEvent.accept('json', jsonUnknown, NOW, TENANT)).code, 'unimplemented');
  });

  it('accepts DiscoverMetadata with only its id (RFD 0094) and DiscoverResource values newer than the contract', () => {
    const body = {
      clusterName: anon('prod'),
      uiDiscoverResourceSelectionEvent: { metadata: { id: crypto.randomUUID() }, resource: { resource: 43 }, status: { status: 'DISCOVER_STATUS_SUCCESS' } },
    };
    const accepted = submitEvent.accept('json', Buffer.from(JSON.stringify(body)), NOW, ANONYMOUS_CALLER);
    const event = (accepted.events[0] as Record<string, { resource: { resource: unknown }; metadata: { userName: string } }>)['uiDiscoverResourceSelectionEvent']!;
    assert.equal(event.resource.resource, 43, 'an unknown enum number is kept as a number');
    assert.equal(event.metadata.userName, '');
    for (const resource of [42, 44]) {
      const step = create(messageSchema('prehog.v1alpha.UIDiscoverResourceSelectionEvent'), {
        metadata: { id: crypto.randomUUID(), userName: anon('bob') },
        resource: { resource },
        status: { status: 1 },
      } as never);
      assert.equal(submitEvent.accept('proto', binary(requestWith('uiDiscoverResourceSelectionEvent', step)), NOW, ANONYMOUS_CALLER).events.length, 1);
    }
  });

  it('screens the free text of product events (an integration step error naming a host is redacted)', () => {
    const step = create(messageSchema('prehog.v1alpha.UIIntegrationEnrollStepEvent'), {
      metadata: { id: 'run', kind: 26, userName: anon('carol') },
      step: 1,
      status: { code: 3, error: 'dial tcp 10.0.0.5:443: connection refused' },
    } as never);
    const accepted = submitEvent.accept('proto', binary(requestWith('uiIntegrationEnrollStepEvent', step)), NOW, TENANT);
    const stored = (accepted.events[0] as StoredTeleportEvent).request['uiIntegrationEnrollStepEvent'] as { status: { error: string } };
    assert.equal(stored.status.error, 'redacted');
    assert.deepEqual(accepted.notes?.redactions, [{ family: 'teleport', field: 'uiIntegrationEnrollStepEvent.status.error', rule: 'ip' }]);
    const openssh = create(messageSchema('prehog.v1alpha.ResourceCreateEvent'), { resourceType: 'node.openssh', resourceOrigin: 'cloud', cloudProvider: 'AWS' } as never);
    const kept = submitEvent.accept('proto', binary(requestWith('resourceCreate', openssh)), NOW, TENANT);
    assert.equal(((kept.events[0] as StoredTeleportEvent).request['resourceCreate'] as { resourceType: string }).resourceType, 'node.openssh', "Teleport's own vocabulary is kept");
  });
});

function usageRequest(reports: { user?: number; presence?: number; bots?: number } = { user: 1, presence: 1, bots: 1 }, start = NOW.getTime() - 900_000): Message {
  const common = (index: number) => ({
    reportUuid: Buffer.from(`00112233445566778899aabbccddee${index.toString(16).padStart(2, '0')}`, 'hex'),
    clusterName: hmacBytes('prod'),
    reporterHostid: hmacBytes('auth-1'),
    startTime: timestampFromMs(start),
  });
  return create(messageSchema(USAGE_REQUEST), {
    userActivity: Array.from({ length: reports.user ?? 0 }, (_, index) => ({
      ...common(index),
      records: [{ userName: hmacBytes('alice'), userKind: 1, logins: 2n, sshSessions: 3n, spiffeIdsIssued: [{ spiffeId: hmacBytes('spiffe://x'), svidsIssued: 1 }] }],
    })),
    resourcePresence: Array.from({ length: reports.presence ?? 0 }, (_, index) => ({
      ...common(100 + index),
      resourceKindReports: [{ resourceKind: 1, resourceIds: [1n, 2n, 3n] }],
    })),
    botInstanceActivity: Array.from({ length: reports.bots ?? 0 }, (_, index) => ({
      ...common(200 + index),
      records: [{ botInstanceId: hmacBytes('instance-1'), botUserName: hmacBytes('bot-ci'), botJoins: 1n }],
    })),
  } as never);
}

describe('prehog.v1 SubmitUsageReports', () => {
  const service = createUsageReportService({ randomUuid: () => '0f0e0d0c-0b0a-4908-8706-050403020100' });

  it('is tenant-only, and stores one usage record per report in the documented shape', () => {
    assert.equal(service.auth, 'tenant');
    const accepted = service.accept('proto', binary(usageRequest()), NOW, TENANT);
    const [user, presence, bots] = accepted.events as StoredUsageReport[];
    assert.deepEqual(Object.keys(user!), ['tenant', 'kind', 'report_uuid', 'cluster_name', 'reporter_hostid', 'start_time', 'report']);
    assert.equal(user!.tenant, 'acme');
    assert.equal(user!.kind, 'user_activity');
    assert.equal(user!.report_uuid, '00112233-4455-6677-8899-aabbccddee00');
    assert.equal(user!.cluster_name, anon('prod'));
    assert.equal(user!.reporter_hostid, anon('auth-1'));
    assert.equal(user!.start_time, '2026-12-05T07:45:00.000Z');
    const record = (user!.report['records'] as Record<string, unknown>[])[0]!;
    assert.equal(record['user_name'], anon('alice'));
    assert.equal(record['user_kind'], 'USER_KIND_HUMAN');
    assert.equal(record['logins'], '2', '64-bit counters are strings');
    assert.equal(presence!.kind, 'resource_presence');
    assert.deepEqual((presence!.report['resource_kind_reports'] as unknown[])[0], { resource_kind: 'RESOURCE_KIND_NODE', resource_ids: ['1', '2', '3'] });
    assert.equal(bots!.kind, 'bot_instance_activity');
    assert.ok(!JSON.stringify(user!.report).includes('acme'));
    assert.deepEqual(accepted.response, { batchUuid: Buffer.from('0f0e0d0c0b0a49088706050403020100', 'hex') });
  });

  it('takes JSON with the same result as binary', () => {
    const fromJson = service.accept('json', json(usageRequest()), NOW, TENANT).events;
    assert.deepEqual(fromJson, service.accept('proto', binary(usageRequest()), NOW, TENANT).events);
  });

  it('refuses more than 10 reports, a report over 128 KiB, a cluster name that is not 32 bytes, and a report kind it does not declare', () => {
    assert.equal(refusal(() => service.accept('proto', binary(usageRequest({ user: 6, presence: 5 })), NOW, TENANT)).reason, 'batch-too-large');
    const big = usageRequest({ user: 1 }) as Message & { userActivity: { records: unknown[] }[] };
    big.userActivity[0]!.records = Array.from({ length: 4000 }, () => create(messageSchema('prehog.v1.UserActivityRecord'), { userName: hmacBytes('x'), logins: 1n } as never));
    assert.equal(refusal(() => service.accept('proto', binary(big), NOW, TENANT)).reason, 'too-large');
    const short = usageRequest({ user: 1 }) as Message & { userActivity: { clusterName: Uint8Array }[] };
    short.userActivity[0]!.clusterName = new Uint8Array(31);
    const failure = refusal(() => service.accept('proto', binary(short), NOW, TENANT));
    assert.equal(failure.reason, 'not-anonymized');
    assert.match(failure.message, /^user_activity\[0\]\.cluster_name: expected 32 bytes/);
    const withKind4 = Buffer.concat([
      binary(usageRequest({ user: 1 })),
      Buffer.from(
        new BinaryWriter()
          .tag(6, 2)
          .bytes(new Uint8Array([10, 0]))
          .finish(),
      ),
    ]);
    assert.equal(refusal(() => service.accept('proto', withKind4, NOW, TENANT)).code, 'unimplemented');
  });

  it('stores a report at most once per (tenant, report_uuid), also after a restart', async () => {
    const workspace = await makeWorkspace('tbot-usage-dedup-');
    try {
      const records = (tenant: string) =>
        service.accept('proto', binary(usageRequest()), NOW, { tenant }).events.map((event) => ({ received_at: NOW.toISOString(), family: 'usage' as const, event }));
      const store = new SegmentStore(workspace.dir);
      await store.open();
      assert.equal(await store.appendAll(records('acme')), 3);
      assert.equal(await store.appendAll(records('acme')), 0, 'a resubmission stores nothing new');
      assert.equal(await store.appendAll(records('globex')), 3, 'another tenant with the same report uuids is another report');
      await store.close();
      const restarted = new SegmentStore(workspace.dir);
      await restarted.open();
      assert.equal(await restarted.appendAll(records('acme')), 0, 'the index is rebuilt from the store');
      await restarted.close();
    } finally {
      await workspace.remove();
    }
  });
});
