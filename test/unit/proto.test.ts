/**
 * The runtime descriptors are compiled from schemas/*.proto, so they cannot drift from the files;
 * what can drift is the files themselves. These tests pin the wire facts of Teleport's prehog
 * tbot.proto (names, numbers, types), and check that an independent encoder (protobufjs, reading
 * the same .proto) and the collector's decoder agree byte for byte.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromBinary, toBinary, fromJson, type DescField } from '@bufbuild/protobuf';
import protobuf from 'protobufjs';
import { messageSchema, serviceSchema } from '../../src/protocol/descriptors.js';
import { fieldType } from '../helpers/proto-fields.js';

const SCHEMAS = fileURLToPath(new URL('../../schemas/', import.meta.url));

function describeFields(fields: readonly DescField[]): string[] {
  return fields.map((field) => `${field.number} ${field.name} ${field.jsonName} ${fieldType(field)}${field.oneof === undefined ? '' : ` oneof:${field.oneof.name}`}`);
}

describe('prehog tbot.proto contract', () => {
  it("SubmitTbotEventRequest and TbotStartEvent carry Teleport's names, numbers and types", () => {
    assert.deepEqual(describeFields(messageSchema('prehog.v1alpha.SubmitTbotEventRequest').fields), [
      '1 distinct_id distinctId scalar:9',
      '2 timestamp timestamp message:google.protobuf.Timestamp',
      '3 start start message:prehog.v1alpha.TbotStartEvent oneof:event',
    ]);
    assert.deepEqual(describeFields(messageSchema('prehog.v1alpha.TbotStartEvent').fields), [
      '1 run_mode runMode enum:prehog.v1alpha.TbotStartEvent.RunMode',
      '2 version version scalar:9',
      '3 join_type joinType scalar:9',
      '4 helper helper scalar:9',
      '5 helper_version helperVersion scalar:9',
      '6 destinations_other destinationsOther scalar:5',
      '7 destinations_database destinationsDatabase scalar:5',
      '8 destinations_kubernetes destinationsKubernetes scalar:5',
      '9 destinations_application destinationsApplication scalar:5',
    ]);
    const runMode = messageSchema('prehog.v1alpha.TbotStartEvent').fields[0]!;
    assert.ok(runMode.fieldKind === 'enum');
    assert.deepEqual(
      runMode.enum.values.map((value) => [value.name, value.number]),
      [
        ['RUN_MODE_UNSPECIFIED', 0],
        ['RUN_MODE_ONE_SHOT', 1],
        ['RUN_MODE_DAEMON', 2],
      ],
    );
    const service = serviceSchema('prehog.v1alpha.TbotReportingService');
    assert.deepEqual(
      service.methods.map((method) => [method.name, method.input.typeName, method.output.typeName, method.methodKind]),
      [['SubmitTbotEvent', 'prehog.v1alpha.SubmitTbotEventRequest', 'prehog.v1alpha.SubmitTbotEventResponse', 'unary']],
    );
  });

  it("our batch procedure lives in its own package and carries Teleport's request unchanged", () => {
    const service = serviceSchema('tbotanalytics.v1.TbotBatchReportingService');
    assert.deepEqual(
      service.methods.map((method) => [method.name, method.input.typeName, method.output.typeName, method.methodKind]),
      [['SubmitTbotEvents', 'tbotanalytics.v1.SubmitTbotEventsRequest', 'tbotanalytics.v1.SubmitTbotEventsResponse', 'unary']],
    );
    assert.deepEqual(describeFields(messageSchema('tbotanalytics.v1.SubmitTbotEventsRequest').fields), ['1 events events list']);
    const events = messageSchema('tbotanalytics.v1.SubmitTbotEventsRequest').fields[0]!;
    assert.ok(events.fieldKind === 'list' && events.listKind === 'message');
    assert.equal(events.message.typeName, 'prehog.v1alpha.SubmitTbotEventRequest');
  });

  it('protobufjs and the runtime descriptors encode the same request to the same bytes, both ways', () => {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : resolve(SCHEMAS, target));
    root.loadSync('prehog/v1alpha/tbot.proto', { keepCase: true });
    const Request = root.lookupType('prehog.v1alpha.SubmitTbotEventRequest');
    const value = {
      distinct_id: '0b6e3a52-6e7c-4c8e-9a51-5f1d2f8f0b1a',
      timestamp: { seconds: 1_795_000_000, nanos: 123_000_000 },
      start: {
        run_mode: 2,
        version: '18.1.0',
        join_type: 'github',
        helper: 'gha:teleport-actions/auth',
        helper_version: '2.0.3',
        destinations_other: 1,
        destinations_database: 2,
        destinations_kubernetes: 3,
        destinations_application: 4,
      },
    };
    const independent = Request.encode(Request.fromObject(value)).finish();
    const schema = messageSchema('prehog.v1alpha.SubmitTbotEventRequest');
    const decoded = fromBinary(schema, independent);
    const ours = toBinary(
      schema,
      fromJson(schema, {
        distinctId: value.distinct_id,
        timestamp: '2026-11-18T11:06:40.123Z',
        start: {
          runMode: 'RUN_MODE_DAEMON',
          version: '18.1.0',
          joinType: 'github',
          helper: 'gha:teleport-actions/auth',
          helperVersion: '2.0.3',
          destinationsOther: 1,
          destinationsDatabase: 2,
          destinationsKubernetes: 3,
          destinationsApplication: 4,
        },
      }),
    );
    assert.deepEqual(Buffer.from(ours), Buffer.from(independent));
    assert.deepEqual(toBinary(schema, decoded), ours);
    const back = Request.toObject(Request.decode(ours), { longs: Number }) as typeof value;
    assert.deepEqual(back, value);
  });
});
