/**
 * Decoding request messages in either Connect encoding with the runtime descriptors, shared by
 * every service. Proto3 receivers skip fields they do not know (a newer sender may have added
 * them), so both decoders skip them too, and say how many they skipped: nothing unknown is ever
 * passed on, so nothing new can reach the store. Everything else a ProtoJSON or binary parser
 * refuses is refused here, as invalid_argument.
 */
import { fromBinary, fromJson, toJson, type DescField, type DescMessage, type JsonObject, type JsonValue, type Message } from '@bufbuild/protobuf';
import { ConnectFailure } from './connect-protocol.js';

export const decodeFailure = (message: string): ConnectFailure => new ConnectFailure('invalid_argument', message, 'decode');

export function parseJsonBody(body: Buffer): JsonValue {
  let text: string;
  try {
    // Invalid UTF-8 must not be silently replaced with U+FFFD and stored.
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw decodeFailure('body is not valid UTF-8');
  }
  // As connect-go does: an empty message in JSON is "{}", so an empty body is not one.
  if (text === '') throw decodeFailure('malformed JSON: an empty body is not a JSON object');
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw decodeFailure(error instanceof RangeError ? 'JSON nested too deeply' : 'malformed JSON');
  }
}

export const isJsonObject = (value: JsonValue | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Well-known types have their own JSON shapes (a Timestamp is a string), so their keys are not fields. */
const hasFieldKeys = (schema: DescMessage): boolean => !schema.typeName.startsWith('google.protobuf.');

function fieldByJsonKey(schema: DescMessage): Map<string, DescField> {
  // ProtoJSON parsers accept both the lowerCamel JSON name and the proto field name.
  return new Map(schema.fields.flatMap((field) => [[field.jsonName, field] as const, [field.name, field] as const]));
}

/** A copy of `value` without the keys `schema` does not define, at any depth, and how many there were. */
export function withoutUnknownJsonFields(schema: DescMessage, value: JsonValue): { value: JsonValue; unknownFields: number } {
  if (!isJsonObject(value) || !hasFieldKeys(schema)) return { value, unknownFields: 0 };
  const fields = fieldByJsonKey(schema);
  const kept: JsonObject = {};
  let unknownFields = 0;
  const nested = (message: DescMessage, inner: JsonValue): JsonValue => {
    const stripped = withoutUnknownJsonFields(message, inner);
    unknownFields += stripped.unknownFields;
    return stripped.value;
  };
  for (const [key, inner] of Object.entries(value)) {
    const field = fields.get(key);
    if (field === undefined) {
      unknownFields += 1;
      continue;
    }
    if (field.fieldKind === 'message') kept[key] = nested(field.message, inner);
    else if (field.fieldKind === 'list' && field.listKind === 'message' && Array.isArray(inner)) kept[key] = inner.map((element) => nested(field.message, element));
    else if (field.fieldKind === 'map' && field.mapKind === 'message' && isJsonObject(inner)) kept[key] = Object.fromEntries(Object.entries(inner).map(([mapKey, element]) => [mapKey, nested(field.message, element)]));
    else kept[key] = inner;
  }
  return { value: kept, unknownFields };
}

/** Unknown fields a binary decode kept aside, counted through every nested message. */
export function countUnknownFields(message: unknown): number {
  if (typeof message !== 'object' || message === null || message instanceof Uint8Array) return 0;
  if (Array.isArray(message)) return message.reduce((sum: number, element) => sum + countUnknownFields(element), 0);
  let count = 0;
  for (const [key, value] of Object.entries(message)) count += key === '$unknown' ? (value as unknown[]).length : countUnknownFields(value);
  return count;
}

const withoutPrefix = (error: unknown): string => (error as Error).message.replace(/^cannot (?:decode|encode) (?:message |field )?/, '');

/**
 * Canonical ProtoJSON of a message: every implicit field present (Go's protojson omits zero
 * values), unknown fields gone. A value JSON cannot carry (a Timestamp outside its range) is the
 * client's fault, so it is refused rather than left to fail as an internal error.
 */
export function canonicalJson(schema: DescMessage, message: Message): JsonValue {
  try {
    return toJson(schema, message, { alwaysEmitImplicit: true });
  } catch (error) {
    throw decodeFailure(withoutPrefix(error));
  }
}

/** Parsed JSON → canonical ProtoJSON, skipping (and counting) unknown fields; `at` prefixes messages. */
export function decodeJsonMessage(schema: DescMessage, value: JsonValue, at = ''): { json: JsonValue; unknownFields: number } {
  const stripped = withoutUnknownJsonFields(schema, value);
  let message: Message;
  try {
    // Unknown keys are gone already; anything else unknown (an enum name) is still an error.
    message = fromJson(schema, stripped.value, { ignoreUnknownFields: false });
  } catch (error) {
    throw decodeFailure(`${at}${withoutPrefix(error)}`);
  }
  return { json: canonicalJson(schema, message), unknownFields: stripped.unknownFields };
}

/** Binary protobuf → the decoded message; unknown fields stay in `$unknown` for counting. */
export function decodeBinaryMessage<T extends Message>(schema: DescMessage, body: Buffer): T {
  try {
    return fromBinary(schema, body, { readUnknownFields: true }) as T;
  } catch (error) {
    throw decodeFailure(`malformed protobuf: ${(error as Error).message}`);
  }
}
