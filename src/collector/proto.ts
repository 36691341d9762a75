/**
 * schemas/tbot.proto as a runtime descriptor for @bufbuild/protobuf (no protoc or codegen needed),
 * and the two decoders the collector accepts: Connect's application/json (ProtoJSON) and
 * application/proto (binary). Both end in the same ProtoJSON object the agent sends, ready for
 * the JSON Schema in schemas/tbot-event.schema.json.
 */
import { create, createFileRegistry, fromBinary, fromJson, toJson, type DescMessage, type DescService, type JsonValue } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  file_google_protobuf_timestamp,
} from '@bufbuild/protobuf/wkt';

const { OPTIONAL } = FieldDescriptorProto_Label;
const { STRING: TYPE_STRING, INT32: TYPE_INT32, ENUM: TYPE_ENUM, MESSAGE: TYPE_MESSAGE } = FieldDescriptorProto_Type;

/** protoc fills json_name (lowerCamelCase); a hand-built descriptor has to as well. */
const jsonName = (name: string): string => name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
const field = (name: string, number: number, type: FieldDescriptorProto_Type, extra: Record<string, unknown> = {}) => ({ name, jsonName: jsonName(name), number, type, label: OPTIONAL, ...extra });

const file = create(FileDescriptorProtoSchema, {
  name: 'prehog/v1alpha/tbot.proto',
  package: 'prehog.v1alpha',
  syntax: 'proto3',
  dependency: ['google/protobuf/timestamp.proto'],
  messageType: [
    {
      name: 'SubmitTbotEventRequest',
      field: [
        field('distinct_id', 1, TYPE_STRING),
        field('timestamp', 2, TYPE_MESSAGE, { typeName: '.google.protobuf.Timestamp' }),
        field('start', 3, TYPE_MESSAGE, { typeName: '.prehog.v1alpha.TbotStartEvent', oneofIndex: 0 }),
      ],
      oneofDecl: [{ name: 'event' }],
    },
    { name: 'SubmitTbotEventResponse' },
    {
      name: 'TbotStartEvent',
      field: [
        field('run_mode', 1, TYPE_ENUM, { typeName: '.prehog.v1alpha.TbotStartEvent.RunMode' }),
        field('version', 2, TYPE_STRING),
        field('join_type', 3, TYPE_STRING),
        field('helper', 4, TYPE_STRING),
        field('helper_version', 5, TYPE_STRING),
        field('destinations_other', 6, TYPE_INT32),
        field('destinations_database', 7, TYPE_INT32),
        field('destinations_kubernetes', 8, TYPE_INT32),
        field('destinations_application', 9, TYPE_INT32),
      ],
      enumType: [
        {
          name: 'RunMode',
          value: [
            { name: 'RUN_MODE_UNSPECIFIED', number: 0 },
            { name: 'RUN_MODE_ONE_SHOT', number: 1 },
            { name: 'RUN_MODE_DAEMON', number: 2 },
          ],
        },
      ],
    },
  ],
  service: [
    {
      name: 'TbotReportingService',
      method: [{ name: 'SubmitTbotEvent', inputType: '.prehog.v1alpha.SubmitTbotEventRequest', outputType: '.prehog.v1alpha.SubmitTbotEventResponse' }],
    },
  ],
});

const registry = createFileRegistry(file, (name) => (name === 'google/protobuf/timestamp.proto' ? file_google_protobuf_timestamp : undefined));

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`tbot.proto descriptor lacks ${what}`);
  return value;
}

export const SubmitTbotEventRequestSchema: DescMessage = must(registry.getMessage('prehog.v1alpha.SubmitTbotEventRequest'), 'SubmitTbotEventRequest');
export const TbotReportingService: DescService = must(registry.getService('prehog.v1alpha.TbotReportingService'), 'TbotReportingService');

/** The request could not be decoded as a SubmitTbotEventRequest; the message names what was wrong. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

/**
 * Canonical ProtoJSON: every field present (Go's protojson omits zero values), except empty
 * helper strings, which mean "no helper" and are left out as the agent does.
 */
function canonical(message: ReturnType<typeof fromBinary>): JsonValue {
  const json = toJson(SubmitTbotEventRequestSchema, message, { alwaysEmitImplicit: true }) as Record<string, unknown>;
  const start = json['start'] as Record<string, unknown> | undefined;
  if (start !== undefined) {
    if (start['helper'] === '') delete start['helper'];
    if (start['helperVersion'] === '') delete start['helperVersion'];
  }
  return json as JsonValue;
}

function unknownFieldsOf(message: Record<string, unknown>, path: string): string | undefined {
  const unknown = message['$unknown'] as { no: number }[] | undefined;
  if (unknown !== undefined && unknown.length > 0) return `${path}field number ${unknown[0]?.no}`;
  const event = message['event'] as { case?: string; value?: Record<string, unknown> } | undefined;
  return event?.value === undefined ? undefined : unknownFieldsOf(event.value, `${event.case}.`);
}

export function decodeBinaryRequest(bytes: Uint8Array): JsonValue {
  let message;
  try {
    message = fromBinary(SubmitTbotEventRequestSchema, bytes, { readUnknownFields: true });
  } catch (error) {
    throw new DecodeError(`malformed protobuf: ${(error as Error).message}`);
  }
  const unknown = unknownFieldsOf(message as unknown as Record<string, unknown>, '');
  if (unknown !== undefined) throw new DecodeError(`unknown field: ${unknown}`);
  return canonical(message);
}

/**
 * `isCanonical` lets the caller accept, as is, a body already in the canonical form (what the agent
 * sends), skipping the reflective protobuf round trip; anything else goes through it.
 */
export function decodeJsonRequest(text: string, isCanonical: (value: unknown) => boolean = () => false): JsonValue {
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new DecodeError(error instanceof RangeError ? 'JSON nested too deeply' : 'malformed JSON');
  }
  if (isCanonical(parsed)) return parsed;
  try {
    return canonical(fromJson(SubmitTbotEventRequestSchema, parsed, { ignoreUnknownFields: false }));
  } catch (error) {
    throw new DecodeError((error as Error).message.replace(/^cannot decode (message )?/, ''));
  }
}
