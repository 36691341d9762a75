import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { SubmitTbotEventRequestSchema, TbotReportingService } from '../../src/collector/proto.js';

const PROTO = new URL('../../schemas/tbot.proto', import.meta.url);

describe('schemas/tbot.proto and the runtime descriptor agree', () => {
  it('same messages, field names, numbers and types; same enum; same service', async () => {
    const root = protobuf.parse(await readFile(PROTO, 'utf8'), { keepCase: true }).root;
    const request = root.lookupType('prehog.v1alpha.SubmitTbotEventRequest');
    const start = root.lookupType('prehog.v1alpha.TbotStartEvent');
    const describeParsed = (type: protobuf.Type) => Object.values(type.fields).map((field) => `${field.id}:${field.name}:${field.type.split('.').at(-1)}`).sort();
    const describeRuntime = (message: typeof SubmitTbotEventRequestSchema) =>
      message.fields.map((field) => `${field.number}:${field.name}:${field.fieldKind === 'scalar' ? protobufScalar(field.scalar) : field.fieldKind === 'enum' ? field.enum.name : field.fieldKind === 'message' ? field.message.name : '?'}`).sort();
    assert.deepEqual(describeRuntime(SubmitTbotEventRequestSchema), describeParsed(request));
    const runtimeStart = SubmitTbotEventRequestSchema.fields.find((field) => field.name === 'start');
    assert.ok(runtimeStart?.fieldKind === 'message');
    assert.deepEqual(describeRuntime(runtimeStart.message), describeParsed(start));
    assert.deepEqual(runtimeStart.oneof?.name, request.oneofs['event']?.name);
    const runMode = start.lookupEnum('RunMode');
    const runtimeRunMode = runtimeStart.message.fields.find((field) => field.name === 'run_mode');
    assert.ok(runtimeRunMode?.fieldKind === 'enum');
    assert.deepEqual(Object.fromEntries(runtimeRunMode.enum.values.map((value) => [value.name, value.number])), { ...runMode.values });
    const service = root.lookupService('prehog.v1alpha.TbotReportingService');
    assert.deepEqual(TbotReportingService.methods.map((method) => method.name), Object.keys(service.methods));
  });
});

function protobufScalar(scalar: number): string {
  // @bufbuild/protobuf ScalarType numbers are the descriptor's FieldDescriptorProto.Type numbers.
  return ({ 5: 'int32', 9: 'string' } as Record<number, string>)[scalar] ?? `scalar${scalar}`;
}
