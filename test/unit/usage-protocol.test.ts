/**
 * The shared vocabularies of the Connect and Discover contracts: the anonymizer against known
 * vectors, the free-text screen, and the wire facts of our .proto files (Teleport's names and
 * numbers), with protobufjs as an independent encoder. Tables and schemas that restate the proto
 * are checked against the descriptors so they cannot drift.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { fromBinary, fromJson, toBinary, type DescField } from '@bufbuild/protobuf';
import protobuf from 'protobufjs';
import { anonymize, isAnonymized } from '../../src/protocol/anonymized.js';
import { CONNECT_EVENTS, CONNECT_EXTRA_REQUEST, CONNECT_REQUEST } from '../../src/protocol/connect-wire.js';
import { messageSchema, serviceSchema } from '../../src/protocol/descriptors.js';
import { DISCOVER_REQUEST, DISCOVER_STATUSES, DISCOVER_STEPS, isOtherEventField } from '../../src/protocol/discover-wire.js';
import { classifyError, screenFreeText } from '../../src/protocol/free-text.js';
import connectSchema from '../../schemas/connect-event.schema.json' with { type: 'json' };
import extraSchema from '../../schemas/connect-extra-event.schema.json' with { type: 'json' };
import discoverSchema from '../../schemas/discover-event.schema.json' with { type: 'json' };
import { fieldType } from '../helpers/proto-fields.js';
import { anon, connectRequest, discoverRequest } from '../helpers/usage-events.js';

const SCHEMAS = fileURLToPath(new URL('../../schemas/', import.meta.url));

describe('the anonymizer', () => {
  // Computed with `printf '%s' VALUE | openssl dgst -sha256 -hmac KEY -binary | base64`.
  const vectors: [string, string, string][] = [
    ['0123456789abcdef0123456789abcdef', 'prod-cluster', '23ntaRWKnpm+EudyCMYJcijSqIR/l4uPWc85cVm9PRc='],
    ['0123456789abcdef0123456789abcdef', 'alice', 'Qz3rRUZ+TlPbq6WUyIvDogD3BaIVB4jD0R5gQOY+hRA='],
    ['0123456789abcdef0123456789abcdef', '', 'eWzTB4rxRjZ1PSaztVVUIv9Vo+Jhz4R7SOlTcbm9CqI='],
    ['6a3c4f0e-2b7d-4c1a-9f5e-8d2b1a0c3e4f', 'prod-cluster', 'h9/TfDOwmqPGSoKX2RqF4267YR8mxjXaI/ZZ7+FdWKE='],
    ['6a3c4f0e-2b7d-4c1a-9f5e-8d2b1a0c3e4f', 'alice@example.com', 'GAVPuSmHbIf9jy4XXJxRX6OdcdX4b/3EYJCgSGAh3QU='],
  ];
  for (const [key, value, expected] of vectors) {
    it(`matches Go's AnonymizeString for ${JSON.stringify(value)} under a ${key.length}-character key`, () => {
      assert.equal(anonymize(key, value), expected);
      assert.ok(isAnonymized(expected));
    });
  }

  it('accepts only the exact shape of 32 bytes in padded standard base64', () => {
    for (let i = 0; i < 200; i += 1) assert.ok(isAnonymized(anonymize(crypto.randomUUID(), String(i))));
    for (const value of [
      '',
      'prod-cluster',
      'alice@example.com',
      '10.0.0.1',
      '/etc/passwd',
      'a'.repeat(44),
      `${'A'.repeat(42)}B=`,
      `${'A'.repeat(42)}A==`,
      `${'A'.repeat(42)}A`,
      `${'-'.repeat(42)}A=`,
      `${anon('x')}\n`,
    ]) {
      assert.ok(!isAnonymized(value), JSON.stringify(value));
    }
  });
});

describe('the free-text screen', () => {
  const kept = ['timed out waiting for the agent to join', 'permission denied for this role', 'failed to create the IAM policy: AccessDenied', 'agent did not respond', ''];
  for (const text of kept) it(`keeps ${JSON.stringify(text)}`, () => assert.deepEqual(screenFreeText(text), { kept: true, text }));
  const redacted: [string, string][] = [
    ['dial tcp 10.0.0.5:3022: i/o timeout', 'ip'],
    ['cannot reach [fe80::1]', 'ip'],
    ['connect to fe80::1ff:fe23:4567:890a failed', 'ip'],
    ['proxy at teleport.example.com:443 refused', 'address'],
    ['db:5432 refused the connection', 'address'],
    ['see https://goteleport.com/docs', 'url'],
    ['bob@corp denied', 'email'],
    ['no such file /var/lib/teleport/host_uuid', 'path'],
    ['~/tsh missing', 'path'],
    ['C:\\Program Files\\Teleport failed', 'path'],
    ['node prod.internal not reachable', 'host'],
    ['account 123456789012 is not allowed', 'identifier'],
    ['arn:aws:iam::role denied', 'identifier'],
    ['resource 6f1c2b9e-1d2f-4c3a-9b8e-7a6d5c4b3a21 missing', 'identifier'],
    ["role 'db-admins' missing", 'quoted'],
    ['line one\nline two', 'control'],
    ['x'.repeat(301), 'too-long'],
  ];
  for (const [text, rule] of redacted)
    it(`redacts ${JSON.stringify(text.slice(0, 40))} (${rule})`, () => assert.deepEqual(screenFreeText(text), { kept: false, text: 'redacted', rule }));

  it('sorts errors into fixed classes', () => {
    assert.deepEqual(
      [
        '',
        'context deadline exceeded',
        'AccessDenied: not authorized',
        'database not found',
        'role already exists',
        'x509: certificate signed by unknown authority',
        'connection refused',
        'invalid port',
        'rate limit exceeded',
        'service unavailable',
        'something odd',
      ].map(classifyError),
      ['none', 'timeout', 'permission', 'not-found', 'already-exists', 'tls', 'connection', 'invalid-input', 'quota', 'unavailable', 'other'],
    );
  });
});

function describeFields(fields: readonly DescField[]): string[] {
  return fields.map((field) => `${field.number} ${field.name}${field.oneof === undefined ? '' : ` oneof:${field.oneof.name}`} ${fieldType(field)}`);
}

describe('prehog connect.proto, teleport.proto and our connect_extra.proto', () => {
  it("carry Teleport's service, method and request shapes", () => {
    const methods = (name: string) => serviceSchema(name).methods.map((method) => `${method.name}(${method.input.typeName}) ${method.output.typeName}`);
    assert.deepEqual(methods('prehog.v1alpha.ConnectReportingService'), ['SubmitConnectEvent(prehog.v1alpha.SubmitConnectEventRequest) prehog.v1alpha.SubmitConnectEventResponse']);
    assert.deepEqual(methods('prehog.v1alpha.TeleportReportingService'), [
      'SubmitEvent(prehog.v1alpha.SubmitEventRequest) prehog.v1alpha.SubmitEventResponse',
      'SubmitEvents(prehog.v1alpha.SubmitEventsRequest) prehog.v1alpha.SubmitEventsResponse',
      'HelloTeleport(prehog.v1alpha.HelloTeleportRequest) prehog.v1alpha.HelloTeleportResponse',
    ]);
    assert.deepEqual(methods('tbotanalytics.connect.v1.ConnectExtraReportingService'), [
      'SubmitConnectExtraEvent(tbotanalytics.connect.v1.SubmitConnectExtraEventRequest) tbotanalytics.connect.v1.SubmitConnectExtraEventResponse',
      'SubmitConnectExtraEvents(tbotanalytics.connect.v1.SubmitConnectExtraEventsRequest) tbotanalytics.connect.v1.SubmitConnectExtraEventsResponse',
    ]);
    assert.deepEqual(describeFields(messageSchema(CONNECT_REQUEST).fields).slice(0, 4), [
      '1 distinct_id scalar:9',
      '2 timestamp message:google.protobuf.Timestamp',
      '3 cluster_login oneof:event message:prehog.v1alpha.ConnectClusterLoginEvent',
      '4 protocol_use oneof:event message:prehog.v1alpha.ConnectProtocolUseEvent',
    ]);
    assert.deepEqual(describeFields(messageSchema('prehog.v1alpha.ConnectClusterLoginEvent').fields), [
      '1 cluster_name scalar:9',
      '2 user_name scalar:9',
      '3 connector_type scalar:9',
      '4 arch scalar:9',
      '5 os scalar:9',
      '6 os_version scalar:9',
      '7 app_version scalar:9',
    ]);
    assert.deepEqual(describeFields(messageSchema('prehog.v1alpha.DiscoverMetadata').fields), ['1 id scalar:9', '2 user_name scalar:9', '3 sso scalar:8']);
    assert.deepEqual(describeFields(messageSchema('prehog.v1alpha.DiscoverStepStatus').fields), ['1 status enum:prehog.v1alpha.DiscoverStatus', '2 error scalar:9']);
    assert.deepEqual(
      describeFields(messageSchema(DISCOVER_REQUEST).fields).filter((field) => !field.includes('oneof')),
      ['1 cluster_name scalar:9', '2 timestamp message:google.protobuf.Timestamp', '95 teleport_version scalar:9'],
    );
    assert.deepEqual(describeFields(messageSchema('prehog.v1alpha.SubmitEventsRequest').fields), ['1 events list']);
  });

  it('the step table names every UIDiscover* member by its number, and every Connect member', () => {
    const members = messageSchema(DISCOVER_REQUEST).fields.filter((field) => field.oneof !== undefined && field.message?.name.startsWith('UIDiscover'));
    assert.deepEqual(
      members.map((field) => [field.number, field.jsonName]).sort((a, b) => Number(a[0]) - Number(b[0])),
      DISCOVER_STEPS.map((step) => [step.number, step.member]).sort((a, b) => Number(a[0]) - Number(b[0])),
    );
    const connectMembers = [CONNECT_REQUEST, CONNECT_EXTRA_REQUEST].flatMap((name) =>
      messageSchema(name)
        .fields.filter((field) => field.oneof !== undefined)
        .map((field) => field.jsonName),
    );
    assert.deepEqual(connectMembers.sort(), CONNECT_EVENTS.map((spec) => spec.member).sort());
  });

  it('treats every other length-delimited number from 3 up as a non-Discover event, except 8 (reserved) and 95', () => {
    assert.ok(isOtherEventField(3, 2) && isOtherEventField(20, 2) && isOtherEventField(98, 2) && isOtherEventField(150, 2));
    assert.ok(
      !isOtherEventField(17, 2) && !isOtherEventField(85, 2) && !isOtherEventField(8, 2) && !isOtherEventField(95, 2) && !isOtherEventField(1, 2) && !isOtherEventField(50, 0),
    );
  });

  it('the JSON Schemas list exactly the members, fields and enum values of the descriptors', () => {
    const keys = (schema: { properties: object }) => Object.keys(schema.properties).sort();
    assert.deepEqual(keys(connectSchema), ['distinctId', 'timestamp', ...CONNECT_EVENTS.filter((spec) => spec.contract === 'prehog').map((spec) => spec.member)].sort());
    assert.deepEqual(keys(extraSchema), ['distinctId', 'timestamp', ...CONNECT_EVENTS.filter((spec) => spec.contract === 'extra').map((spec) => spec.member)].sort());
    assert.deepEqual(keys(discoverSchema), ['clusterName', 'teleportVersion', 'timestamp', ...DISCOVER_STEPS.map((step) => step.member)].sort());
    for (const spec of CONNECT_EVENTS) {
      const schema = (spec.contract === 'prehog' ? connectSchema : extraSchema).properties as unknown as Record<string, { properties: object }>;
      const field = messageSchema(spec.contract === 'prehog' ? CONNECT_REQUEST : CONNECT_EXTRA_REQUEST).fields.find((candidate) => candidate.jsonName === spec.member)!;
      assert.ok(field.fieldKind === 'message');
      assert.deepEqual(Object.keys(schema[spec.member]!.properties).sort(), field.message.fields.map((member) => member.jsonName).sort(), spec.member);
    }
    const enumNames = (type: string, name: string) => {
      const field = messageSchema(type).fields.find((candidate) => candidate.name === name)!;
      assert.ok(field.fieldKind === 'enum');
      return field.enum.values.map((value) => value.name);
    };
    assert.deepEqual(discoverSchema.definitions.resource.properties.resource.anyOf[0]!.enum, enumNames('prehog.v1alpha.DiscoverResourceMetadata', 'resource'));
    assert.deepEqual(discoverSchema.definitions.status.properties.status.anyOf[0]!.enum, enumNames('prehog.v1alpha.DiscoverStepStatus', 'status'));
    assert.deepEqual([...DISCOVER_STATUSES], enumNames('prehog.v1alpha.DiscoverStepStatus', 'status'));
  });

  it('protobufjs and the runtime descriptors encode the same Connect and Discover requests to the same bytes', () => {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : resolve(SCHEMAS, target));
    root.loadSync(['prehog/v1alpha/connect.proto', 'prehog/v1alpha/teleport.proto', 'tbotanalytics/connect/v1/connect_extra.proto'], { keepCase: true });
    const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
      [
        CONNECT_REQUEST,
        connectRequest(CONNECT_EVENTS[0]!, '0b6e3a52-6e7c-4c8e-9a51-5f1d2f8f0b1a', '2026-11-18T11:06:40.123Z'),
        {
          distinct_id: '0b6e3a52-6e7c-4c8e-9a51-5f1d2f8f0b1a',
          timestamp: { seconds: 1_795_000_000, nanos: 123_000_000 },
          cluster_login: {
            cluster_name: anon('prod-cluster'),
            user_name: anon('alice'),
            connector_type: 'github',
            arch: 'arm64',
            os: 'darwin',
            os_version: '23.4.0',
            app_version: '17.0.1',
          },
        },
      ],
      [
        CONNECT_EXTRA_REQUEST,
        connectRequest(CONNECT_EVENTS.find((spec) => spec.member === 'resourceTableSearch')!, '0b6e3a52-6e7c-4c8e-9a51-5f1d2f8f0b1a', '2026-11-18T11:06:40.123Z'),
        {
          distinct_id: '0b6e3a52-6e7c-4c8e-9a51-5f1d2f8f0b1a',
          timestamp: { seconds: 1_795_000_000, nanos: 123_000_000 },
          resource_table_search: { root_cluster_name: anon('prod-cluster'), leaf_cluster_name: anon('leaf-eu'), resource_kind: 'node' },
        },
      ],
      [
        DISCOVER_REQUEST,
        discoverRequest(DISCOVER_STEPS.find((step) => step.number === 21)!, { runId: '0b6e3a52-6e7c-4c8e-9a51-5f1d2f8f0b1a', timestamp: '2026-11-18T11:06:40.123Z' }),
        {
          cluster_name: anon('prod-cluster'),
          timestamp: { seconds: 1_795_000_000, nanos: 123_000_000 },
          teleport_version: '17.0.1',
          ui_discover_deploy_service_event: {
            metadata: { id: '0b6e3a52-6e7c-4c8e-9a51-5f1d2f8f0b1a', user_name: anon('alice'), sso: true },
            resource: { resource: 1 },
            status: { status: 1 },
            deploy_method: 1,
            deploy_type: 1,
          },
        },
      ],
    ];
    for (const [typeName, json, object] of cases) {
      const Type = root.lookupType(typeName);
      const independent = Type.encode(Type.fromObject(object)).finish();
      const schema = messageSchema(typeName);
      const ours = toBinary(schema, fromJson(schema, json as never));
      assert.deepEqual(Buffer.from(ours), Buffer.from(independent), typeName);
      assert.deepEqual(toBinary(schema, fromBinary(schema, independent)), ours);
    }
  });
});
